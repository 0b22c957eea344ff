package dev.servicemanager.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProxyMetricsTest {
  @Test
  void rendersPrometheusTextWithResyncErrorsAndRevisionLag() {
    ProxyMetrics metrics = new ProxyMetrics();
    metrics.notificationReceived(10);
    metrics.resyncSucceeded(new Reconciler.Report(1, 2, 3, 4, 5), 1500, 7);
    metrics.resyncFailed(10);
    String text = metrics.prometheus();
    assertThat(text).contains("# TYPE broker_proxy_resyncs_total counter\nbroker_proxy_resyncs_total 2\n");
    assertThat(text).contains("broker_proxy_resync_failures_total 1\n");
    assertThat(text).contains("broker_proxy_operation_errors_total 5\n");
    assertThat(text).contains("broker_proxy_brokers_created_total 1\n");
    assertThat(text).contains("broker_proxy_revision_lag 3.0\n");
    assertThat(text).contains("# TYPE broker_proxy_last_resync_success_timestamp_seconds gauge\n");
    assertThat(metrics.revisionLag()).isEqualTo(3);
  }

  @Test
  void includedSeriesFollowTheProxysOwnInTheSameExposition() {
    ProxyMetrics metrics = new ProxyMetrics();
    metrics.include(() -> "# TYPE platform_things gauge\nplatform_things 4\n");
    assertThat(metrics.prometheus()).endsWith("# TYPE platform_things gauge\nplatform_things 4\n")
        .contains("broker_proxy_resyncs_total 0\n");
  }
}

package dev.servicemanager.proxy.core;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.reactivestreams.Publisher;

/** Part of {@code GET /health}: DOWN when the last resync could not read SM or list the platform. */
@Singleton
@Requires(beans = ResyncLoop.class)
final class ProxyHealthIndicator implements HealthIndicator {
  private final ResyncLoop loop;
  private final ProxyMetrics metrics;

  ProxyHealthIndicator(ResyncLoop loop, ProxyMetrics metrics) {
    this.loop = loop;
    this.metrics = metrics;
  }

  @Override
  public Publisher<HealthResult> getResult() {
    HealthStatus status;
    if (loop.lastFailed()) {
      status = HealthStatus.DOWN;
    } else {
      status = metrics.lastSuccessMillis() == 0 ? HealthStatus.UNKNOWN : HealthStatus.UP;
    }
    Map<String, Object> details = new LinkedHashMap<>();
    if (metrics.lastSuccessMillis() > 0) {
      details.put("lastResyncSuccess", Instant.ofEpochMilli(metrics.lastSuccessMillis()).toString());
    }
    details.put("resyncs", metrics.resyncs());
    details.put("failedResyncs", metrics.failedResyncs());
    details.put("operationErrors", metrics.operationErrors());
    if (!metrics.refusedDeletions().isEmpty()) {
      // Removed from SM, but the platform keeps them (Cloud Foundry: instances exist); see the log.
      details.put("brokersNotRemovable", metrics.refusedDeletions());
    }
    details.put("notifications", metrics.followerState().name().toLowerCase());
    return Publishers.just(HealthResult.builder("brokerProxy", status).details(details).build());
  }
}

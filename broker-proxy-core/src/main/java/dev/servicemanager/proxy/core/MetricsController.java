package dev.servicemanager.proxy.core;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;

/** {@code GET /metrics} in the Prometheus text exposition format. */
@Controller("/metrics")
@Requires(beans = ProxyMetrics.class)
final class MetricsController {
  private final ProxyMetrics metrics;

  MetricsController(ProxyMetrics metrics) {
    this.metrics = metrics;
  }

  @Get(produces = "text/plain; version=0.0.4; charset=utf-8")
  String metrics() {
    return metrics.prometheus();
  }
}

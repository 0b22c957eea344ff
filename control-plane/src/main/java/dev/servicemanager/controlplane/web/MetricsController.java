package dev.servicemanager.controlplane.web;

import dev.servicemanager.controlplane.state.StateStore;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code GET /control-plane/metrics} in Prometheus text format 0.0.4, written by hand: the server has
 * no metrics registry, and these few series need none. Publish lag is the age of the oldest
 * unpublished outbox row (0 when everything is out), read from the database on each scrape.
 */
@Controller("/control-plane")
@Requires(property = "control-plane.enabled", notEquals = "false")
final class MetricsController {
  private final Metrics metrics;
  private final StateStore store;

  MetricsController(Metrics metrics, StateStore store) {
    this.metrics = metrics;
    this.store = store;
  }

  @Get(uri = "/metrics", produces = "text/plain; version=0.0.4")
  HttpResponse<String> metrics() {
    StringBuilder out = new StringBuilder();
    out.append("# HELP control_plane_commands_total JSON-RPC calls by method and outcome.\n");
    out.append("# TYPE control_plane_commands_total counter\n");
    Map<String, AtomicLong> sorted = new TreeMap<>(metrics.commands());
    sorted.forEach((key, count) -> {
      String[] parts = key.split("\u0000", 2);
      out.append("control_plane_commands_total{method=\"").append(parts[0]).append("\",outcome=\"")
          .append(parts[1]).append("\"} ").append(count.get()).append('\n');
    });
    StateStore.Pending pending = store.pending();
    gauge(out, "control_plane_publish_lag_seconds", "Age of the oldest desired state not yet on Kafka.",
        String.valueOf(pending.oldestAgeSeconds()));
    gauge(out, "control_plane_outbox_pending", "Desired states waiting to be published.", String.valueOf(pending.count()));
    counter(out, "control_plane_published_total", "Desired states published to Kafka.", metrics.published.get());
    counter(out, "control_plane_publish_failures_total", "Failed publish attempts (retried).", metrics.publishFailures.get());
    counter(out, "control_plane_feedback_total", "Valid reports read from the feedback topic.", metrics.feedbackReceived.get());
    counter(out, "control_plane_feedback_invalid_total", "Malformed feedback records skipped.", metrics.feedbackInvalid.get());
    counter(out, "control_plane_reconcile_runs_total", "Reconciler runs.", metrics.reconcileRuns.get());
    counter(out, "control_plane_reconcile_errors_total", "Reconciler runs that failed (requeued).", metrics.reconcileErrors.get());
    counter(out, "control_plane_republished_total", "Desired states published again by a reconciler.", metrics.republished.get());
    return HttpResponse.ok(out.toString());
  }

  private static void counter(StringBuilder out, String name, String help, long value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" counter\n");
    out.append(name).append(' ').append(value).append('\n');
  }

  private static void gauge(StringBuilder out, String name, String help, String value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" gauge\n");
    out.append(name).append(' ').append(value).append('\n');
  }
}

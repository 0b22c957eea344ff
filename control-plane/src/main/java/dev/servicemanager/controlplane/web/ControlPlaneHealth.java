package dev.servicemanager.controlplane.web;

import dev.servicemanager.controlplane.ControlPlaneSettings;
import dev.servicemanager.controlplane.channel.StatePublisher;
import dev.servicemanager.controlplane.state.StateStore;
import io.micronaut.context.annotation.Requires;
import io.micronaut.health.HealthStatus;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import java.util.LinkedHashMap;
import java.util.Map;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/**
 * Health of the plugin: the database answers, and the state channel either publishes or is not
 * configured. A Kafka outage is DOWN for the channel only; commands are still accepted and stored.
 * A {@link HealthIndicator} for the server's health endpoint when that is enabled, and {@code GET
 * /control-plane/health} (public, no data beyond up/down) because the server disables management endpoints.
 */
@Controller("/control-plane")
@Requires(property = "control-plane.enabled", notEquals = "false")
final class ControlPlaneHealth implements HealthIndicator {
  private final StateStore store;
  private final StatePublisher publisher;
  private final ControlPlaneSettings settings;

  ControlPlaneHealth(StateStore store, StatePublisher publisher, ControlPlaneSettings settings) {
    this.store = store;
    this.publisher = publisher;
    this.settings = settings;
  }

  Map<String, Object> details() {
    Map<String, Object> details = new LinkedHashMap<>();
    boolean database;
    try {
      store.pending();
      database = true;
    } catch (RuntimeException e) {
      database = false;
    }
    details.put("database", database ? "UP" : "DOWN");
    String kafka = !settings.kafkaConfigured() ? "NOT_CONFIGURED" : publisher.lastError() == null ? "UP" : "DOWN";
    details.put("stateChannel", kafka);
    details.put("status", database && !kafka.equals("DOWN") ? "UP" : "DOWN");
    return details;
  }

  @Override
  public Publisher<HealthResult> getResult() {
    Map<String, Object> details = details();
    HealthStatus status = "UP".equals(details.get("status")) ? HealthStatus.UP : HealthStatus.DOWN;
    return Mono.just(HealthResult.builder("control-plane", status).details(details).build());
  }

  @Get("/health")
  HttpResponse<Map<String, Object>> health() {
    Map<String, Object> details = details();
    return HttpResponse.status("UP".equals(details.get("status")) ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
        .body(details);
  }
}

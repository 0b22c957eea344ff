package dev.servicemanager.controlplane.web;

import dev.servicemanager.controlplane.state.RuntimeView;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

/**
 * Every stored change of a runtime (desired, observed, reconciled), for the page's server-sent events.
 * Best effort: a slow subscriber misses events and gets the next full view; nothing here blocks a writer.
 */
@Singleton
@Requires(property = "control-plane.enabled", notEquals = "false")
public final class Events {
  private final Sinks.Many<RuntimeView> sink = Sinks.many().multicast().directBestEffort();

  public void publish(RuntimeView view) {
    synchronized (sink) { // emitters must not race each other
      sink.tryEmitNext(view);
    }
  }

  public Flux<RuntimeView> stream() {
    return sink.asFlux();
  }
}

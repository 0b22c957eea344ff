package dev.servicemanager.controlplane;

import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.time.Duration;

/** The plugin's settings (all under {@code control-plane.}; the README has the table). */
@Singleton
@Requires(property = "control-plane.enabled", notEquals = "false")
public record ControlPlaneSettings(
    // Empty: commands are stored, publishing waits (logged once). Falls back to the server's kafka.bootstrap.servers.
    @Value("${control-plane.kafka.bootstrap-servers:}") String ownBootstrapServers,
    @Value("${kafka.bootstrap.servers:}") String serverBootstrapServers,
    @Value("${control-plane.kafka.feedback-topic:control-plane.feedback}") String feedbackTopic,
    @Value("${control-plane.kafka.feedback-group:service-manager-control-plane}") String feedbackGroup,
    // How long one send may take before the batch counts as failed and is retried.
    @Value("${control-plane.kafka.send-timeout:10s}") Duration sendTimeout,
    @Value("${control-plane.publish.poll-interval:500ms}") Duration publishInterval,
    @Value("${control-plane.publish.max-backoff:10s}") Duration publishMaxBackoff,
    @Value("${control-plane.outbox.keep-for:1d}") Duration outboxKeepFor,
    @Value("${control-plane.reconcile.initial-backoff:500ms}") Duration reconcileInitialBackoff,
    @Value("${control-plane.reconcile.max-backoff:30s}") Duration reconcileMaxBackoff,
    // Unreconciled after this many requeues: publish the desired state again (a consumer may have missed it).
    @Value("${control-plane.reconcile.republish-after:3}") int republishAfter,
    @Value("${control-plane.reconcile.resync-interval:30s}") Duration resyncInterval) {

  public String bootstrapServers() {
    return ownBootstrapServers == null || ownBootstrapServers.isBlank() ? serverBootstrapServers : ownBootstrapServers;
  }

  public boolean kafkaConfigured() {
    String bootstrapServers = bootstrapServers();
    return bootstrapServers != null && !bootstrapServers.isBlank();
  }
}

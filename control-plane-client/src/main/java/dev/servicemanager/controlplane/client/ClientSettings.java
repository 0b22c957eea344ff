package dev.servicemanager.controlplane.client;

import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.env.Environment;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The library's settings ({@code control-plane.client.*}; the control-plane README has the table).
 * Pipelines are named groups of consumer ids: {@code control-plane.client.pipelines.<name>: [ids]}.
 */
@Singleton
@Requires(property = "control-plane.client.runtime")
public final class ClientSettings {
  final String runtime;
  final String namespace;
  final String stateTopic;
  final String feedbackTopic;
  final String bootstrapServers;
  final boolean startPaused;
  final Duration reportInterval;
  final String instance;
  final Map<String, List<String>> pipelines;

  ClientSettings(
      @Value("${control-plane.client.runtime}") String runtime,
      @Value("${control-plane.client.namespace:default}") String namespace,
      @Value("${control-plane.client.state-topic}") String stateTopic,
      @Value("${control-plane.client.feedback-topic:control-plane.feedback}") String feedbackTopic,
      @Value("${control-plane.client.bootstrap-servers:}") String ownBootstrap,
      @Value("${kafka.bootstrap.servers:localhost:9092}") String kafkaBootstrap,
      @Value("${control-plane.client.start-paused:false}") boolean startPaused,
      @Value("${control-plane.client.report-interval:5s}") Duration reportInterval,
      @Value("${control-plane.client.instance:}") String instance,
      Environment environment) {
    this.runtime = runtime;
    this.namespace = namespace;
    this.stateTopic = stateTopic;
    this.feedbackTopic = feedbackTopic;
    this.bootstrapServers = ownBootstrap.isBlank() ? kafkaBootstrap : ownBootstrap;
    this.startPaused = startPaused;
    this.reportInterval = reportInterval;
    this.instance = instance.isBlank() ? runtime + "-" + ProcessHandle.current().pid() : instance;
    Map<String, List<String>> pipes = new HashMap<>();
    environment.getProperties("control-plane.client.pipelines").forEach((name, value) -> {
      Object v = environment.getProperty("control-plane.client.pipelines." + name, List.class).orElse(List.of(value));
      pipes.put(name, ((List<?>) v).stream().map(String::valueOf).toList());
    });
    this.pipelines = Map.copyOf(pipes);
  }

  /** The record key of this runtime's state documents (as the control plane publishes them). */
  String key() {
    return namespace + "/" + runtime;
  }
}

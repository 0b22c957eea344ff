package dev.servicemanager.controlplane;

import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import java.util.List;

/**
 * A runtime configured in {@code control-plane.runtimes.<name>}: namespace, topic of its state channel,
 * and its default state (targets listed in {@code running} or {@code paused}, each {@code kind:name}).
 * Configured runtimes are registered (or updated) at start; others are registered over JSON-RPC.
 */
@EachProperty("control-plane.runtimes")
public final class RuntimeConfig {
  private final String name;
  private String namespace = "default";
  private String topic;
  private List<String> running = List.of();
  private List<String> paused = List.of();

  public RuntimeConfig(@Parameter String name) {
    this.name = name;
  }

  public String getName() {
    return name;
  }

  public String getNamespace() {
    return namespace;
  }

  public void setNamespace(String namespace) {
    this.namespace = namespace;
  }

  public String getTopic() {
    return topic;
  }

  public void setTopic(String topic) {
    this.topic = topic;
  }

  public List<String> getRunning() {
    return running;
  }

  public void setRunning(List<String> running) {
    this.running = List.copyOf(running);
  }

  public List<String> getPaused() {
    return paused;
  }

  public void setPaused(List<String> paused) {
    this.paused = List.copyOf(paused);
  }
}

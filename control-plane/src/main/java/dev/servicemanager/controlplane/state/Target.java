package dev.servicemanager.controlplane.state;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Something of a runtime that can be paused: a consumer group, a topic or a pipeline, by name.
 * Stored and published as {@code kind:name} (e.g. {@code consumer-group:orders}).
 */
public record Target(String kind, String name) {
  public static final java.util.List<String> KINDS = java.util.List.of("consumer-group", "topic", "pipeline");
  /** Kafka's own rule for topic and group names, used for pipelines too. */
  public static final Pattern NAME = Pattern.compile("^[A-Za-z0-9._-]{1,249}$");

  public Target {
    if (!KINDS.contains(kind) || name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("invalid target " + kind + ":" + name);
    }
  }

  public String key() {
    return kind + ":" + name;
  }

  /** Parses {@code kind:name}; empty when it is not one. */
  public static Optional<Target> parse(String key) {
    int colon = key == null ? -1 : key.indexOf(':');
    if (colon < 0) {
      return Optional.empty();
    }
    String kind = key.substring(0, colon);
    String name = key.substring(colon + 1);
    if (!KINDS.contains(kind) || !NAME.matcher(name).matches()) {
      return Optional.empty();
    }
    return Optional.of(new Target(kind, name));
  }
}

package dev.servicemanager.controlplane.state;

import java.util.regex.Pattern;

/** A runtime is named within a namespace (tenant); the pair is its key on the state channel. */
public record RuntimeId(String namespace, String name) {
  public static final String DEFAULT_NAMESPACE = "default";
  public static final Pattern NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$");

  public RuntimeId {
    if (namespace == null || !NAME.matcher(namespace).matches() || name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("invalid runtime " + namespace + "/" + name);
    }
  }

  /** The Kafka record key of this runtime's state documents. */
  public String key() {
    return namespace + "/" + name;
  }

  public static RuntimeId parseKey(String key) {
    int slash = key == null ? -1 : key.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("invalid runtime key " + key);
    }
    return new RuntimeId(key.substring(0, slash), key.substring(slash + 1));
  }
}

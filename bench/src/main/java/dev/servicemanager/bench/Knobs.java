package dev.servicemanager.bench;

import java.util.HashMap;
import java.util.Map;

/**
 * Reads the knobs of a harness: each from the system property {@code bench.<name>} (what the Maven
 * profiles pass), and a {@code --<name>=<value>} argument wins over it. {@link #rejectUnknown()}
 * after reading refuses arguments no knob consumed, so a typo is not silently ignored.
 */
final class Knobs {
  private final Map<String, String> cli = new HashMap<>();

  Knobs(String[] args) {
    for (String arg : args) {
      if (!arg.startsWith("--") || !arg.contains("=")) {
        throw new IllegalArgumentException("arguments look like --name=value, got: " + arg);
      }
      int eq = arg.indexOf('=');
      cli.put(arg.substring(2, eq), arg.substring(eq + 1));
    }
  }

  String string(String name, String fallback) {
    String value = cli.remove(name);
    if (value == null) {
      value = System.getProperty("bench." + name);
    }
    return value == null || value.isBlank() ? fallback : value.trim();
  }

  int integer(String name, int fallback) {
    String value = string(name, null);
    try {
      return value == null ? fallback : Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be an integer, got " + value);
    }
  }

  double decimal(String name, double fallback) {
    String value = string(name, null);
    try {
      return value == null ? fallback : Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number, got " + value);
    }
  }

  boolean bool(String name, boolean fallback) {
    String value = string(name, null);
    if (value == null) {
      return fallback;
    }
    if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
      throw new IllegalArgumentException(name + " must be true or false, got " + value);
    }
    return Boolean.parseBoolean(value);
  }

  void rejectUnknown() {
    if (!cli.isEmpty()) {
      throw new IllegalArgumentException("unknown arguments: " + cli.keySet());
    }
  }
}

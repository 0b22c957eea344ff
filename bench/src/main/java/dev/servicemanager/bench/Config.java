package dev.servicemanager.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The knobs of {@link RegistryBench}. Each is read from the system property {@code bench.<name>}
 * (what the Maven profile passes), and a {@code --<name>=<value>} argument wins over it.
 */
record Config(
    int registrations,
    int refreshes,
    int services,
    int plansPerService,
    int brokers,
    double goldPercent,
    double silverPercent,
    int apiLabels,
    int warmup,
    int requests,
    int pageSize,
    int timeoutMinutes,
    boolean failOnMiss,
    Path resultsDir) {

  static Config from(String[] args) {
    Map<String, String> cli = new HashMap<>();
    for (String arg : args) {
      if (!arg.startsWith("--") || !arg.contains("=")) {
        throw new IllegalArgumentException("arguments look like --name=value, got: " + arg);
      }
      int eq = arg.indexOf('=');
      cli.put(arg.substring(2, eq), arg.substring(eq + 1));
    }
    Reader r = new Reader(cli);
    Config config =
        new Config(
            r.integer("registrations", 5),
            r.integer("refreshes", 5),
            r.integer("services", 10),
            r.integer("plansPerService", 100),
            r.integer("brokers", 50),
            r.decimal("goldPercent", 1),
            r.decimal("silverPercent", 10),
            r.integer("apiLabels", 50),
            r.integer("warmup", 200),
            r.integer("requests", 1000),
            r.integer("pageSize", 50),
            r.integer("timeoutMinutes", 15),
            Boolean.parseBoolean(r.string("failOnMiss", "false")),
            Path.of(r.string("resultsDir", "results")).toAbsolutePath().normalize());
    if (!cli.isEmpty()) {
      throw new IllegalArgumentException("unknown arguments: " + cli.keySet());
    }
    if (config.registrations < 1 || config.refreshes < 1 || config.requests < 1 || config.brokers < 1
        || config.services < 1 || config.plansPerService < 1 || config.pageSize < 1) {
      throw new IllegalArgumentException("counts must be >= 1: " + config);
    }
    return config;
  }

  int catalogPlans() {
    return services * plansPerService;
  }

  int totalPlans() {
    return brokers * catalogPlans();
  }

  Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("registrations", registrations);
    m.put("refreshes", refreshes);
    m.put("services", services);
    m.put("plansPerService", plansPerService);
    m.put("brokers", brokers);
    m.put("goldPercent", goldPercent);
    m.put("silverPercent", silverPercent);
    m.put("apiLabels", apiLabels);
    m.put("warmup", warmup);
    m.put("requests", requests);
    m.put("pageSize", pageSize);
    m.put("timeoutMinutes", timeoutMinutes);
    m.put("failOnMiss", failOnMiss);
    return m;
  }

  private static final class Reader {
    private final Map<String, String> cli;

    Reader(Map<String, String> cli) {
      this.cli = cli;
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
  }
}

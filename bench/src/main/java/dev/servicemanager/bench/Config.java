package dev.servicemanager.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The knobs of {@link RegistryBench}, read with {@link Knobs}: the system property {@code
 * bench.<name>} (what the Maven profile passes), or a {@code --<name>=<value>} argument.
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
    Knobs r = new Knobs(args);
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
            r.bool("failOnMiss", false),
            Path.of(r.string("resultsDir", "results")).toAbsolutePath().normalize());
    r.rejectUnknown();
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
}

package dev.servicemanager.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The knobs of {@link OsbProxyBench}, read with {@link Knobs}: the system property {@code
 * bench.<name>} (the Maven profile {@code bench-osb} passes {@code bench.osb.<name>} as that), or a
 * {@code --<name>=<value>} argument.
 */
record OsbConfig(
    int services,
    int plansPerService,
    int warmup,
    int requests,
    int block,
    int concurrency,
    int seconds,
    int rounds,
    int warmupSeconds,
    int timeoutMinutes,
    String synchronousCommit,
    boolean failOnMiss,
    Path resultsDir) {

  static OsbConfig from(String[] args) {
    Knobs r = new Knobs(args);
    OsbConfig config =
        new OsbConfig(
            r.integer("services", 2),
            r.integer("plansPerService", 5),
            r.integer("warmup", 1000),
            r.integer("requests", 2000),
            r.integer("block", 50),
            r.integer("concurrency", 8),
            r.integer("seconds", 10),
            r.integer("rounds", 2),
            r.integer("warmupSeconds", 2),
            r.integer("timeoutMinutes", 10),
            r.string("synchronousCommit", ""),
            r.bool("failOnMiss", false),
            Path.of(r.string("resultsDir", "results")).toAbsolutePath().normalize());
    r.rejectUnknown();
    if (config.services < 1 || config.plansPerService < 1 || config.requests < 1 || config.block < 1
        || config.concurrency < 1 || config.seconds < 1 || config.rounds < 1 || config.timeoutMinutes < 1) {
      throw new IllegalArgumentException("counts must be >= 1: " + config);
    }
    if (!config.synchronousCommit.isEmpty() && !config.synchronousCommit.matches("on|off|local|remote_write|remote_apply")) {
      throw new IllegalArgumentException("synchronousCommit must be on, off, local, remote_write or remote_apply");
    }
    if (config.warmup < 0 || config.warmupSeconds < 0) {
      throw new IllegalArgumentException("warmup and warmupSeconds must be >= 0: " + config);
    }
    return config;
  }

  int catalogPlans() {
    return services * plansPerService;
  }

  /** Measured seconds of one side (direct or via SM) in one throughput round. */
  double secondsPerRound() {
    return (double) seconds / rounds;
  }

  Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("services", services);
    m.put("plansPerService", plansPerService);
    m.put("warmup", warmup);
    m.put("requests", requests);
    m.put("block", block);
    m.put("concurrency", concurrency);
    m.put("seconds", seconds);
    m.put("rounds", rounds);
    m.put("warmupSeconds", warmupSeconds);
    m.put("timeoutMinutes", timeoutMinutes);
    if (!synchronousCommit.isEmpty()) {
      m.put("synchronousCommit", synchronousCommit);
    }
    m.put("failOnMiss", failOnMiss);
    return m;
  }
}

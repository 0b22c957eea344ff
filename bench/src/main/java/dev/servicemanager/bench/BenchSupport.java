package dev.servicemanager.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/** What every harness does the same way: the time bound, the machine description, the results file. */
final class BenchSupport {
  private BenchSupport() {}

  /** Ends the process (cleanup runs in the shutdown hook) when the run exceeds its time bound. */
  /** What {@link #runMain} needs from a harness. */
  interface Harness {
    int timeoutMinutes();

    int run() throws Exception;

    void cleanup();
  }

  /**
   * The common {@code main}: bad arguments exit 64, cleanup runs on exit and on the watchdog, any
   * failure prints BENCH FAILED and exits 1; otherwise the harness's status.
   */
  static void runMain(java.util.function.Supplier<Harness> create) {
    Harness bench;
    try {
      bench = create.get();
    } catch (IllegalArgumentException e) {
      System.err.println("bench: " + e.getMessage());
      System.exit(64);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(bench::cleanup, "bench-cleanup"));
    startWatchdog(bench.timeoutMinutes());
    int status;
    try {
      status = bench.run();
    } catch (Throwable t) {
      System.err.println();
      System.err.println("BENCH FAILED: " + t);
      if (!(t instanceof BenchException)) {
        t.printStackTrace();
      }
      status = 1;
    }
    bench.cleanup();
    System.exit(status);
  }

  /**
   * The fakes run on the JDK's HttpServer, which leaves Nagle's algorithm on: it writes headers and
   * body separately, and the second write waits for the client's delayed ACK (about 40 ms per call on
   * Linux). Real brokers do not look like that, so the fakes answer with TCP_NODELAY. Call before any
   * HttpServer class loads.
   */
  static void tcpNoDelayForFakes() {
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  static void startWatchdog(int minutes) {
    Thread watchdog =
        new Thread(
            () -> {
              try {
                Thread.sleep(minutes * 60_000L);
              } catch (InterruptedException e) {
                return;
              }
              System.err.println("BENCH FAILED: the run exceeded its bound of " + minutes
                  + " minutes (--timeoutMinutes); stopping");
              System.exit(3);
            },
            "bench-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  static Map<String, Object> describeMachine() {
    Map<String, Object> machine = new LinkedHashMap<>();
    Runtime rt = Runtime.getRuntime();
    machine.put("cpus", rt.availableProcessors());
    machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
        + System.getProperty("os.arch"));
    machine.put("java", System.getProperty("java.version"));
    machine.put("vm", System.getProperty("java.vm.name"));
    machine.put("max_heap_mb", rt.maxMemory() / (1024 * 1024));
    machine.put("jvm_args", ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("-X")).toList());
    return machine;
  }

  /** Writes {@code json} to {@code <dir>/<name>-<UTC time>.json} with the Micronaut serde mapper. */
  static Path writeResults(Path dir, String name, Instant startedAt, Map<String, Object> json) throws IOException {
    Files.createDirectories(dir);
    String stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(startedAt);
    Path file = dir.resolve(name + "-" + stamp + ".json");
    Files.writeString(file, Http.write(json), StandardCharsets.UTF_8);
    return file;
  }
}

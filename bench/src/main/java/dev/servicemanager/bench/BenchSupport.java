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

package dev.servicemanager.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * CPU time used so far by this JVM (client, Service Manager and fake broker all run here) and by
 * the embedded PostgreSQL (its postmaster, found by the data directory on its command line, and the
 * postmaster's children), read from {@code /proc}. Best effort: where {@code /proc} or the JVM's
 * process CPU time is not available the values are -1, and a backend that exits between two
 * readings loses its ticks.
 */
final class CpuMeter {
  private final String dataDirMarker;
  private final long ticksPerSecond;
  private long postmasterPid = -1;

  /** CPU milliseconds of the JVM and of PostgreSQL at one moment; -1 when unknown. */
  record Reading(double jvmMs, double postgresMs) {
    Reading minus(Reading earlier) {
      return new Reading(
          jvmMs < 0 || earlier.jvmMs < 0 ? -1 : jvmMs - earlier.jvmMs,
          postgresMs < 0 || earlier.postgresMs < 0 ? -1 : postgresMs - earlier.postgresMs);
    }
  }

  CpuMeter(Path dataDir) {
    this.dataDirMarker = dataDir.toString();
    this.ticksPerSecond = clockTicks();
  }

  Reading read() {
    return new Reading(jvmMs(), postgresMs());
  }

  private static double jvmMs() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      long nanos = os.getProcessCpuTime();
      return nanos < 0 ? -1 : nanos / 1e6;
    }
    return -1;
  }

  private double postgresMs() {
    Path proc = Path.of("/proc");
    if (!Files.isDirectory(proc)) {
      return -1;
    }
    if (postmasterPid < 0) {
      postmasterPid = findPostmaster(proc);
      if (postmasterPid < 0) {
        return -1;
      }
    }
    long ticks = 0;
    try (Stream<Path> pids = Files.list(proc)) {
      for (Path p : pids.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
        long[] stat = stat(p);
        if (stat != null && (stat[0] == postmasterPid || stat[1] == postmasterPid)) {
          ticks += stat[2];
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return ticks * 1000.0 / ticksPerSecond;
  }

  private long findPostmaster(Path proc) {
    try (Stream<Path> pids = Files.list(proc)) {
      for (Path p : pids.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
        try {
          String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
          if (cmdline.contains(dataDirMarker) && cmdline.contains("postgres")) {
            return Long.parseLong(p.getFileName().toString());
          }
        } catch (IOException | RuntimeException gone) {
          // the process ended or is not ours to read
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return -1;
  }

  /** pid, ppid and utime + stime in clock ticks, or null. */
  private static long[] stat(Path pidDir) {
    try {
      String s = Files.readString(pidDir.resolve("stat"), StandardCharsets.UTF_8);
      // The command name (field 2) is in parentheses and may contain spaces: split after it.
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
      // f[0] = state (field 3), f[1] = ppid (4), f[11] = utime (14), f[12] = stime (15)
      return new long[] {
        Long.parseLong(pidDir.getFileName().toString()), Long.parseLong(f[1]),
        Long.parseLong(f[11]) + Long.parseLong(f[12])
      };
    } catch (IOException | RuntimeException gone) {
      return null;
    }
  }

  private static long clockTicks() {
    try {
      Process p = new ProcessBuilder(List.of("getconf", "CLK_TCK")).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      p.waitFor();
      return Long.parseLong(out);
    } catch (IOException | RuntimeException e) {
      return 100;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 100;
    }
  }
}

package dev.servicemanager.dist;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The dist jar as an operator runs it: {@code java -jar service-manager.jar} in its own process,
 * embedded PostgreSQL in a data directory, a free port. Its output is kept (and copied to
 * target/it-logs) to find the URL and to show what happened when a test fails.
 */
final class SmProcess implements AutoCloseable {
  private static final Pattern READY = Pattern.compile("Service Manager ready at (http://\\S+)");
  static final String ADMIN_SECRET = "it-admin-secret-" + Long.toHexString(System.nanoTime());

  final Process process;
  private final List<String> lines = new ArrayList<>();
  private volatile String url;

  private SmProcess(Process process, Path log) {
    this.process = process;
    Thread reader = new Thread(() -> pump(log), "sm-output-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  static SmProcess start(Path dataDir, String name, Map<String, String> extraEnv) {
    String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    Path jar = Path.of(System.getProperty("sm.dist.jar", "target/service-manager.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("No " + jar + ": run through Maven (failsafe runs after package)");
    }
    ProcessBuilder builder = new ProcessBuilder(java, "-Xmx384m", "-jar", jar.toAbsolutePath().toString());
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(k -> k.startsWith("SM_") || k.startsWith("DATASOURCES_") || k.startsWith("MICRONAUT_"));
    Map<String, String> settings = new HashMap<>();
    settings.put("SM_DATA_DIR", dataDir.toString());
    settings.put("MICRONAUT_SERVER_PORT", "-1");
    settings.put("SM_ADMIN_CLIENT_SECRET", ADMIN_SECRET);
    settings.putAll(extraEnv);
    env.putAll(settings);
    builder.redirectErrorStream(true);
    try {
      Path logDir = Path.of("target", "it-logs");
      Files.createDirectories(logDir);
      return new SmProcess(builder.start(), logDir.resolve(name + ".log"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void pump(Path log) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        var out = Files.newBufferedWriter(log)) {
      String line;
      while ((line = in.readLine()) != null) {
        synchronized (lines) {
          lines.add(line);
        }
        out.write(line);
        out.newLine();
        out.flush();
        Matcher m = READY.matcher(line);
        if (url == null && m.find()) {
          url = m.group(1);
        }
      }
    } catch (IOException e) {
      // The process ended; what was read is kept.
    }
  }

  /** Waits for the ready line; fails at once if the process exits first. */
  String awaitReady(Duration patience) {
    long deadline = System.nanoTime() + patience.toNanos();
    while (url == null) {
      if (!process.isAlive()) {
        throw new AssertionError("The Service Manager exited with " + process.exitValue() + " before it was ready:\n" + output());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("The Service Manager was not ready within " + patience.toSeconds() + " s:\n" + output());
      }
      sleep(50);
    }
    return url;
  }

  /** The exit code, or empty if it still runs after the given time. */
  Optional<Integer> awaitExit(Duration patience) {
    try {
      return process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS) ? Optional.of(process.exitValue()) : Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  String output() {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }

  List<String> lines() {
    synchronized (lines) {
      return List.copyOf(lines);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      if (awaitExit(Duration.ofSeconds(30)).isEmpty()) {
        process.destroyForcibly();
      }
    }
  }
}

package dev.servicemanager.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL still running on our data directory after its Service Manager died (kill -9, OOM
 * killer): the embedded server is started with pg_ctl and outlives the JVM. Left alone it makes the
 * next start wait for a port nobody listens on and give up, so it is stopped first, the way {@code
 * pg_ctl stop -m fast} stops a server (open transactions roll back, a checkpoint is written,
 * nothing committed is lost).
 *
 * <p>Only called while holding {@link DataDirectoryLock}, so no live Service Manager owns it.
 */
final class OrphanedPostgres {
  private static final Logger LOG = LoggerFactory.getLogger(OrphanedPostgres.class);
  static final String PID_FILE = "postmaster.pid";
  private static final Duration STOP_PATIENCE = Duration.ofSeconds(30);

  private OrphanedPostgres() {}

  /** The postmaster recorded in {@code postmaster.pid}, when that process is alive and serves this directory. */
  static Optional<ProcessHandle> find(Path pgDataDirectory) {
    Path pidFile = pgDataDirectory.resolve(PID_FILE);
    List<String> lines;
    try {
      if (!Files.exists(pidFile)) {
        return Optional.empty();
      }
      lines = Files.readAllLines(pidFile);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not read " + pidFile + ": " + e.getMessage(), e);
    }
    if (lines.isEmpty() || !lines.get(0).trim().matches("\\d+")) {
      return Optional.empty();
    }
    Optional<ProcessHandle> process = ProcessHandle.of(Long.parseLong(lines.get(0).trim())).filter(ProcessHandle::isAlive);
    if (process.isEmpty()) {
      // A stale file from a crashed server: PostgreSQL itself replaces it when the pid is gone.
      return Optional.empty();
    }
    if (isPostmasterOf(process.get(), pgDataDirectory)) {
      return process;
    }
    // The pid was reused by an unrelated process (after a reboot, in a fresh container). PostgreSQL
    // would refuse to start ("Is another postmaster running?"); the file is provably stale.
    LOG.warn("Removing stale {} of {}: pid {} is not a PostgreSQL on it", PID_FILE, pgDataDirectory, process.get().pid());
    try {
      Files.deleteIfExists(pidFile);
    } catch (IOException e) {
      throw new UncheckedIOException("Could not remove stale " + pidFile + ": " + e.getMessage(), e);
    }
    return Optional.empty();
  }

  /** Stops the orphan, if there is one; fails when it cannot be stopped within a bound. */
  static void stopIfRunning(Path pgDataDirectory) {
    Optional<ProcessHandle> orphan = find(pgDataDirectory);
    if (orphan.isEmpty()) {
      return;
    }
    ProcessHandle postmaster = orphan.get();
    LOG.warn(
        "PostgreSQL (pid {}) is still running on {}, left by a Service Manager that is gone; stopping it",
        postmaster.pid(),
        pgDataDirectory);
    long started = System.nanoTime();
    if (!sendFastShutdown(postmaster)) {
      // SIGTERM is PostgreSQL's "smart" stop, which is enough here: it waits for clients, and
      // the only ones (the dead Service Manager's connections) are gone.
      postmaster.destroy();
    }
    if (!awaitExit(postmaster, STOP_PATIENCE)) {
      throw new IllegalStateException(
          "PostgreSQL (pid " + postmaster.pid() + ") on " + pgDataDirectory + " did not stop within " + STOP_PATIENCE.toSeconds() + " s; stop it and start again");
    }
    LOG.info("Stopped the orphaned PostgreSQL in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }

  private static boolean isPostmasterOf(ProcessHandle process, Path pgDataDirectory) {
    ProcessHandle.Info info = process.info();
    boolean postgres = info.command().map(c -> Path.of(c).getFileName().toString().equals("postgres")).orElse(false);
    if (!postgres) {
      return false;
    }
    String[] args = info.arguments().orElse(new String[0]);
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("-D") && sameDirectory(Path.of(args[i + 1]), pgDataDirectory)) {
        return true;
      }
    }
    return false;
  }

  private static boolean sameDirectory(Path a, Path b) {
    try {
      return Files.isSameFile(a, b);
    } catch (IOException e) {
      return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }
  }

  /**
   * SIGINT is PostgreSQL's "fast" shutdown, what {@code pg_ctl stop -m fast} sends. The signal is
   * sent directly: pg_ctl refuses to run as root, and as root the library runs the server in a
   * user namespace anyway. Java itself can only send SIGTERM and SIGKILL, hence kill(1).
   */
  private static boolean sendFastShutdown(ProcessHandle postmaster) {
    try {
      Process kill =
          new ProcessBuilder("kill", "-INT", Long.toString(postmaster.pid()))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return kill.waitFor(5, TimeUnit.SECONDS) && kill.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static boolean awaitExit(ProcessHandle process, Duration patience) {
    try {
      process.onExit().get(patience.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return !process.isAlive();
    } catch (ExecutionException e) {
      return !process.isAlive();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !process.isAlive();
    }
  }
}

package dev.servicemanager.server;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default: a real PostgreSQL 17 server whose data directory is kept between runs.
 *
 * <p>{@link #supervise} adds the watchdog: when the postmaster dies under a running Service
 * Manager (killed, OOM killer), it is started again on the same directory and port, so the
 * connection pool, whose JDBC URL names that port, reconnects by itself. Only when it cannot be
 * brought back within {@link #RESTART_PATIENCE} does the caller's give-up action run.
 */
public final class EmbeddedDatabase implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);
  static final String USER = "postgres";
  static final Duration RESTART_PATIENCE = Duration.ofSeconds(60);
  private static final Duration CHECK_INTERVAL = Duration.ofMillis(500);
  private final Path dataDirectory;
  private final int port;
  private volatile EmbeddedPostgres postgres;
  private volatile long postmasterPid;
  private volatile boolean closing;
  private ScheduledExecutorService watchdog;

  private EmbeddedDatabase(Path dataDirectory, EmbeddedPostgres postgres) {
    this.dataDirectory = dataDirectory;
    this.postgres = postgres;
    this.port = postgres.getPort();
    this.postmasterPid = readPostmasterPid();
  }

  /** Starts PostgreSQL on a free loopback port; initialises {@code dataDirectory} only when empty. */
  public static EmbeddedDatabase start(Path dataDirectory) {
    try {
      Files.createDirectories(dataDirectory);
      return new EmbeddedDatabase(dataDirectory, launch(dataDirectory, 0, Duration.ofSeconds(30)));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Could not start the embedded PostgreSQL in " + dataDirectory + ": " + e.getMessage(), e);
    }
  }

  private static EmbeddedPostgres launch(Path dataDirectory, int port, Duration startupWait) throws IOException {
    EmbeddedPostgres.Builder builder =
        EmbeddedPostgres.builder()
            .setDataDirectory(dataDirectory)
            .setCleanDataDirectory(false)
            .setPGStartupWait(startupWait)
            // Stopping it is part of our own ordered shutdown; the library's hook would stop it
            // while requests in flight still use it.
            .setRegisterShutdownHook(false)
            .setServerConfig("listen_addresses", "127.0.0.1")
            // The library starts PostgreSQL tuned for throwaway test databases (-F, asynchronous
            // commit). This one holds the registry, so a crash must not lose acknowledged writes.
            .setServerConfig("fsync", "on")
            .setServerConfig("synchronous_commit", "on");
    if (port > 0) {
      builder.setPort(port);
    }
    return builder.start();
  }

  public String jdbcUrl() {
    return postgres.getJdbcUrl(USER, "postgres");
  }

  /** Watches the postmaster and restarts it when it dies; {@code giveUp} runs once if that fails. */
  synchronized void supervise(Runnable giveUp) {
    if (watchdog != null) {
      return;
    }
    watchdog =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "embedded-postgres-watchdog");
              t.setDaemon(true);
              return t;
            });
    watchdog.scheduleWithFixedDelay(() -> check(giveUp), CHECK_INTERVAL.toMillis(), CHECK_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void check(Runnable giveUp) {
    if (closing || ProcessHandle.of(postmasterPid).map(ProcessHandle::isAlive).orElse(false)) {
      return;
    }
    LOG.error("The embedded PostgreSQL (pid {}) on {} died; restarting it on port {}", postmasterPid, dataDirectory, port);
    long deadline = System.nanoTime() + RESTART_PATIENCE.toNanos();
    // The dead instance still holds the library's lock file in the data directory; closing it
    // releases the lock (its pg_ctl stop finds nothing to stop).
    closeQuietly(postgres);
    while (!closing) {
      try {
        postgres = launch(dataDirectory, port, Duration.ofSeconds(15));
        if (closing) {
          // close() ran during the launch and stopped the old instance, not this one.
          closeQuietly(postgres);
          return;
        }
        postmasterPid = readPostmasterPid();
        LOG.warn("The embedded PostgreSQL is back (pid {}); the connection pool reconnects", postmasterPid);
        return;
      } catch (IOException | RuntimeException e) {
        if (System.nanoTime() > deadline) {
          LOG.error(
              "The embedded PostgreSQL on {} could not be restarted within {} s ({}); exiting so a supervisor can restart the Service Manager",
              dataDirectory, RESTART_PATIENCE.toSeconds(), e.getMessage());
          watchdog.shutdown();
          giveUp.run();
          return;
        }
        LOG.warn("Restarting the embedded PostgreSQL failed ({}); retrying", e.getMessage());
        // Backends of the dead postmaster may still hold its shared memory for a moment.
        sleep(Duration.ofSeconds(1));
      }
    }
  }

  private long readPostmasterPid() {
    Path pidFile = dataDirectory.resolve(OrphanedPostgres.PID_FILE);
    try {
      String first = Files.readAllLines(pidFile).stream().findFirst().orElse("").trim();
      return Long.parseLong(first);
    } catch (IOException | NumberFormatException e) {
      throw new IllegalStateException("The embedded PostgreSQL started but " + pidFile + " is unreadable", e);
    }
  }

  /** The running postmaster, for diagnostics and tests. */
  Optional<ProcessHandle> postmaster() {
    return ProcessHandle.of(postmasterPid).filter(ProcessHandle::isAlive);
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(EmbeddedPostgres pg) {
    try {
      pg.close();
    } catch (IOException | RuntimeException e) {
      LOG.debug("Closing the dead embedded PostgreSQL instance: {}", e.toString());
    }
  }

  @Override
  public void close() {
    closing = true;
    synchronized (this) {
      if (watchdog != null) {
        // Not awaited: the watchdog thread may be the one that is exiting the JVM.
        watchdog.shutdownNow();
      }
    }
    try {
      postgres.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

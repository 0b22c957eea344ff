package dev.servicemanager.server;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.EmbeddedApplication;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides between an external PostgreSQL and the embedded default before the application context
 * starts, because the data source must exist before Flyway and every repository.
 *
 * <p>With no {@code datasources.default.url} (property, system property or {@code
 * DATASOURCES_DEFAULT_URL}), a PostgreSQL 17 server is started from jar-shipped binaries with its
 * data in {@code SM_DATA_DIR/postgres}, so data survives restarts, and the HTTP server binds to
 * 127.0.0.1 unless a host is configured. The data directory is locked first ({@link
 * DataDirectoryLock}); a PostgreSQL left running on it by a dead Service Manager is stopped
 * ({@link OrphanedPostgres}). With {@code sm.embedded-database.enabled=false} ({@code
 * SM_EMBEDDED_DATABASE=false}, set in the container image) a missing URL is an error instead.
 *
 * <p>The context is started without {@code Micronaut.run}, which would register its own JVM
 * shutdown hook: that hook stops the HTTP server at once (in-flight requests cut, websockets
 * dropped with 1006) and, racing a second closer, deadlocked. {@link Running#close()} is the one
 * ordered way down ({@link OrderedShutdown}).
 */
public final class ServiceManagerLauncher {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceManagerLauncher.class);

  private ServiceManagerLauncher() {}

  /** A started Service Manager; {@link #close()} stops it in order, once, from whichever thread. */
  public static final class Running implements AutoCloseable {
    private final ApplicationContext context;
    private final EmbeddedDatabase database;
    private final OrderedShutdown shutdown;

    Running(ApplicationContext context, EmbeddedDatabase database, DataDirectoryLock lock) {
      this.context = context;
      this.database = database;
      this.shutdown = new OrderedShutdown(context, database, lock);
    }

    public ApplicationContext context() {
      return context;
    }

    /** The embedded database, or null with an external one. */
    public EmbeddedDatabase database() {
      return database;
    }

    /**
     * Tells websocket agents goodbye (1001), lets in-flight requests finish (bounded by {@code
     * sm.shutdown.grace-period}), stops the context, then the embedded database, then releases the
     * data directory. Later and concurrent calls wait for the first one to finish.
     */
    @Override
    public void close() {
      shutdown.run();
    }

    /** Blocks until {@link #close()} has finished. */
    void awaitStopped() throws InterruptedException {
      shutdown.await();
    }
  }

  public static Running start(Map<String, Object> properties, String... args) {
    Map<String, Object> props = new HashMap<>(properties);
    DataDirectoryLock lock = null;
    EmbeddedDatabase database = null;
    try {
      if (setting(props, "datasources.default.url", "DATASOURCES_DEFAULT_URL") == null) {
        if ("false".equalsIgnoreCase(setting(props, "sm.embedded-database.enabled", "SM_EMBEDDED_DATABASE"))) {
          throw new IllegalStateException(
              "No database configured: set DATASOURCES_DEFAULT_URL (and DATASOURCES_DEFAULT_USERNAME,"
                  + " DATASOURCES_DEFAULT_PASSWORD) to an external PostgreSQL. The embedded database is"
                  + " switched off (SM_EMBEDDED_DATABASE=false, the default in the container image).");
        }
        String dataDir = setting(props, "sm.data-dir", "SM_DATA_DIR");
        Path dir = Path.of(dataDir == null ? "./.service-manager" : dataDir).toAbsolutePath().normalize();
        lock = DataDirectoryLock.acquire(dir);
        Path pgData = dir.resolve("postgres");
        OrphanedPostgres.stopIfRunning(pgData);
        database = EmbeddedDatabase.start(pgData);
        props.put("datasources.default.url", database.jdbcUrl());
        props.put("datasources.default.username", EmbeddedDatabase.USER);
        props.put("datasources.default.password", "");
        props.put("sm.data-dir", dir.toString());
        props.put("sm.embedded-database", true);
        if (setting(props, "micronaut.server.host", "MICRONAUT_SERVER_HOST") == null) {
          props.put("micronaut.server.host", "127.0.0.1");
        }
        LOG.info("No datasource configured: using the embedded PostgreSQL with data in {}", dir);
      }
      ApplicationContext context =
          ApplicationContext.builder().mainClass(Application.class).args(args).properties(props).start();
      try {
        Optional<EmbeddedApplication> application = context.findBean(EmbeddedApplication.class);
        application.filter(a -> !a.isRunning()).ifPresent(EmbeddedApplication::start);
      } catch (RuntimeException e) {
        context.close();
        throw e;
      }
      return new Running(context, database, lock);
    } catch (RuntimeException e) {
      if (database != null) {
        database.close();
      }
      if (lock != null) {
        lock.close();
      }
      throw e;
    }
  }

  private static String setting(Map<String, Object> props, String key, String envVar) {
    Object value = props.get(key);
    if (value == null) {
      value = System.getProperty(key);
    }
    if (value == null) {
      value = System.getenv(envVar);
    }
    return value == null || value.toString().isBlank() ? null : value.toString();
  }
}

package dev.servicemanager.server;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.Micronaut;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides between an external PostgreSQL and the embedded default before the application context
 * starts, because the data source must exist before Flyway and every repository.
 *
 * <p>With no {@code datasources.default.url} (property, system property or {@code
 * DATASOURCES_DEFAULT_URL}), a PostgreSQL 17 server is started from jar-shipped binaries with its
 * data in {@code SM_DATA_DIR/postgres}, so data survives restarts, and the HTTP server binds to
 * 127.0.0.1 unless a host is configured.
 */
public final class ServiceManagerLauncher {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceManagerLauncher.class);

  private ServiceManagerLauncher() {}

  /** A started Service Manager; {@link #close()} stops the context, then the embedded database. */
  public record Running(ApplicationContext context, EmbeddedDatabase database)
      implements AutoCloseable {
    @Override
    public void close() {
      try {
        if (context.isRunning()) {
          context.close();
        }
      } finally {
        if (database != null) {
          database.close();
        }
      }
    }

    /**
     * For the JVM's shutdown: Micronaut's own shutdown hook stops the HTTP server and the context;
     * closing the context here as well would deadlock with it (both lock the context and the
     * server). So wait for it to stop (bounded), then stop the embedded database, which must
     * outlive the context.
     */
    void closeAfterMicronautsHook(Duration patience) {
      long deadline = System.nanoTime() + patience.toNanos();
      try {
        while (context.isRunning() && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        if (database != null) {
          database.close();
        }
      }
    }
  }

  public static Running start(Map<String, Object> properties, String... args) {
    Map<String, Object> props = new HashMap<>(properties);
    EmbeddedDatabase database = null;
    if (setting(props, "datasources.default.url", "DATASOURCES_DEFAULT_URL") == null) {
      String dataDir = setting(props, "sm.data-dir", "SM_DATA_DIR");
      Path dir = Path.of(dataDir == null ? "./.service-manager" : dataDir).toAbsolutePath().normalize();
      database = EmbeddedDatabase.start(dir.resolve("postgres"));
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
    try {
      ApplicationContext context =
          Micronaut.build(args).mainClass(Application.class).properties(props).start();
      return new Running(context, database);
    } catch (RuntimeException e) {
      if (database != null) {
        database.close();
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

package dev.servicemanager.bench;

import dev.servicemanager.server.ServiceManagerLauncher;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A real Service Manager started in this JVM for a harness: embedded PostgreSQL 17 in a fresh
 * temporary directory, random port, a random admin secret, and an {@link Http} client logged in as
 * the administrator. {@link #close()} stops it and deletes the directory; it is idempotent, so a
 * harness may call it from its shutdown hook and at the end of the run.
 */
final class BenchServer implements AutoCloseable {
  private final Path tempDir;
  private ServiceManagerLauncher.Running running;
  private String url;
  private String jdbcUrl;
  private String jdbcUser;
  private String jdbcPassword;
  private String postgresVersion;
  private long startupNanos;
  private Http admin;
  private boolean closed;

  private BenchServer(Path tempDir) {
    this.tempDir = tempDir;
  }

  /** Starts the server; on failure everything started so far is stopped and deleted again. */
  static BenchServer start(Consumer<String> progress) throws IOException {
    BenchServer server = new BenchServer(Files.createTempDirectory("sm-bench-"));
    try {
      server.boot(progress);
      return server;
    } catch (RuntimeException | IOException e) {
      server.close();
      throw e;
    }
  }

  private void boot(Consumer<String> progress) throws IOException {
    String secret = UUID.randomUUID().toString();
    Map<String, Object> props = new HashMap<>();
    props.put("micronaut.server.port", -1);
    props.put("sm.data-dir", tempDir.toString());
    props.put("sm.admin.client-secret", secret);
    progress.accept("starting Service Manager (embedded PostgreSQL in " + tempDir + ")");
    long start = System.nanoTime();
    running = ServiceManagerLauncher.start(props);
    startupNanos = System.nanoTime() - start;
    if (running.database() == null) {
      throw new BenchException("expected the embedded PostgreSQL, but datasources.default.url is set in the"
          + " environment or system properties; unset it (the harness needs a fresh database)");
    }
    url = running.context().getBean(EmbeddedServer.class).getURL().toString();
    jdbcUrl = running.context().getProperty("datasources.default.url", String.class).orElseThrow();
    jdbcUser = running.context().getProperty("datasources.default.username", String.class).orElse("postgres");
    jdbcPassword = running.context().getProperty("datasources.default.password", String.class).orElse("");
    try (Connection c = jdbc(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW server_version")) {
      rs.next();
      postgresVersion = rs.getString(1) + " (embedded)";
    } catch (SQLException e) {
      throw new BenchException("cannot reach the embedded database at " + jdbcUrl + ": " + e.getMessage());
    }
    admin = new Http(url);
    admin.loginAsAdmin(running.context().getProperty("sm.admin.client-id", String.class).orElse("admin"), secret);
    progress.accept("server at " + url + ", PostgreSQL " + postgresVersion);
  }

  /** Base URL of the server, e.g. {@code http://127.0.0.1:41234}. */
  String url() {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  /** A client with an administrator's bearer token. */
  Http admin() {
    return admin;
  }

  /** The temporary directory holding the database (it appears on the postmaster's command line). */
  Path dataDir() {
    return tempDir;
  }

  long startupNanos() {
    return startupNanos;
  }

  String postgresVersion() {
    return postgresVersion;
  }

  /**
   * Diagnosis only: sets {@code synchronous_commit} for every new session of the server's database
   * (the embedded server's command line sets it to on, which ALTER SYSTEM cannot override) and
   * replaces the server's pooled connections, so its next transactions run with the setting.
   */
  void synchronousCommit(String value) throws SQLException {
    try (Connection c = jdbc(); Statement s = c.createStatement()) {
      s.execute("ALTER DATABASE " + c.getCatalog() + " SET synchronous_commit = '" + value + "'");
    }
    javax.sql.DataSource pool =
        io.micronaut.data.connection.jdbc.advice.DelegatingDataSource.unwrapDataSource(
            running.context().getBean(javax.sql.DataSource.class));
    ((com.zaxxer.hikari.HikariDataSource) pool).getHikariPoolMXBean().softEvictConnections();
  }

  /** A new JDBC connection to the server's database (setup and checks only, never measured). */
  Connection jdbc() throws SQLException {
    return DriverManager.getConnection(jdbcUrl, jdbcUser, jdbcPassword);
  }

  /** Stops the server and the database and deletes the temporary directory. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (running != null) {
      try {
        running.close();
      } catch (RuntimeException e) {
        System.err.println("bench: stopping the Service Manager failed: " + e);
      }
    }
    try (Stream<Path> paths = Files.walk(tempDir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("bench: could not delete " + tempDir + ": " + e);
    }
    if (Files.exists(tempDir)) {
      System.err.println("bench: " + tempDir + " was not fully deleted");
    }
  }
}

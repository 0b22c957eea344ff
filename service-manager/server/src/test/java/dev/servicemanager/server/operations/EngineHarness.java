package dev.servicemanager.server.operations;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.testkit.FakeBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Shared pieces of the tests that run whole servers against one database. */
final class EngineHarness {
  static final String ADMIN_SECRET = "engine-admin-secret";
  static final String ENCRYPTION_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

  private EngineHarness() {}

  /** Settings (as environment variable names) that keep retries and leases short. */
  static Map<String, String> env(String jdbcUrl, int port) {
    Map<String, String> env = new HashMap<>();
    env.put("DATASOURCES_DEFAULT_URL", jdbcUrl);
    env.put("DATASOURCES_DEFAULT_USERNAME", "postgres");
    env.put("DATASOURCES_DEFAULT_PASSWORD", "");
    env.put("MICRONAUT_SERVER_PORT", Integer.toString(port));
    env.put("MICRONAUT_SERVER_HOST", "127.0.0.1");
    env.put("SM_ENCRYPTION_KEY", ENCRYPTION_KEY);
    env.put("SM_ADMIN_CLIENT_SECRET", ADMIN_SECRET);
    env.put("SM_OPERATIONS_POLLING_INTERVAL", "100ms");
    env.put("SM_OPERATIONS_RETRY_MIN", "100ms");
    env.put("SM_OPERATIONS_RETRY_MAX", "500ms");
    env.put("SM_OPERATIONS_DISPATCH_INTERVAL", "100ms");
    env.put("SM_OPERATIONS_LEASE", "4s");
    env.put("SM_BROKER_CLIENT_CONNECT_TIMEOUT", "1s");
    env.put("SM_BROKER_CLIENT_READ_TIMEOUT", "2s");
    env.put("SM_OPERATIONS_WORKERS", "2");
    return env;
  }

  /** The same settings as Micronaut property names, for servers started in this JVM. */
  static Map<String, Object> properties(String jdbcUrl) {
    Map<String, Object> fixed = new HashMap<>();
    fixed.put("datasources.default.url", jdbcUrl);
    fixed.put("datasources.default.username", "postgres");
    fixed.put("datasources.default.password", "");
    fixed.put("micronaut.server.port", -1);
    fixed.put("micronaut.server.host", "127.0.0.1");
    fixed.put("sm.encryption-key", ENCRYPTION_KEY);
    fixed.put("sm.admin.client-secret", ADMIN_SECRET);
    fixed.put("sm.operations.polling-interval", "100ms");
    fixed.put("sm.operations.retry-min", "100ms");
    fixed.put("sm.operations.retry-max", "500ms");
    fixed.put("sm.operations.dispatch-interval", "50ms");
    fixed.put("sm.operations.lease", "4s");
    fixed.put("sm.operations.workers", "2");
    fixed.put("sm.broker-client.connect-timeout", "1s");
    fixed.put("sm.broker-client.read-timeout", "2s");
    return fixed;
  }

  static Api admin(String baseUrl) {
    Api.Result token =
        new Api(baseUrl, Api.basic("admin", ADMIN_SECRET))
            .send("POST", "/oauth/token", "application/x-www-form-urlencoded", "grant_type=client_credentials");
    assertThat(token.status()).as(token.toString()).isEqualTo(200);
    return new Api(baseUrl, "Bearer " + token.string("access_token"));
  }

  /** Registers the broker and makes its plans public; returns one plan id. */
  static String registerPublicBroker(Api admin, FakeBroker broker) {
    Api.Result registered =
        admin.post("/v1/service_brokers", Map.of("name", "engine-broker", "broker_url", broker.url(), "credentials",
            Map.of("basic", Map.of("username", broker.username(), "password", broker.password()))));
    assertThat(registered.status()).as(registered.toString()).isEqualTo(201);
    List<String> offerings =
        admin.get("/v1/service_offerings?fieldQuery=" + Api.q("broker_id eq '" + registered.string("id") + "'")).ids();
    String plan =
        admin.get("/v1/service_plans?fieldQuery=" + Api.q("service_offering_id eq '" + offerings.get(0) + "'")).ids().get(0);
    assertThat(admin.post("/v1/visibilities", Map.of("service_plan_id", plan)).status()).isEqualTo(201);
    return plan;
  }

  static long count(String jdbcUrl, String sql) {
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  static List<String> strings(String jdbcUrl, String sql) {
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      List<String> values = new java.util.ArrayList<>();
      while (rs.next()) {
        values.add(rs.getString(1));
      }
      return values;
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
  }

  static void eventually(String what, Duration max, BooleanSupplier condition) {
    Instant deadline = Instant.now().plus(max);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out after " + max + " waiting until " + what);
      }
      sleep(50);
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

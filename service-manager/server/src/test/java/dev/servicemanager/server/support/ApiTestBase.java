package dev.servicemanager.server.support;

import dev.servicemanager.testkit.FakeBroker;
import dev.servicemanager.testkit.TestDatabases;
import io.micronaut.runtime.server.EmbeddedServer;
import io.micronaut.test.support.TestPropertyProvider;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;

/**
 * Base of the HTTP-level integration tests: the real server on a random port, on its own fresh
 * database of the shared embedded PostgreSQL, with a fake broker. Subclasses add
 * {@code @MicronautTest(transactional = false)}; each test starts from an empty registry.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ApiTestBase implements TestPropertyProvider {
  public static final String ADMIN_SECRET = "test-admin-secret";
  public static final String ENCRYPTION_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

  protected final FakeBroker broker = FakeBroker.start();
  private String jdbcUrl;
  private Path dataDir;
  private String adminToken;

  @Inject protected EmbeddedServer server;

  @Override
  public Map<String, String> getProperties() {
    jdbcUrl = TestDatabases.newDatabase();
    try {
      dataDir = Files.createTempDirectory("sm-test");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> props = new HashMap<>();
    props.put("datasources.default.url", jdbcUrl);
    props.put("datasources.default.username", "postgres");
    props.put("datasources.default.password", "");
    props.put("datasources.default.maximum-pool-size", "10");
    props.put("micronaut.server.port", "-1");
    props.put("micronaut.server.host", "127.0.0.1");
    props.put("sm.encryption-key", ENCRYPTION_KEY);
    props.put("sm.admin.client-secret", ADMIN_SECRET);
    props.put("sm.data-dir", dataDir.toString());
    props.putAll(extraProperties());
    return props;
  }

  /** Properties a test class adds or overrides. */
  protected Map<String, String> extraProperties() {
    return Map.of();
  }

  @BeforeEach
  void cleanRegistry() throws SQLException {
    broker.reset();
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        Statement s = c.createStatement()) {
      s.execute("DELETE FROM service_bindings");
      s.execute("DELETE FROM service_instances WHERE referenced_instance_id IS NOT NULL");
      s.execute("DELETE FROM service_instances");
      s.execute("DELETE FROM operations");
      s.execute("DELETE FROM service_brokers");
      s.execute("DELETE FROM platforms WHERE id <> 'service-manager'");
      s.execute("DELETE FROM platform_labels");
      s.execute("DELETE FROM changes");
    }
  }

  @AfterAll
  void stopBroker() {
    broker.close();
  }

  protected String jdbcUrl() {
    return jdbcUrl;
  }

  protected Api anonymous() {
    return new Api(server.getURL().toString(), null);
  }

  protected Api admin() {
    if (adminToken == null) {
      Api.Result token =
          anonymous()
              .withAuthorization(Api.basic("admin", ADMIN_SECRET))
              .send("POST", "/oauth/token", "application/x-www-form-urlencoded", "grant_type=client_credentials");
      if (token.status() != 200) {
        throw new AssertionError("could not get an admin token: " + token);
      }
      adminToken = token.string("access_token");
    }
    return anonymous().withAuthorization("Bearer " + adminToken);
  }

  /** Registers a platform and returns a client using its basic credentials. */
  protected Api platformClient(Map<String, Object> created) {
    @SuppressWarnings("unchecked")
    Map<String, Object> basic =
        (Map<String, Object>) ((Map<String, Object>) created.get("credentials")).get("basic");
    return anonymous().withAuthorization(Api.basic((String) basic.get("username"), (String) basic.get("password")));
  }

  protected Map<String, Object> createPlatform(String name, String type) {
    Api.Result result = admin().post("/v1/platforms", Map.of("name", name, "type", type));
    if (result.status() != 201) {
      throw new AssertionError("platform create failed: " + result);
    }
    return result.json();
  }

  /** Registers the fake broker (with whatever catalog it serves now) under {@code name}. */
  protected Map<String, Object> registerBroker(String name) {
    Api.Result result = admin().post("/v1/service_brokers", brokerBody(name));
    if (result.status() != 201) {
      throw new AssertionError("broker registration failed: " + result);
    }
    return result.json();
  }

  protected Map<String, Object> brokerBody(String name) {
    return Map.of(
        "name", name,
        "broker_url", broker.url(),
        "credentials", Map.of("basic", Map.of("username", broker.username(), "password", broker.password())));
  }

  /** Plan ids of a broker, in catalog order. */
  protected List<String> planIds(String brokerId) {
    List<String> offerings =
        admin().get("/v1/service_offerings?max_items=200&fieldQuery=" + Api.q("broker_id eq '" + brokerId + "'")).ids();
    return offerings.stream()
        .flatMap(
            o -> admin().get("/v1/service_plans?max_items=200&fieldQuery=" + Api.q("service_offering_id eq '" + o + "'")).ids().stream())
        .toList();
  }

  protected long count(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        Statement s = c.createStatement();
        var rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}

package dev.servicemanager.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.testkit.FakeBroker;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded default as a user runs it: no datasource, no configured secrets, one data directory.
 * Everything written before a restart (registry rows, generated admin secret, encryption key,
 * signing keys) must still work after it.
 */
class RestartIT {
  @TempDir Path dataDir;
  private final FakeBroker broker = FakeBroker.start();
  private ServiceManagerLauncher.Running running;
  // The same port both times, as in production: the built-in issuer URL (the token's iss) includes it.
  private final int port = freePort();

  @AfterEach
  void stop() {
    if (running != null) {
      running.close();
    }
    broker.close();
  }

  @Test
  void dataSecretsAndTokensSurviveARestartOnTheSameDataDir() throws Exception {
    running = start();
    assertThat(server().getHost()).isEqualTo("127.0.0.1");
    Path secretFile = dataDir.resolve("admin-client-secret");
    assertThat(secretFile).exists();
    assertThat(dataDir.resolve("postgres")).isDirectory();
    try (Connection c = DriverManager.getConnection(running.database().jdbcUrl());
        Statement s = c.createStatement()) {
      assertThat(show(s, "fsync")).as("acknowledged writes survive a crash").isEqualTo("on");
      assertThat(show(s, "synchronous_commit")).isEqualTo("on");
    }
    String adminSecret = Files.readString(secretFile).trim();

    String tokenBefore = token(adminSecret);
    Api admin = api("Bearer " + tokenBefore);
    Api.Result platform = admin.post("/v1/platforms", Map.of("name", "cf-eu", "type", "cloudfoundry"));
    assertThat(platform.status()).isEqualTo(201);
    @SuppressWarnings("unchecked")
    Map<String, Object> basic =
        (Map<String, Object>) ((Map<String, Object>) platform.json().get("credentials")).get("basic");
    Api.Result registered =
        admin.post(
            "/v1/service_brokers",
            Map.of(
                "name", "persistent-broker",
                "broker_url", broker.url(),
                "credentials", Map.of("basic", Map.of("username", broker.username(), "password", broker.password()))));
    assertThat(registered.status()).isEqualTo(201);
    String brokerId = registered.string("id");
    assertThat(dataDir.resolve("encryption.key")).as("generated when the first secret is encrypted").exists();

    running.close();
    running = start();

    assertThat(Files.readString(secretFile).trim()).as("the generated secret is not regenerated").isEqualTo(adminSecret);
    Api adminWithOldToken = api("Bearer " + tokenBefore);
    assertThat(adminWithOldToken.get("/v1/service_brokers/" + brokerId).status())
        .as("a token issued before the restart is still valid: the signing key persisted")
        .isEqualTo(200);
    Api adminAfter = api("Bearer " + token(adminSecret));
    assertThat(adminAfter.get("/v1/platforms").ids()).contains(platform.string("id"));
    assertThat(adminAfter.get("/v1/service_plans").ids()).hasSize(planCount(broker.catalog()));

    Api platformClient = api(Api.basic((String) basic.get("username"), (String) basic.get("password")));
    assertThat(platformClient.get("/v1/service_brokers").status())
        .as("platform credentials created before the restart authenticate after it")
        .isEqualTo(200);
    assertThat(api(Api.basic((String) basic.get("username"), "wrong")).get("/v1/service_brokers").status())
        .isEqualTo(401);

    broker.reset();
    Api.Result refreshed = adminAfter.patch("/v1/service_brokers/" + brokerId, Map.of());
    assertThat(refreshed.status()).as("broker credentials decrypt with the persisted key").isEqualTo(200);
    assertThat(broker.requests()).hasSize(1);
    assertThat(broker.requests().get(0).header("Authorization"))
        .isEqualTo(Api.basic(broker.username(), broker.password()));
  }

  @SuppressWarnings("unchecked")
  private static int planCount(Map<String, Object> catalog) {
    return ((List<Map<String, Object>>) catalog.get("services"))
        .stream().mapToInt(s -> ((List<?>) s.get("plans")).size()).sum();
  }

  private ServiceManagerLauncher.Running start() {
    return ServiceManagerLauncher.start(
        Map.of("sm.data-dir", dataDir.toString(), "micronaut.server.port", port));
  }

  private static String show(Statement statement, String setting) throws SQLException {
    try (ResultSet rs = statement.executeQuery("SHOW " + setting)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private EmbeddedServer server() {
    return running.context().getBean(EmbeddedServer.class);
  }

  private Api api(String authorization) {
    return new Api(server().getURL().toString(), authorization);
  }

  private String token(String adminSecret) {
    Api.Result result =
        api(Api.basic("admin", adminSecret))
            .send("POST", "/oauth/token", "application/x-www-form-urlencoded", "grant_type=client_credentials");
    assertThat(result.status()).isEqualTo(200);
    return result.string("access_token");
  }
}

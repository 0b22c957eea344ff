package dev.servicemanager.compass;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The compass broker across a restart on the same database (same broker, new URL and password) and
 * after an administrator deleted it (registered anew at the next change).
 */
class BrokerRestartIT {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static String compassBroker(CompassServer sm) {
    for (JsonNode b : sm.get("/v1/service_brokers", "Bearer " + sm.adminToken()).json().path("items")) {
      if (b.path("name").asText().equals("compass")) {
        return b.path("id").asText() + " " + b.path("broker_url").asText();
      }
    }
    return null;
  }

  private static String[] passwordHashes(String database) throws Exception {
    try (Connection c = java.sql.DriverManager.getConnection(database, "postgres", ""); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT password_hash, pending_hash FROM compass_broker")) {
      assertThat(rs.next()).isTrue();
      return new String[] {rs.getString(1), rs.getString(2)};
    }
  }

  @Test
  void aRestartKeepsTheBrokerAndADeletedBrokerComesBack() throws Exception {
    String first;
    String firstHash;
    CompassServer firstServer = new CompassServer();
    String database = firstServer.databaseUrl;
    try (CompassServer sm = firstServer) {
      first = await().atMost(WAIT).until(() -> compassBroker(sm), b -> b != null);
      assertThat(first).endsWith(sm.url + "/compass/osb");
      await().atMost(WAIT).until(() -> passwordHashes(database)[1] == null);
      firstHash = passwordHashes(database)[0];
      assertThat(firstHash).hasSize(64);
    }
    try (CompassServer sm = new CompassServer(Map.of("datasources.default.url", database))) {
      // same broker id, the new server's URL, a new password
      await().atMost(WAIT).untilAsserted(() -> assertThat(compassBroker(sm)).isEqualTo(
          first.split(" ")[0] + " " + sm.url + "/compass/osb"));
      await().atMost(WAIT).untilAsserted(() -> assertThat(passwordHashes(database)[0]).isNotEqualTo(firstHash));
      assertThat(passwordHashes(database)[1]).isNull();

      // an administrator deletes it: the next change registers it again
      assertThat(sm.delete("/v1/service_brokers/" + first.split(" ")[0], "Bearer " + sm.adminToken()).status()).isEqualTo(200);
      assertThat(compassBroker(sm)).isNull();
      CompassServer.Response app = sm.director("t-restart", ApplicationsIT.REGISTER, Map.of("in", Map.of("name", "app",
          "bundles", List.of(Map.of("name", "b")))));
      assertThat(app.json().path("errors").isMissingNode()).as(app.body()).isTrue();
      String again = await().atMost(WAIT).until(() -> compassBroker(sm), b -> b != null);
      assertThat(again.split(" ")[0]).isNotEqualTo(first.split(" ")[0]);
      String appId = app.data("registerApplication").path("id").asText();
      await().atMost(WAIT).untilAsserted(() -> {
        StringBuilder ids = new StringBuilder();
        sm.get("/v1/service_offerings", "Bearer " + sm.adminToken()).json().path("items")
            .forEach(o -> ids.append(o.path("catalog_id").asText()).append(' '));
        assertThat(ids.toString()).contains(appId);
      });
    }
  }
}

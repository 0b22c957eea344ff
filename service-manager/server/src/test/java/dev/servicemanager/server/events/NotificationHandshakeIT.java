package dev.servicemanager.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The websocket handshake of reference section 4: authentication, revision rules, response headers. */
@MicronautTest(transactional = false)
class NotificationHandshakeIT extends NotificationTestBase {
  @Override
  protected Map<String, String> extraProperties() {
    return Map.of("sm.notifications.queue-size", "3", "sm.notifications.ping-timeout", "6s");
  }

  @Test
  void upgradeCarriesTheLatestRevisionAndMaxPingPeriod() throws Exception {
    TestPlatform platform = platform("headers");
    registerBroker("headers-broker");
    Map<String, String> headers = Agent.rawHandshake(baseUrl(), platform.authorization(), null);
    assertThat(headers.get(":status")).isEqualTo("101");
    assertThat(headers.get("last_notification_revision")).isEqualTo(latestRevision());
    assertThat(headers.get("max_ping_period")).isEqualTo("6s");
  }

  @Test
  void revisionHeaderIsOmittedWhileThereAreNoChanges() throws Exception {
    TestPlatform platform = platform("empty");
    try (var c = java.sql.DriverManager.getConnection(jdbcUrl(), "postgres", "")) {
      c.createStatement().execute("DELETE FROM changes");
    }
    Map<String, String> headers = Agent.rawHandshake(baseUrl(), platform.authorization(), null);
    assertThat(headers.get(":status")).isEqualTo("101");
    assertThat(headers).doesNotContainKey("last_notification_revision").containsEntry("max_ping_period", "6s");
  }

  @Test
  void missingOrWrongCredentialsAre401() {
    platform("auth");
    assertThat(refusedStatus(null, null)).isEqualTo(401);
    assertThat(refusedStatus(Api.basic("nobody", "wrong"), null)).isEqualTo(401);
  }

  @Test
  void administratorsAreNotAgents() {
    assertThat(refusedStatus(bearer(), null)).isEqualTo(403);
  }

  @Test
  void badRevisionIs400() {
    TestPlatform platform = platform("bad");
    assertThat(refusedStatus(platform.authorization(), "abc")).isEqualTo(400);
    assertThat(refusedStatus(platform.authorization(), "-1")).isEqualTo(400);
  }

  @Test
  void revisionNewerThanTheLatestIs410() throws Exception {
    TestPlatform platform = platform("newer");
    long latest = Long.parseLong(latestRevision());
    assertThat(refusedStatus(platform.authorization(), Long.toString(latest + 1))).isEqualTo(410);
  }

  @Test
  void revisionNoLongerKeptIs410() throws Exception {
    TestPlatform platform = platform("cleaned");
    String before = latestRevision();
    registerBroker("cleaned-broker");
    try (var c = java.sql.DriverManager.getConnection(jdbcUrl(), "postgres", "")) {
      c.createStatement().execute("DELETE FROM changes WHERE revision <= " + before);
    }
    assertThat(refusedStatus(platform.authorization(), before)).isEqualTo(410);
  }

  @Test
  void moreMissedThanTheQueueHoldsIs410() throws Exception {
    TestPlatform platform = platform("behind");
    String before = latestRevision();
    for (int i = 0; i < 4; i++) {
      registerBroker("behind-" + i);
    }
    assertThat(refusedStatus(platform.authorization(), before)).isEqualTo(410);
  }

  @Test
  void latestRevisionConnectsAndAgentVersionIsStored() throws Exception {
    TestPlatform platform = platform("current");
    Agent agent = Agent.connect(baseUrl(), platform.authorization(), latestRevision(), Map.of("X-Peripli-Agent-Version", "1.2.3"));
    agents.add(agent);
    org.awaitility.Awaitility.await().atMost(WAIT).until(
        () -> count("SELECT count(*) FROM platforms WHERE id = '" + platform.id() + "' AND version = '1.2.3'") == 1);
  }

  @Test
  void thePlatformShowsWhetherItsAgentIsConnected() throws Exception {
    TestPlatform platform = platform("watched");
    assertThat(admin().get("/v1/platforms/" + platform.id()).json()).containsEntry("active", false).doesNotContainKey("last_active");
    Agent agent = Agent.connect(baseUrl(), platform.authorization(), latestRevision(), Map.of());
    agents.add(agent);
    agent.ping();
    org.awaitility.Awaitility.await().atMost(WAIT).untilAsserted(() -> {
      assertThat(admin().get("/v1/platforms/" + platform.id()).json()).containsEntry("active", true);
      assertThat(admin().get("/v1/platforms?fieldQuery=" + dev.servicemanager.server.support.Api.q("active eq true")).ids())
          .contains(platform.id());
    });
    agent.close();
    org.awaitility.Awaitility.await().atMost(WAIT).untilAsserted(() -> {
      Map<String, Object> after = admin().get("/v1/platforms/" + platform.id()).json();
      assertThat(after).containsEntry("active", false);
      assertThat(after.get("last_active")).isNotNull();
    });
  }

}

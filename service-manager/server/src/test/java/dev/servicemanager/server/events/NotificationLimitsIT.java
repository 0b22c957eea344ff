package dev.servicemanager.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bounded per-connection queue and the ping deadline, with small limits. */
@MicronautTest(transactional = false)
class NotificationLimitsIT extends NotificationTestBase {
  @Override
  protected Map<String, String> extraProperties() {
    return Map.of("sm.notifications.queue-size", "1", "sm.notifications.ping-timeout", "1500ms");
  }

  @Test
  void aBurstLargerThanTheQueueClosesTheConnection() {
    TestPlatform platform = platform("burst");
    String brokerId = (String) registerBroker("burst-broker").get("id");
    List<String> plans = planIds(brokerId);
    for (String plan : plans) {
      visibility(platform.id(), plan);
      visibility(null, plan);
    }
    Agent agent = connect(platform, null);
    agent.ping();
    // One transaction deletes four visibilities, all addressed to this platform: four at once.
    Api.Result deleted = admin().delete("/v1/visibilities?fieldQuery=" + Api.q("service_plan_id in ('" + String.join("','", plans) + "')"));
    assertThat(deleted.status()).as(deleted.toString()).isEqualTo(200);
    assertThat(agent.awaitClose(Duration.ofMillis(1200))).isEqualTo(1008);
    assertThat(agent.closeReason).contains("queue overflow");
  }

  @Test
  void withoutPingsTheConnectionIsClosedAfterTheTimeout() {
    TestPlatform platform = platform("silent");
    Agent agent = connect(platform, null);
    Instant start = Instant.now();
    assertThat(agent.awaitClose(WAIT)).isEqualTo(1008);
    assertThat(agent.closeReason).contains("no ping");
    assertThat(Duration.between(start, Instant.now())).isGreaterThan(Duration.ofMillis(1000));
  }

  @Test
  void pingsKeepTheConnectionOpen() throws Exception {
    TestPlatform platform = platform("pinger");
    Agent agent = connect(platform, null);
    Instant until = Instant.now().plusMillis(3000);
    while (Instant.now().isBefore(until)) {
      agent.ping();
      Thread.sleep(300); // the agent's ping period, not a wait for the server
    }
    assertThat(agent.isClosed()).isFalse();
  }
}

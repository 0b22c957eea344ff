package dev.servicemanager.server.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.servicemanager.server.support.Api;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Replay, live delivery with the Peripli JSON shape, addressing, and the platform's active flag. */
@MicronautTest(transactional = false)
class NotificationDeliveryIT extends NotificationTestBase {

  @Test
  void reconnectReplaysExactlyTheMissedNotificationsForThePlatformInOrder() throws Exception {
    TestPlatform mine = platform("mine");
    TestPlatform other = platform("other");
    String known = latestRevision();
    connect(mine, known).close();

    String brokerId = (String) registerBroker("replayed").get("id");
    List<String> plans = planIds(brokerId);
    String forMe = visibility(mine.id(), plans.get(0));
    visibility(other.id(), plans.get(0));
    String publicOne = visibility(null, plans.get(1));

    Agent agent = connect(mine, known);
    List<Map<String, Object>> replayed = agent.take(3, WAIT);
    assertThat(replayed).extracting(n -> n.get("resource") + " " + n.get("type") + " " + map(map(map(n.get("payload")).get("new")).get("resource")).get("id"))
        .containsExactly(
            "/v1/service_brokers CREATED " + brokerId,
            "/v1/visibilities CREATED " + forMe,
            "/v1/visibilities CREATED " + publicOne);
    assertThat(replayed).extracting(n -> ((Number) n.get("revision")).longValue()).isSorted()
        .allMatch(r -> r > Long.parseLong(known));
    assertThat(agent.received.poll(500, TimeUnit.MILLISECONDS)).as("nothing else is sent").isNull();

    // Replay hands over to live delivery.
    Api.Result patched = admin().patch("/v1/visibilities/" + forMe,
        Map.of("labels", List.of(Map.of("op", "add", "key", "org", "values", List.of("o1")))));
    assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
    Map<String, Object> live = agent.next(WAIT);
    assertThat(live).containsEntry("type", "MODIFIED").containsEntry("resource", "/v1/visibilities");
  }

  @Test
  void liveBrokerNotificationHasThePeripliShape() throws Exception {
    TestPlatform platform = platform("shape");
    Agent agent = connect(platform, null);
    String brokerId = (String) registerBroker("shaped").get("id");

    Map<String, Object> n = agent.next(WAIT);
    assertThat(n).containsKeys("id", "resource", "type", "platform_id", "revision", "payload", "correlation_id");
    assertThat(n.get("id")).isEqualTo(n.get("revision").toString());
    assertThat(n).containsEntry("resource", "/v1/service_brokers").containsEntry("type", "CREATED");
    assertThat(n.get("platform_id")).isNull();
    Map<String, Object> created = map(map(n.get("payload")).get("new"));
    assertThat(map(created.get("resource"))).containsEntry("id", brokerId).containsEntry("name", "shaped");
    assertThat(map(created.get("additional"))).containsKey("services");
    assertThat(map(n.get("payload"))).doesNotContainKey("old");

    admin().delete("/v1/service_brokers/" + brokerId);
    Map<String, Object> deleted = agent.next(WAIT);
    assertThat(deleted).containsEntry("type", "DELETED");
    assertThat(map(map(map(deleted.get("payload")).get("old")).get("resource"))).containsEntry("id", brokerId);
  }

  @Test
  void visibilityNotificationsGoToTheirPlatformOrToAllWhenPublic() throws Exception {
    TestPlatform mine = platform("vis-mine");
    TestPlatform other = platform("vis-other");
    String brokerId = (String) registerBroker("vis-broker").get("id");
    List<String> plans = planIds(brokerId);
    Agent mineAgent = connect(mine, null);
    Agent otherAgent = connect(other, null);

    String own = visibility(mine.id(), plans.get(0));
    Map<String, Object> n = mineAgent.next(WAIT);
    assertThat(n).containsEntry("resource", "/v1/visibilities").containsEntry("type", "CREATED")
        .containsEntry("platform_id", mine.id());
    Map<String, Object> created = map(map(n.get("payload")).get("new"));
    assertThat(map(created.get("resource"))).containsEntry("id", own);
    assertThat(map(created.get("additional"))).containsEntry("broker_id", brokerId).containsKey("service_plan");

    visibility(null, plans.get(1));
    assertThat(mineAgent.next(WAIT).get("platform_id")).isNull();
    Map<String, Object> atOther = otherAgent.next(WAIT);
    assertThat(atOther.get("platform_id")).as("the other platform gets only the public one").isNull();
    assertThat(otherAgent.received.poll(300, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void correlationIdOfTheRequestTravelsWithTheNotification() throws Exception {
    TestPlatform platform = platform("correlated");
    Agent agent = connect(platform, null);
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(baseUrl() + "/v1/service_brokers"))
            .header("Authorization", bearer())
            .header("Content-Type", "application/json")
            .header("X-Correlation-ID", "corr-42")
            .POST(HttpRequest.BodyPublishers.ofString(Api.toJson(brokerBody("correlated"))))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    assertThat(agent.next(WAIT)).containsEntry("correlation_id", "corr-42");
  }

  @Test
  void pingsMarkThePlatformActiveAndDisconnectMarksItInactive() throws Exception {
    TestPlatform platform = platform("pinging");
    String active = "SELECT count(*) FROM platforms WHERE id = '" + platform.id() + "' AND active";
    Agent agent = connect(platform, null);
    assertThat(count(active)).isZero();
    agent.ping();
    await().atMost(WAIT).until(() -> count(active) == 1);

    agent.close();
    await().atMost(WAIT).until(() -> count(active) == 0
        && count("SELECT count(*) FROM platforms WHERE id = '" + platform.id() + "' AND last_active > now() - interval '1 minute'") == 1);
  }
}

package dev.servicemanager.server.osb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.testkit.RecordedRequest;
import dev.servicemanager.testkit.Responder;
import dev.servicemanager.testkit.Route;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@MicronautTest(transactional = false)
class OsbForwardingIT extends OsbTestBase {

  @Override
  protected Map<String, String> extraProperties() {
    return Map.of("sm.broker-client.read-timeout", "2s");
  }

  @Test
  void theBrokerGetsMethodPathQueryBodyAndOsbHeadersWithItsOwnCredentials() {
    visible(smallPlanId, platformId);
    String body = "{\"service_id\":\"service-0\",\"plan_id\":\"plan-0-0\",\"context\":{\"platform\":\"kubernetes\"},"
        + "\"parameters\":{\"size\":\"xl\"},\"x-vendor\":[1,2]}";
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("X-Broker-API-Version", "2.16");
    headers.put("X-Broker-API-Originating-Identity", "kubernetes eyJ1c2VybmFtZSI6ImFsaWNlIn0=");
    headers.put("X-Broker-API-Request-Identity", "req-42");
    headers.put("Accept-Encoding", "gzip");

    Api.Result result = send(platformAuth, "PUT", base() + "/service_instances/inst%2D1?accepts_incomplete=true&x=a%20b", body, headers);

    assertThat(result.status()).isEqualTo(201);
    assertThat(result.header("X-Broker-API-Request-Identity")).isEqualTo("req-42");
    RecordedRequest received = broker.requests(Route.PROVISION).get(0);
    assertThat(received.method()).isEqualTo("PUT");
    assertThat(received.path()).isEqualTo("/v2/service_instances/inst%2D1");
    assertThat(received.query()).containsEntry("accepts_incomplete", "true").containsEntry("x", "a b");
    assertThat(received.body()).isEqualTo(body);
    assertThat(received.header("Authorization")).isEqualTo(broker.authorizationHeader()).isNotEqualTo(platformAuth);
    assertThat(received.header("X-Broker-API-Version")).isEqualTo("2.16");
    assertThat(received.header("X-Broker-API-Originating-Identity")).isEqualTo("kubernetes eyJ1c2VybmFtZSI6ImFsaWNlIn0=");
    assertThat(received.header("X-Broker-API-Request-Identity")).isEqualTo("req-42");
    assertThat(received.header("Accept-Encoding")).isNull();
    assertThat(received.header("Host")).isEqualTo(broker.url().substring("http://".length()));
  }

  @Test
  void aRequestIdentityIsCreatedWhenThePlatformSendsNoneAndBecomesTheCorrelationId() throws Exception {
    visible(smallPlanId, platformId);
    Api.Result result = osb("PUT", "/service_instances/i1", provisionBody(SMALL, k8sContext("one")));
    String identity = broker.requests(Route.PROVISION).get(0).header("X-Broker-API-Request-Identity");
    assertThat(UUID.fromString(identity)).isNotNull();
    assertThat(result.header("X-Broker-API-Request-Identity")).isEqualTo(identity);
    assertThat(lastOperation("i1")).containsEntry("correlation_id", identity);
  }

  @Test
  void aBrokerErrorPassesThroughUnchanged() throws Exception {
    visible(smallPlanId, platformId);
    broker.on(Route.PROVISION, Responder.respond(500, Map.of("error", "Boom", "description", "disk full", "x-extra", 7)));
    Api.Result result = osb("PUT", "/service_instances/i1", provisionBody(SMALL, k8sContext("one")));
    assertThat(result.status()).isEqualTo(500);
    assertThat(result.json())
        .containsEntry("error", "Boom")
        .containsEntry("description", "disk full")
        .containsEntry("x-extra", 7);
    assertThat(count("SELECT count(*) FROM service_instances")).isZero();
  }

  @Test
  void aSuccessWithABodyThatIsNotJsonIsA502AndTheInstanceIsOrphanMitigated() throws Exception {
    visible(smallPlanId, platformId);
    broker.on(Route.PROVISION, Responder.malformed(201));
    Api.Result result = osb("PUT", "/service_instances/i1", provisionBody(SMALL, k8sContext("one")));
    assertThat(result.status()).isEqualTo(502);
    assertThat(result.error()).isEqualTo("BrokerError");
    assertThat(result.string("description")).contains("fake-broker", "201", "not a JSON object", "{\"broken");
    Map<String, Object> op = row("SELECT state, step, deletion_scheduled IS NOT NULL AS scheduled FROM operations"
        + " WHERE resource_id = 'i1'");
    assertThat(op).containsEntry("state", "failed").containsEntry("step", "mitigate").containsEntry("scheduled", true);
    Api.Result again = osb("PUT", "/service_instances/i1", provisionBody(SMALL, k8sContext("one")));
    assertThat(again.status()).as("no new provision while the mitigation runs: " + again).isIn(422, 201);
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(15)).untilAsserted(() -> {
      assertThat(broker.requests("DELETE", "/v2/service_instances/i1")).isNotEmpty();
      assertThat(count("SELECT count(*) FROM operations WHERE resource_id = 'i1' AND next_attempt_at IS NOT NULL")).isZero();
    });
  }

  @Test
  void anErrorWithABodyThatIsNotJsonKeepsItsStatusWithAJsonDescription() throws Exception {
    visible(smallPlanId, platformId);
    broker.on(Route.PROVISION, Responder.malformed(503));
    Api.Result result = osb("PUT", "/service_instances/i1", provisionBody(SMALL, k8sContext("one")));
    assertThat(result.status()).isEqualTo(503);
    assertThat(result.string("description")).isEqualTo("Service broker fake-broker responded with invalid JSON: {\"broken");
    assertThat(count("SELECT count(*) FROM service_instances")).isZero();
    assertThat(count("SELECT count(*) FROM operations")).isZero();
  }

  @Test
  void anUnreachableBrokerIs502() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    exec("UPDATE service_brokers SET broker_url = 'http://127.0.0.1:" + port + "'");
    visible(smallPlanId, platformId);
    Api.Result result = osb("PUT", "/service_instances/i1", provisionBody(SMALL, k8sContext("one")));
    assertThat(result.status()).isEqualTo(502);
    assertThat(result.error()).isEqualTo("BrokerError");
    assertThat(result.string("description")).contains("could not reach service broker fake-broker");
    assertThat(count("SELECT count(*) FROM service_instances")).isZero();
  }

  @Test
  void aBrokerThatDoesNotAnswerWithinTheReadTimeoutIs502() {
    visible(smallPlanId, platformId);
    broker.on(Route.PROVISION, Responder.hang());
    Api.Result result = osb("PUT", "/service_instances/i1", provisionBody(SMALL, k8sContext("one")));
    assertThat(result.status()).isEqualTo(502);
    assertThat(result.string("description")).contains("did not answer");
  }

  @Test
  void malformedJsonIs400AndNeitherForwardedNorStored() throws Exception {
    visible(smallPlanId, platformId);
    Api.Result put = osb("PUT", "/service_instances/i1", "{\"service_id\": ");
    Api.Result patch = osb("PATCH", "/service_instances/i1", "[1,2]");
    assertThat(put.status()).isEqualTo(400);
    assertThat(put.error()).isEqualTo("BadRequest");
    assertThat(put.string("description")).isNotBlank();
    assertThat(patch.status()).isEqualTo(400);
    assertThat(broker.requests(Route.PROVISION)).isEmpty();
    assertThat(broker.requests(Route.UPDATE)).isEmpty();
    assertThat(count("SELECT count(*) FROM service_instances")).isZero();
    assertThat(count("SELECT count(*) FROM operations")).isZero();
  }

  @Test
  void aMissingBodyOrOneWithoutServiceAndPlanIs400AndNotForwarded() {
    visible(smallPlanId, platformId);
    Api.Result empty = send(platformAuth, "PUT", base() + "/service_instances/i1", null, Map.of("X-Broker-API-Version", "2.17"));
    Api.Result noPlan = osb("PUT", "/service_instances/i1", "{\"service_id\":\"service-0\"}");
    assertThat(empty.status()).isEqualTo(400);
    assertThat(empty.error()).isEqualTo("BadRequest");
    assertThat(noPlan.status()).isEqualTo(400);
    assertThat(noPlan.string("description")).contains("plan_id");
    assertThat(broker.requests(Route.PROVISION)).isEmpty();
  }

  @Test
  void aBodyOverOneMegabyteIs413() throws Exception {
    visible(smallPlanId, platformId);
    String big = "{\"service_id\":\"service-0\",\"plan_id\":\"plan-0-0\",\"parameters\":{\"p\":\"" + "a".repeat(1_100_000) + "\"}}";
    Api.Result result = osb("PUT", "/service_instances/i1", big);
    assertThat(result.status()).isEqualTo(413);
    assertThat(result.error()).isEqualTo("PayloadTooLarge");
    assertThat(broker.requests(Route.PROVISION)).isEmpty();
    assertThat(count("SELECT count(*) FROM service_instances")).isZero();
  }

  @Test
  void retryAfterOfALastOperationIsPassedBack() {
    broker.on(Route.INSTANCE_LAST_OPERATION, Responder.respond(200, Map.of("state", "in progress")).withHeader("Retry-After", "7"));
    Api.Result result = osb("GET", "/service_instances/i1/last_operation?operation=op%201", null);
    assertThat(result.status()).isEqualTo(200);
    assertThat(result.header("Retry-After")).isEqualTo("7");
    assertThat(broker.requests(Route.INSTANCE_LAST_OPERATION).get(0).query()).containsEntry("operation", "op 1");
  }
}

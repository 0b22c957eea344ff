package dev.servicemanager.server.instances;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.testkit.FakeBroker;
import dev.servicemanager.testkit.Responder;
import dev.servicemanager.testkit.Route;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One test per row of the OSB 2.17 orphan-mitigation table for provision and bind: where the
 * broker may have created something although the request failed, the Service Manager deletes it
 * at the broker; where it cannot have, it does not.
 */
@MicronautTest(transactional = false)
class OrphanMitigationIT extends InstanceTestBase {
  private String planId;

  @BeforeEach
  void setUp() {
    planId = registerPublicBroker();
    broker.reset();
  }

  // ---------------------------------------------------------------- provision

  @Test
  void provision500IsMitigated() throws Exception {
    broker.on(Route.PROVISION, Responder.error(500, null, "boom"));
    assertMitigated(createInstance("p500", planId, ""), "broker answered 500: boom");
  }

  @Test
  void provision408IsRetriedThenFailsWithoutMitigation() throws Exception {
    // OSB 2.17 §5: a 408 is a client timeout; the broker did not take the request, so nothing to mitigate.
    broker.on(Route.PROVISION, Responder.error(408, null, "slow"));
    assertNotMitigated(createInstance("p408", planId, ""), "RequestTimeout");
    assertThat(broker.requests(Route.PROVISION)).hasSize(BrokerVerdict.MAX_REJECTED_ATTEMPTS);
  }

  @Test
  void provisionUnexpected2xxIsMitigated() throws Exception {
    broker.on(Route.PROVISION, Responder.respond(204, ""));
    assertMitigated(createInstance("p204", planId, ""), "broker answered 204");
  }

  @Test
  void provisionMalformed201IsMitigated() throws Exception {
    broker.on(Route.PROVISION, Responder.malformed(201));
    assertMitigated(createInstance("p201bad", planId, ""), "not a JSON object");
  }

  @Test
  void provisionTimeoutIsMitigated() throws Exception {
    broker.on(Route.PROVISION, Responder.delay(Duration.ofSeconds(4), Responder.defaults()));
    assertMitigated(createInstance("ptimeout", planId, ""), "did not answer");
  }

  @Test
  void failedAsyncProvisionIsMitigated() throws Exception {
    broker.on(Route.PROVISION, Responder.async("op-fail"));
    broker.on(Route.INSTANCE_LAST_OPERATION, Responder.lastOperationSequence("in progress", "failed"));
    assertMitigated(createInstance("pasyncfail", planId, ""), "broker reports");
  }

  @Test
  void provision400IsNotMitigated() throws Exception {
    broker.on(Route.PROVISION, Responder.error(400, null, "bad parameters"));
    assertNotMitigated(createInstance("p400", planId, ""), "BadRequest");
  }

  @Test
  void provision409IsNotMitigated() throws Exception {
    broker.on(Route.PROVISION, Responder.error(409, null, "exists"));
    assertNotMitigated(createInstance("p409", planId, ""), "Conflict");
  }

  @Test
  void provisionConnectionRefusedIsNotMitigated() throws Exception {
    String unreachablePlan;
    try (FakeBroker doomed = FakeBroker.start()) {
      String doomedId =
          admin().post("/v1/service_brokers", Map.of("name", "doomed", "broker_url", doomed.url(), "credentials",
              Map.of("basic", Map.of("username", doomed.username(), "password", doomed.password())))).string("id");
      unreachablePlan = planIds(doomedId).get(0);
      admin().post("/v1/visibilities", Map.of("service_plan_id", unreachablePlan));
    }
    Map<String, Object> op = awaitOperation(createInstance("prefused", unreachablePlan, ""));
    assertThat(op).containsEntry("state", "failed").doesNotContainKey("deletion_scheduled");
    assertThat(map(op.get("errors")).get("description").toString()).contains("connection refused");
    assertThat(count("SELECT count(*) FROM service_instances")).isZero();
  }

  @Test
  void provision422ConcurrencyErrorIsRetriedNotMitigated() {
    broker.on(Route.PROVISION, Responder.sequence(Responder.error(422, "ConcurrencyError", "busy"), Responder.defaults()));
    Map<String, Object> op = awaitOperation(createInstance("p422", planId, ""));
    assertThat(op).containsEntry("state", "succeeded").doesNotContainKey("deletion_scheduled");
    assertThat(broker.requests(Route.PROVISION)).hasSize(2);
    assertThat(broker.requests(Route.DEPROVISION)).isEmpty();
  }

  @Test
  void mitigationKeepsRetryingUntilTheBrokerConfirms() throws Exception {
    broker.on(Route.PROVISION, Responder.error(502, null, "gateway"));
    broker.on(Route.DEPROVISION, Responder.failTimesThen(2, 500, Responder.gone()));
    Api.Result accepted = createInstance("pretry", planId, "");
    String id = accepted.header("Location").split("/")[3];
    Map<String, Object> op = awaitOperation(accepted);
    assertThat(op).containsEntry("state", "failed");
    eventually("the third deprovision succeeded", () -> broker.requests(Route.DEPROVISION).size() >= 3);
    eventually("the instance is gone", () -> admin().get("/v1/service_instances/" + id).status() == 404);
  }

  // ---------------------------------------------------------------- bind

  @Test
  void bind500IsMitigatedWithAnUnbind() throws Exception {
    String instance = readyInstance("for-bind", planId);
    broker.on(Route.BIND, Responder.error(500, null, "bind boom"));
    Api.Result accepted = admin().post("/v1/service_bindings", Map.of("name", "b1", "service_instance_id", instance));
    Map<String, Object> op = awaitOperation(accepted);
    assertThat(op).containsEntry("state", "failed");
    assertThat(op.get("deletion_scheduled")).isNotNull();
    eventually("the broker got an unbind", () -> !broker.requests(Route.UNBIND).isEmpty());
    eventually("the binding record is gone", () -> countUnchecked("SELECT count(*) FROM service_bindings") == 0);
  }

  @Test
  void bind400IsNotMitigated() throws Exception {
    String instance = readyInstance("for-bind-400", planId);
    broker.on(Route.BIND, Responder.error(400, null, "no"));
    Map<String, Object> op =
        awaitOperation(admin().post("/v1/service_bindings", Map.of("name", "b2", "service_instance_id", instance)));
    assertThat(op).containsEntry("state", "failed").doesNotContainKey("deletion_scheduled");
    sleep(300);
    assertThat(broker.requests(Route.UNBIND)).isEmpty();
    assertThat(count("SELECT count(*) FROM service_bindings")).isZero();
  }

  private void assertMitigated(Api.Result accepted, String descriptionPart) throws Exception {
    String id = accepted.header("Location").split("/")[3];
    Map<String, Object> op = awaitOperation(accepted);
    assertThat(op).containsEntry("state", "failed");
    assertThat(op.get("deletion_scheduled")).as("orphan mitigation is recorded").isNotNull();
    assertThat(map(op.get("errors")).get("description").toString()).contains(descriptionPart);
    eventually("the broker got a deprovision", () -> !broker.requests(Route.DEPROVISION).isEmpty());
    assertThat(broker.requests(Route.DEPROVISION).get(0).path()).isEqualTo("/v2/service_instances/" + id);
    eventually("the instance record is gone", () -> admin().get("/v1/service_instances/" + id).status() == 404);
    Map<String, Object> finished = admin().get("/v1/service_instances/" + id + "/operations/" + op.get("id")).json();
    assertThat(finished).containsEntry("state", "failed");
    assertThat(finished.get("description").toString()).contains("orphan mitigation completed");
  }

  private void assertNotMitigated(Api.Result accepted, String error) throws Exception {
    Map<String, Object> op = awaitOperation(accepted);
    assertThat(op).containsEntry("state", "failed").doesNotContainKey("deletion_scheduled");
    assertThat(map(op.get("errors"))).containsEntry("error", error);
    sleep(300);
    assertThat(broker.requests(Route.DEPROVISION)).isEmpty();
    assertThat(count("SELECT count(*) FROM service_instances")).isZero();
  }

  private long countUnchecked(String sql) {
    try {
      return count(sql);
    } catch (java.sql.SQLException e) {
      throw new AssertionError(e);
    }
  }
}

package dev.servicemanager.server.instances;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.testkit.FakeCatalog;
import dev.servicemanager.testkit.Responder;
import dev.servicemanager.testkit.Route;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Reference 2.4: what a new operation may do while the resource's last operation is still running. */
@MicronautTest(transactional = false)
class ConcurrencyRulesIT extends InstanceTestBase {
  private String planId;
  private String largePlan;

  @BeforeEach
  void setUp() {
    planId = registerPublicBroker();
    largePlan = planIdFor(FakeCatalog.LARGE_PLAN_ID);
    broker.reset();
  }

  @Test
  void whileAnUpdateRunsAnotherUpdateIs422AndADeleteIsAllowed() {
    String id = readyInstance("updating", planId);
    broker.on(Route.UPDATE, Responder.async("upd"));
    broker.on(Route.INSTANCE_LAST_OPERATION, Responder.lastOperationSequence("in progress"));
    assertThat(admin().patch("/v1/service_instances/" + id, Map.of("service_plan_id", largePlan)).status()).isEqualTo(202);

    Api.Result second = admin().patch("/v1/service_instances/" + id, Map.of("parameters", Map.of("x", 1)));
    assertThat(second.status()).isEqualTo(422);
    assertThat(second.error()).isEqualTo("ConcurrentOperationInProgress");
    assertThat(admin().patch("/v1/service_instances/" + id, Map.of("name", "renamed")).status())
        .as("local changes need no broker and are not blocked").isEqualTo(200);
    assertThat(admin().delete("/v1/service_instances/" + id).status()).isEqualTo(202);
  }

  @Test
  void whileADeleteRunsUpdatesDeletesAndNewBindingsAre422() {
    String id = readyInstance("deleting", planId);
    broker.on(Route.DEPROVISION, Responder.async("del"));
    broker.on(Route.INSTANCE_LAST_OPERATION, Responder.lastOperationSequence("in progress"));
    assertThat(admin().delete("/v1/service_instances/" + id).status()).isEqualTo(202);

    for (Api.Result refused :
        new Api.Result[] {
          admin().patch("/v1/service_instances/" + id, Map.of("parameters", Map.of("x", 1))),
          admin().delete("/v1/service_instances/" + id),
        }) {
      assertThat(refused.status()).isEqualTo(422);
      assertThat(refused.string("description")).isEqualTo("Deletion is currently in progress for this resource");
    }
    Api.Result bind = admin().post("/v1/service_bindings", Map.of("name", "late", "service_instance_id", id));
    assertThat(bind.status()).isEqualTo(422);
  }

  @Test
  void whileOrphanMitigationRunsEverythingIs422() {
    broker.on(Route.PROVISION, Responder.error(500, null, "boom"));
    broker.on(Route.DEPROVISION, Responder.error(500, null, "still broken"));
    Api.Result accepted = createInstance("orphan", planId, "");
    String id = accepted.header("Location").split("/")[3];
    assertThat(awaitOperation(accepted)).containsEntry("state", "failed");

    Api.Result delete = admin().delete("/v1/service_instances/" + id);
    assertThat(delete.status()).isEqualTo(422);
    assertThat(delete.string("description")).isEqualTo("Deletion is currently in progress for this resource");
    assertThat(admin().patch("/v1/service_instances/" + id, Map.of("parameters", Map.of())).status()).isEqualTo(422);
    assertThat(admin().get("/v1/service_instances/" + id).json()).containsEntry("usable", false);
  }
}

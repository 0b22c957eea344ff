package dev.servicemanager.server.instances;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.testkit.FakeCatalog;
import dev.servicemanager.testkit.RecordedRequest;
import dev.servicemanager.testkit.Route;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Instance sharing (reference 2.13): shared instances, the reference-instance plan, binds on references. */
@MicronautTest(transactional = false)
class SharingIT extends InstanceTestBase {
  private String shareablePlan;
  private String otherPlan;
  private String referencePlan;

  @BeforeEach
  @SuppressWarnings("unchecked")
  void setUp() {
    Map<String, Object> catalog = FakeCatalog.defaultCatalog();
    Map<String, Object> service = (Map<String, Object>) ((List<Object>) catalog.get("services")).get(0);
    Map<String, Object> plan = (Map<String, Object>) ((List<Object>) service.get("plans")).get(0);
    plan.put("metadata", Map.of("supportsInstanceSharing", true));
    broker.catalog(catalog);
    registerPublicBroker();
    shareablePlan = planIdFor(FakeCatalog.SMALL_PLAN_ID);
    otherPlan = planIdFor(FakeCatalog.LARGE_PLAN_ID);
    referencePlan =
        admin().get("/v1/service_plans?fieldQuery=" + Api.q("name eq 'reference-instance'")).ids().get(0);
    broker.reset();
    broker.catalog(catalog);
  }

  @Test
  void theReferencePlanIsAddedOnceAndKeepsItsIdAcrossRefreshes() {
    assertThat(admin().get("/v1/service_plans?fieldQuery=" + Api.q("name eq 'reference-instance'")).ids())
        .containsExactly(referencePlan);
    assertThat(admin().patch("/v1/service_brokers/" + brokerId, Map.of()).status()).isEqualTo(200);
    assertThat(admin().get("/v1/service_plans?fieldQuery=" + Api.q("name eq 'reference-instance'")).ids())
        .containsExactly(referencePlan);
  }

  @Test
  void aReferenceBindsAgainstTheSharedInstance() throws Exception {
    String sharedId = readyInstance("shared-db", shareablePlan);
    Api.Result shared = admin().patch("/v1/service_instances/" + sharedId, Map.of("shared", true));
    assertThat(shared.status()).as(shared.toString()).isEqualTo(200);
    assertThat(shared.json()).containsEntry("shared", true);

    Api.Result reference =
        admin().post("/v1/service_instances",
            Map.of("name", "ref", "service_plan_id", referencePlan, "parameters", Map.of("referenced_instance_id", sharedId)));
    assertThat(reference.status()).as(reference.toString()).isEqualTo(201);
    assertThat(reference.json()).containsEntry("referenced_instance_id", sharedId).containsEntry("ready", true);
    String referenceId = reference.string("id");
    assertThat(broker.requests(Route.PROVISION)).as("a reference is answered without the broker").hasSize(1);

    Api.Result binding =
        admin().post("/v1/service_bindings?async=false", Map.of("name", "app", "service_instance_id", referenceId));
    assertThat(binding.status()).as(binding.toString()).isEqualTo(201);
    RecordedRequest bind = broker.requests(Route.BIND).get(0);
    assertThat(bind.instanceId()).isEqualTo(sharedId);
    assertThat(bind.json()).containsEntry("plan_id", FakeCatalog.SMALL_PLAN_ID);
    assertThat(binding.json()).containsKey("credentials");

    Api.Result unshare = admin().patch("/v1/service_instances/" + sharedId, Map.of("shared", false));
    assertThat(unshare.status()).isEqualTo(400);
    assertThat(unshare.string("description")).contains(referenceId);
    Api.Result deleteShared = admin().delete("/v1/service_instances/" + sharedId + "?cascade=true");
    assertThat(deleteShared.status()).isEqualTo(400);
    assertThat(deleteShared.string("description")).contains(referenceId);

    Map<String, Object> op = awaitOperation(admin().delete("/v1/service_instances/" + referenceId + "?cascade=true"));
    assertThat(op).containsEntry("state", "succeeded");
    assertThat(broker.requests(Route.UNBIND)).hasSize(1);
    assertThat(broker.requests(Route.UNBIND).get(0).instanceId()).isEqualTo(sharedId);
    assertThat(broker.requests(Route.DEPROVISION)).as("deleting a reference leaves the shared instance alone").isEmpty();

    assertThat(admin().patch("/v1/service_instances/" + sharedId, Map.of("shared", false)).status()).isEqualTo(200);
    assertThat(awaitOperation(admin().delete("/v1/service_instances/" + sharedId))).containsEntry("state", "succeeded");
    assertThat(broker.requests(Route.DEPROVISION)).hasSize(1);
  }

  @Test
  void sharingRules() throws Exception {
    String plain = readyInstance("plain", otherPlan);
    Api.Result notShareable = admin().patch("/v1/service_instances/" + plain, Map.of("shared", true));
    assertThat(notShareable.status()).isEqualTo(400);
    assertThat(notShareable.string("description")).contains("does not support instance sharing");

    String sharable = readyInstance("not-yet-shared", shareablePlan);
    Api.Result toUnshared =
        admin().post("/v1/service_instances",
            Map.of("name", "ref2", "service_plan_id", referencePlan, "parameters", Map.of("referenced_instance_id", sharable)));
    assertThat(toUnshared.status()).isEqualTo(400);
    assertThat(toUnshared.string("description")).contains("is not shared");
    Api.Result noTarget = admin().post("/v1/service_instances", Map.of("name", "ref3", "service_plan_id", referencePlan));
    assertThat(noTarget.status()).isEqualTo(400);
    Api.Result unknown =
        admin().post("/v1/service_instances",
            Map.of("name", "ref4", "service_plan_id", referencePlan, "parameters", Map.of("referenced_instance_id", "nope")));
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(count("SELECT count(*) FROM service_instances WHERE referenced_instance_id IS NOT NULL")).isZero();
  }

  @Test
  @SuppressWarnings("unchecked")
  void aShareablePlanMustBeBindable() {
    Map<String, Object> catalog = FakeCatalog.defaultCatalog();
    Map<String, Object> service = (Map<String, Object>) ((List<Object>) catalog.get("services")).get(0);
    Map<String, Object> plan = (Map<String, Object>) ((List<Object>) service.get("plans")).get(0);
    plan.put("metadata", Map.of("supportsInstanceSharing", true));
    plan.put("bindable", false);
    broker.catalog(catalog);
    Api.Result refresh = admin().patch("/v1/service_brokers/" + brokerId, Map.of());
    assertThat(refresh.status()).isEqualTo(400);
    assertThat(refresh.string("description")).contains("supports instance sharing must be bindable");
  }
}

package dev.servicemanager.server.osb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.testkit.Responder;
import dev.servicemanager.testkit.Route;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Provision, update, deprovision and instance last_operation: what the platform gets and what SM records. */
@MicronautTest(transactional = false)
class OsbInstanceIT extends OsbTestBase {

  private Map<String, Object> instance(String id) throws Exception {
    return row("SELECT name, service_plan_id, platform_id, context::text AS context, dashboard_url, usable, ready,"
        + " previous_values::text AS previous_values FROM service_instances WHERE id = '" + id + "'");
  }

  private Api.Result provision(String id, Map<String, Object> context) {
    return osb("PUT", "/service_instances/" + id + "?accepts_incomplete=true", provisionBody(SMALL, context));
  }

  @Test
  void provision201StoresAReadyInstanceAndASucceededOperation() throws Exception {
    visible(smallPlanId, platformId);
    Map<String, Object> context = k8sContext("my-db");
    context.put("signature", "c2lnbmVk");

    Api.Result result = provision("i1", context);

    assertThat(result.status()).isEqualTo(201);
    assertThat(result.json()).containsEntry("dashboard_url", "http://dashboard/i1");
    Map<String, Object> row = instance("i1");
    assertThat(row)
        .containsEntry("name", "my-db")
        .containsEntry("service_plan_id", smallPlanId)
        .containsEntry("platform_id", platformId)
        .containsEntry("dashboard_url", "http://dashboard/i1")
        .containsEntry("ready", true)
        .containsEntry("usable", true);
    assertThat((String) row.get("context")).contains("\"instance_name\": \"my-db\"").doesNotContain("signature");
    assertThat(lastOperation("i1"))
        .containsEntry("type", "create")
        .containsEntry("state", "succeeded")
        .containsEntry("resource_type", "/v1/service_instances")
        .containsEntry("platform_id", platformId)
        .containsEntry("step", "tracked")
        .containsEntry("next_attempt_at", null);
  }

  @Test
  void provisionWithoutInstanceNameUsesTheId() throws Exception {
    visible(smallPlanId, platformId);
    assertThat(provision("i1", Map.of("platform", "kubernetes")).status()).isEqualTo(201);
    assertThat(instance("i1")).containsEntry("name", "i1");
  }

  @Test
  void provision200StoresAnInstanceNotYetKnownAndNothingForAKnownOne() throws Exception {
    visible(smallPlanId, platformId);
    broker.on(Route.PROVISION, Responder.respond(200, Map.of()));
    assertThat(provision("i1", k8sContext("db")).status()).isEqualTo(200);
    assertThat(instance("i1")).containsEntry("ready", true);
    assertThat(count("SELECT count(*) FROM operations WHERE resource_id = 'i1'")).isEqualTo(1);

    assertThat(provision("i1", k8sContext("db")).status()).isEqualTo(200);
    assertThat(count("SELECT count(*) FROM operations WHERE resource_id = 'i1'")).isEqualTo(1);
  }

  @Test
  void provision202IsTrackedUntilLastOperationSucceeds() throws Exception {
    visible(smallPlanId, platformId);
    broker.on(Route.PROVISION, Responder.async("op-1"));
    broker.on(Route.INSTANCE_LAST_OPERATION, Responder.lastOperationSequence("in progress", "succeeded"));

    Api.Result accepted = provision("i1", k8sContext("db"));
    assertThat(accepted.status()).isEqualTo(202);
    assertThat(accepted.json()).containsEntry("operation", "op-1");
    assertThat(instance("i1")).containsEntry("ready", false);
    assertThat(lastOperation("i1")).containsEntry("type", "create").containsEntry("state", "in progress")
        .containsEntry("external_id", "op-1").containsEntry("next_attempt_at", null);

    Api.Result again = provision("i1", k8sContext("db")); // re-sent PUT while running: still one operation
    assertThat(again.status()).isEqualTo(202);
    assertThat(count("SELECT count(*) FROM operations WHERE resource_id = 'i1'")).isEqualTo(1);

    Api.Result poll = osb("GET", "/service_instances/i1/last_operation?operation=op-1", null);
    assertThat(poll.status()).isEqualTo(200);
    assertThat(poll.json()).containsEntry("state", "in progress");
    assertThat(lastOperation("i1")).containsEntry("state", "in progress");

    assertThat(osb("GET", "/service_instances/i1/last_operation?operation=op-1", null).json()).containsEntry("state", "succeeded");
    assertThat(instance("i1")).containsEntry("ready", true);
    assertThat(lastOperation("i1")).containsEntry("state", "succeeded");
  }

  @Test
  void aFailedAsyncProvisionRemovesTheInstance() throws Exception {
    visible(smallPlanId, platformId);
    broker.on(Route.PROVISION, Responder.async("op-1"));
    broker.on(Route.INSTANCE_LAST_OPERATION, Responder.respond(200, Map.of("state", "failed", "description", "no capacity")));
    provision("i1", k8sContext("db"));

    Api.Result poll = osb("GET", "/service_instances/i1/last_operation", null);

    assertThat(poll.status()).isEqualTo(200);
    assertThat(poll.json()).containsEntry("state", "failed").containsEntry("description", "no capacity");
    assertThat(instance("i1")).isNull();
    assertThat(lastOperation("i1")).containsEntry("state", "failed").containsEntry("description", "no capacity");
    assertThat((String) lastOperation("i1").get("errors")).contains("no capacity");
  }

  @Test
  void a410WhilePollingAProvisionIsIgnored() throws Exception {
    visible(smallPlanId, platformId);
    broker.on(Route.PROVISION, Responder.async("op-1"));
    broker.on(Route.INSTANCE_LAST_OPERATION, Responder.gone());
    provision("i1", k8sContext("db"));
    assertThat(osb("GET", "/service_instances/i1/last_operation", null).status()).isEqualTo(410);
    assertThat(instance("i1")).containsEntry("ready", false);
    assertThat(lastOperation("i1")).containsEntry("state", "in progress");
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 409, 422, 500})
  void aRefusedProvisionIsPassedBackAndStoresNothing(int status) throws Exception {
    visible(smallPlanId, platformId);
    broker.on(Route.PROVISION, Responder.error(status, status == 422 ? "AsyncRequired" : null, "refused"));
    Api.Result result = provision("i1", k8sContext("db"));
    assertThat(result.status()).isEqualTo(status);
    assertThat(result.string("description")).as("passed through unchanged").isEqualTo("refused");
    if (status == 422) {
      assertThat(result.error()).isEqualTo("AsyncRequired");
    }
    assertThat(count("SELECT count(*) FROM service_instances")).isZero();
    assertThat(count("SELECT count(*) FROM operations")).isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {200, 410})
  void deprovision200Or410DeletesTheInstanceAndItsBindings(int status) throws Exception {
    provisioned("i1");
    assertThat(osb("PUT", "/service_instances/i1/service_bindings/b1", bindBody()).status()).isEqualTo(201);
    broker.on(Route.DEPROVISION, Responder.respond(status, Map.of()));

    Api.Result result = osb("DELETE", "/service_instances/i1?service_id=service-0&plan_id=plan-0-0", null);

    assertThat(result.status()).isEqualTo(status);
    assertThat(broker.requests(Route.DEPROVISION).get(0).query()).containsEntry("service_id", "service-0");
    assertThat(instance("i1")).isNull();
    assertThat(count("SELECT count(*) FROM service_bindings")).isZero();
    assertThat(lastOperation("i1")).containsEntry("type", "delete").containsEntry("state", "succeeded");
  }

  @Test
  void deprovision202IsInProgressUntilAPollAnswers410() throws Exception {
    provisioned("i1");
    broker.on(Route.DEPROVISION, Responder.async("del-1"));
    broker.on(Route.INSTANCE_LAST_OPERATION, Responder.sequence(
        Responder.respond(200, Map.of("state", "in progress")), Responder.gone()));

    assertThat(osb("DELETE", "/service_instances/i1?service_id=service-0&plan_id=plan-0-0&accepts_incomplete=true", null).status())
        .isEqualTo(202);
    assertThat(instance("i1")).isNotNull();
    assertThat(lastOperation("i1")).containsEntry("type", "delete").containsEntry("state", "in progress")
        .containsEntry("external_id", "del-1");

    assertThat(osb("GET", "/service_instances/i1/last_operation", null).status()).isEqualTo(200);
    assertThat(instance("i1")).isNotNull();
    assertThat(osb("GET", "/service_instances/i1/last_operation", null).status()).isEqualTo(410);
    assertThat(instance("i1")).isNull();
    assertThat(lastOperation("i1")).containsEntry("type", "delete").containsEntry("state", "succeeded");
  }

  @Test
  void anAsyncDeprovisionThatSucceedsDeletesTheInstance() throws Exception {
    provisioned("i1");
    broker.on(Route.DEPROVISION, Responder.async("del-1"));
    osb("DELETE", "/service_instances/i1?service_id=service-0&plan_id=plan-0-0&accepts_incomplete=true", null);
    assertThat(osb("GET", "/service_instances/i1/last_operation", null).json()).containsEntry("state", "succeeded");
    assertThat(instance("i1")).isNull();
    assertThat(lastOperation("i1")).containsEntry("state", "succeeded");
  }

  @Test
  void aFailedAsyncDeprovisionKeepsTheInstanceAndRecordsUsability() throws Exception {
    provisioned("i1");
    broker.on(Route.DEPROVISION, Responder.async("del-1"));
    broker.on(Route.INSTANCE_LAST_OPERATION,
        Responder.respond(200, Map.of("state", "failed", "description", "locked", "instance_usable", false)));
    osb("DELETE", "/service_instances/i1?service_id=service-0&plan_id=plan-0-0&accepts_incomplete=true", null);
    osb("GET", "/service_instances/i1/last_operation", null);
    assertThat(instance("i1")).containsEntry("usable", false);
    assertThat(lastOperation("i1")).containsEntry("type", "delete").containsEntry("state", "failed");
  }

  @Test
  void deprovision422KeepsTheInstance() throws Exception {
    provisioned("i1");
    broker.on(Route.DEPROVISION, Responder.error(422, "ConcurrencyError", "busy"));
    Api.Result result = osb("DELETE", "/service_instances/i1?service_id=service-0&plan_id=plan-0-0", null);
    assertThat(result.status()).isEqualTo(422);
    assertThat(result.error()).isEqualTo("ConcurrencyError");
    assertThat(instance("i1")).isNotNull();
    assertThat(lastOperation("i1")).containsEntry("type", "create");
  }

  @Test
  void update200ChangesPlanAndContext() throws Exception {
    provisioned("i1");
    visible(largePlanId, platformId);
    Api.Result result = osb("PATCH", "/service_instances/i1", updateBody(LARGE, k8sContext("renamed")));
    assertThat(result.status()).isEqualTo(200);
    assertThat(instance("i1")).containsEntry("service_plan_id", largePlanId);
    assertThat((String) instance("i1").get("context")).contains("renamed");
    assertThat(lastOperation("i1")).containsEntry("type", "update").containsEntry("state", "succeeded");
  }

  @Test
  void update202SavesPreviousValuesAndAFailedPollRestoresThem() throws Exception {
    provisioned("i1");
    visible(largePlanId, platformId);
    broker.on(Route.UPDATE, Responder.async("upd-1"));
    broker.on(Route.INSTANCE_LAST_OPERATION,
        Responder.respond(200, Map.of("state", "failed", "description", "quota", "instance_usable", false)));

    assertThat(osb("PATCH", "/service_instances/i1?accepts_incomplete=true", updateBody(LARGE, k8sContext("renamed"))).status())
        .isEqualTo(202);
    Map<String, Object> during = instance("i1");
    assertThat(during).containsEntry("service_plan_id", largePlanId);
    assertThat((String) during.get("previous_values")).contains(smallPlanId);
    assertThat(lastOperation("i1")).containsEntry("type", "update").containsEntry("state", "in progress")
        .containsEntry("external_id", "upd-1");

    osb("GET", "/service_instances/i1/last_operation?operation=upd-1&plan_id=plan-0-0", null);

    Map<String, Object> after = instance("i1");
    assertThat(after).containsEntry("service_plan_id", smallPlanId).containsEntry("usable", false)
        .containsEntry("previous_values", null);
    assertThat((String) after.get("context")).contains("db-i1").doesNotContain("renamed");
    assertThat(lastOperation("i1")).containsEntry("state", "failed");
  }

  @Test
  void update202ThenSucceededKeepsTheNewValues() throws Exception {
    provisioned("i1");
    visible(largePlanId, platformId);
    broker.on(Route.UPDATE, Responder.async("upd-1"));
    osb("PATCH", "/service_instances/i1?accepts_incomplete=true", updateBody(LARGE, k8sContext("db-i1")));
    assertThat(osb("GET", "/service_instances/i1/last_operation", null).json()).containsEntry("state", "succeeded");
    assertThat(instance("i1")).containsEntry("service_plan_id", largePlanId).containsEntry("previous_values", null)
        .containsEntry("usable", true);
    assertThat(lastOperation("i1")).containsEntry("type", "update").containsEntry("state", "succeeded");
  }

  @Test
  void update422IsPassedBackAndChangesNothing() throws Exception {
    provisioned("i1");
    visible(largePlanId, platformId);
    broker.on(Route.UPDATE, Responder.error(422, "MaintenanceInfoConflict", "old version"));
    Api.Result result = osb("PATCH", "/service_instances/i1", updateBody(LARGE, k8sContext("db-i1")));
    assertThat(result.status()).isEqualTo(422);
    assertThat(result.error()).isEqualTo("MaintenanceInfoConflict");
    assertThat(instance("i1")).containsEntry("service_plan_id", smallPlanId);
    assertThat(lastOperation("i1")).containsEntry("type", "create");
  }

  @Test
  void aPlanTheCallerCannotSeeIs400AndTheBrokerIsNotCalled() throws Exception {
    Api.Result result = provision("i1", k8sContext("db"));
    assertThat(result.status()).isEqualTo(400);
    assertThat(result.error()).isEqualTo("ServicePlanNotFound");
    assertThat(result.string("description")).isEqualTo("service plan not found or not accessible");
    assertThat(broker.requests(Route.PROVISION)).isEmpty();
    assertThat(count("SELECT count(*) FROM service_instances")).isZero();
  }

  @Test
  void aPlanUnknownToTheBrokerIs400() {
    Api.Result result = osb("PUT", "/service_instances/i1", provisionBody("no-such-plan", k8sContext("db")));
    assertThat(result.status()).isEqualTo(400);
    assertThat(result.error()).isEqualTo("ServicePlanNotFound");
  }

  @Test
  void aPlanChangeToAnInvisiblePlanIs400() throws Exception {
    provisioned("i1");
    Api.Result result = osb("PATCH", "/service_instances/i1", updateBody(LARGE, k8sContext("db-i1")));
    assertThat(result.status()).isEqualTo(400);
    assertThat(result.error()).isEqualTo("ServicePlanNotFound");
    assertThat(broker.requests(Route.UPDATE)).isEmpty();
  }

  @Test
  void anotherPlatformsInstanceIs404ForEveryCallAndTheBrokerIsNotCalled() {
    provisioned("i1");
    Map<String, Object> other = createPlatform("k8s-two", "kubernetes");
    visible(smallPlanId, (String) other.get("id"));
    String auth = auth(other);
    Map<String, String> version = Map.of("X-Broker-API-Version", "2.17");
    int before = broker.requests().size();

    Api.Result[] results = {
      send(auth, "GET", base() + "/service_instances/i1", null, version),
      send(auth, "PUT", base() + "/service_instances/i1", provisionBody(SMALL, k8sContext("mine")), version),
      send(auth, "PATCH", base() + "/service_instances/i1", updateBody(SMALL, k8sContext("x")), version),
      send(auth, "DELETE", base() + "/service_instances/i1?service_id=service-0&plan_id=plan-0-0", null, version),
      send(auth, "GET", base() + "/service_instances/i1/last_operation", null, version),
      send(auth, "PUT", base() + "/service_instances/i1/service_bindings/b1", bindBody(), version),
      send(auth, "GET", base() + "/service_instances/i1/service_bindings/b1/last_operation", null, version),
    };

    for (Api.Result result : results) {
      assertThat(result.status()).as(result.toString()).isEqualTo(404);
      assertThat(result.error()).isEqualTo("NotFound");
    }
    assertThat(broker.requests()).hasSize(before);
  }

  @Test
  void aSuspendedPlatformCannotProvisionOrUpdateButCanDeprovision() throws Exception {
    provisioned("i1");
    exec("UPDATE platforms SET suspended = true WHERE id = '" + platformId + "'");
    Api.Result put = provision("i2", k8sContext("db2"));
    Api.Result patch = osb("PATCH", "/service_instances/i1", updateBody(SMALL, k8sContext("x")));
    assertThat(put.status()).isEqualTo(400);
    assertThat(put.error()).isEqualTo("BadRequest");
    assertThat(put.string("description")).contains("suspended");
    assertThat(patch.status()).isEqualTo(400);
    assertThat(broker.requests(Route.UPDATE)).isEmpty();
    assertThat(osb("DELETE", "/service_instances/i1?service_id=service-0&plan_id=plan-0-0", null).status()).isEqualTo(200);
  }

  @Test
  void cloudFoundryNeedsTheOrgAndAVisibilityForIt() throws Exception {
    Map<String, Object> cf = createPlatform("cf-one", "cloudfoundry");
    String cfId = (String) cf.get("id");
    visible(smallPlanId, cfId, "org-a");
    Map<String, String> version = Map.of("X-Broker-API-Version", "2.17");
    Map<String, Object> noOrg = new LinkedHashMap<>(Map.of("platform", "cloudfoundry", "space_guid", "s"));
    Map<String, Object> orgB = new LinkedHashMap<>(Map.of("platform", "cloudfoundry", "organization_guid", "org-b"));
    Map<String, Object> orgA = new LinkedHashMap<>(Map.of("platform", "cloudfoundry", "organization_guid", "org-a"));

    Api.Result missing = send(auth(cf), "PUT", base() + "/service_instances/c1", provisionBody(SMALL, noOrg), version);
    Api.Result otherOrg = send(auth(cf), "PUT", base() + "/service_instances/c1", provisionBody(SMALL, orgB), version);
    Api.Result ok = send(auth(cf), "PUT", base() + "/service_instances/c1", provisionBody(SMALL, orgA), version);

    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.string("description")).contains("organization_guid");
    assertThat(otherOrg.status()).isEqualTo(400);
    assertThat(otherOrg.error()).isEqualTo("ServicePlanNotFound");
    assertThat(ok.status()).isEqualTo(201);
    assertThat(broker.requests(Route.PROVISION)).hasSize(1);
    assertThat(instance("c1")).containsEntry("platform_id", cfId);
  }

  @Test
  void cloudFoundryMayUseAPublicPlanFromAnyOrg() {
    Map<String, Object> cf = createPlatform("cf-one", "cloudfoundry");
    visible(largePlanId, null);
    Map<String, Object> context = Map.of("platform", "cloudfoundry", "organization_guid", "any-org");
    Api.Result result = send(auth(cf), "PUT", base() + "/service_instances/c1", provisionBody(LARGE, context),
        Map.of("X-Broker-API-Version", "2.17"));
    assertThat(result.status()).isEqualTo(201);
  }

  static String updateBody(String planId, Map<String, Object> context) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("service_id", SERVICE);
    body.put("plan_id", planId);
    body.put("context", context);
    return Api.toJson(body);
  }

  static String bindBody() {
    return Api.toJson(Map.of("service_id", SERVICE, "plan_id", SMALL));
  }
}

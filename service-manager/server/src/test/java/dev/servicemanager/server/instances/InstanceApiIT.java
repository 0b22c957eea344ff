package dev.servicemanager.server.instances;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.testkit.FakeBroker;
import dev.servicemanager.testkit.FakeCatalog;
import dev.servicemanager.testkit.RecordedRequest;
import dev.servicemanager.testkit.Responder;
import dev.servicemanager.testkit.Route;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@MicronautTest(transactional = false)
class InstanceApiIT extends InstanceTestBase {
  private String planId;

  @BeforeEach
  void setUp() {
    planId = registerPublicBroker();
    broker.reset();
  }

  @Test
  void asyncCreateAnswers202AndTheOperationProvisionsAtTheBroker() {
    Api.Result accepted = createInstance("db-1", planId, "");
    assertThat(accepted.json()).isEmpty();
    assertThat(accepted.header("Location")).matches("/v1/service_instances/[^/]+/operations/[^/]+");

    Map<String, Object> op = awaitOperation(accepted);
    assertThat(op).containsEntry("state", "succeeded").containsEntry("type", "create")
        .containsEntry("resource_type", "/v1/service_instances").containsEntry("platform_id", "service-manager");
    String id = op.get("resource_id").toString();
    Api.Result instance = admin().get("/v1/service_instances/" + id);
    assertThat(instance.json()).containsEntry("ready", true).containsEntry("usable", true)
        .containsEntry("name", "db-1").containsEntry("service_plan_id", planId);
    assertThat(map(instance.json().get("last_operation"))).containsEntry("state", "succeeded");

    List<RecordedRequest> provisions = broker.requests(Route.PROVISION);
    assertThat(provisions).hasSize(1);
    RecordedRequest put = provisions.get(0);
    assertThat(put.path()).isEqualTo("/v2/service_instances/" + id);
    assertThat(put.query()).containsEntry("accepts_incomplete", "true");
    assertThat(put.header(FakeBroker.API_VERSION_HEADER)).isEqualTo("2.17");
    assertThat(put.header(FakeBroker.REQUEST_IDENTITY_HEADER)).isNotBlank();
    assertThat(put.header("Authorization")).isEqualTo(broker.authorizationHeader());
    String identity = put.header("X-Broker-API-Originating-Identity");
    assertThat(identity).startsWith("service-manager ");
    assertThat(new String(Base64.getDecoder().decode(identity.substring("service-manager ".length())), StandardCharsets.UTF_8))
        .isEqualTo("{\"username\":\"admin\"}");
    assertThat(put.json()).containsEntry("service_id", FakeCatalog.DEFAULT_SERVICE_ID)
        .containsEntry("plan_id", FakeCatalog.SMALL_PLAN_ID)
        .containsEntry("organization_guid", "-").containsEntry("space_guid", "-");
    assertThat(map(put.json().get("context"))).containsEntry("platform", "service-manager").containsEntry("instance_name", "db-1");
  }

  @Test
  void syncCreateAnswers201WithTheReadyInstanceAndSendsParameters() throws Exception {
    Api.Result created =
        admin().post("/v1/service_instances?async=false",
            Map.of("name", "db-sync", "service_plan_id", planId, "parameters", Map.of("size", 3), "labels", Map.of("env", list("dev"))));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    assertThat(created.json()).containsEntry("ready", true);
    assertThat(map(created.json().get("labels"))).containsEntry("env", List.of("dev"));
    assertThat(map(broker.requests(Route.PROVISION).get(0).json().get("parameters"))).containsEntry("size", 3);
    assertThat(count("SELECT count(*) FROM operations WHERE context ? 'parameters'"))
        .as("parameters are kept only until the operation finishes").isZero();
  }

  @Test
  void asyncBrokerIsPolledUntilItSucceeds() {
    broker.on(Route.PROVISION, Responder.async("op-1"));
    broker.pollsBeforeSuccess(Route.INSTANCE_LAST_OPERATION, 2);
    Map<String, Object> op = awaitOperation(createInstance("db-async", planId, ""));
    assertThat(op).containsEntry("state", "succeeded");
    List<RecordedRequest> polls = broker.requests(Route.INSTANCE_LAST_OPERATION);
    assertThat(polls).hasSizeGreaterThanOrEqualTo(3);
    assertThat(polls.get(0).query()).containsEntry("operation", "op-1")
        .containsEntry("service_id", FakeCatalog.DEFAULT_SERVICE_ID).containsEntry("plan_id", FakeCatalog.SMALL_PLAN_ID);
    assertThat(admin().get("/v1/service_instances/" + op.get("resource_id")).json()).containsEntry("ready", true);
  }

  @Test
  void aPlanNotVisibleToTheServiceManagerIsNotFound() throws Exception {
    String hidden = planIdFor(FakeCatalog.LARGE_PLAN_ID);
    admin().delete("/v1/visibilities?fieldQuery=" + Api.q("service_plan_id eq '" + hidden + "'"));
    Api.Result result = createInstance("hidden", hidden, "");
    assertThat(result.status()).isEqualTo(404);
    assertThat(result.string("description")).isEqualTo("could not find such service plan");
    assertThat(count("SELECT count(*) FROM service_instances")).isZero();
    assertThat(broker.requests(Route.PROVISION)).isEmpty();
  }

  @Test
  void badBodiesAre400AndStoreNothing() throws Exception {
    assertThat(admin().send("POST", "/v1/service_instances", "application/json", "{\"name\": ").status()).isEqualTo(400);
    assertThat(admin().post("/v1/service_instances", Map.of("name", "x", "service_plan_id", planId, "colour", "red")).status())
        .isEqualTo(400);
    assertThat(admin().post("/v1/service_instances", Map.of("name", 5, "service_plan_id", planId)).status()).isEqualTo(400);
    assertThat(admin().post("/v1/service_instances", Map.of("service_plan_id", planId)).status()).isEqualTo(400);
    assertThat(admin().post("/v1/service_instances", Map.of("name", "x", "service_plan_id", planId, "shared", true)).status())
        .isEqualTo(400);
    assertThat(admin().post("/v1/service_instances", Map.of("name", "x", "service_plan_id", planId, "platform_id", "cf")).status())
        .isEqualTo(400);
    assertThat(admin().post("/v1/service_instances?async=maybe", Map.of("name", "x", "service_plan_id", planId)).status())
        .isEqualTo(400);
    assertThat(count("SELECT count(*) FROM service_instances")).isZero();
    assertThat(count("SELECT count(*) FROM operations")).isZero();
  }

  @Test
  void namesAreUnique() {
    readyInstance("same", planId);
    Api.Result second = createInstance("same", planId, "");
    assertThat(second.status()).isEqualTo(409);
    assertThat(second.string("description")).isEqualTo("instance with same name exists for the current tenant");
  }

  @Test
  void listsQueriesAndAttachesLastOperations() {
    String a = readyInstance("list-a", planId);
    readyInstance("list-b", planId);
    Api.Result filtered = admin().get("/v1/service_instances?fieldQuery=" + Api.q("name eq 'list-a'") + "&attach_last_operations=true");
    assertThat(filtered.ids()).containsExactly(a);
    assertThat(map(filtered.items().get(0).get("last_operation"))).containsEntry("state", "succeeded");
    assertThat(admin().get("/v1/service_instances").items().get(0)).doesNotContainKey("last_operation");
    assertThat(admin().get("/v1/service_instances?max_items=1").header("Link")).contains("rel=\"next\"");
  }

  @Test
  void deleteDeprovisionsAndRemovesTheInstance() {
    String id = readyInstance("to-delete", planId);
    Map<String, Object> op = awaitOperation(admin().delete("/v1/service_instances/" + id));
    assertThat(op).containsEntry("state", "succeeded").containsEntry("type", "delete");
    assertThat(admin().get("/v1/service_instances/" + id).status()).isEqualTo(404);
    RecordedRequest delete = broker.requests(Route.DEPROVISION).get(0);
    assertThat(delete.query()).containsEntry("accepts_incomplete", "true")
        .containsEntry("service_id", FakeCatalog.DEFAULT_SERVICE_ID).containsEntry("plan_id", FakeCatalog.SMALL_PLAN_ID);
    assertThat(admin().get("/v1/service_instances/" + id + "/operations/" + op.get("id")).status())
        .as("operations outlive their resources").isEqualTo(200);
  }

  @Test
  void deleteOfAnInstanceTheBrokerNoLongerKnowsSucceeds() {
    String id = readyInstance("gone", planId);
    broker.on(Route.DEPROVISION, Responder.gone());
    assertThat(awaitOperation(admin().delete("/v1/service_instances/" + id))).containsEntry("state", "succeeded");
    assertThat(admin().get("/v1/service_instances/" + id).status()).isEqualTo(404);
  }

  @Test
  void deleteIsRetriedWhileTheBrokerFailsAndTheInstanceIsNotUsableMeanwhile() {
    String id = readyInstance("flaky", planId);
    broker.on(Route.DEPROVISION, Responder.failTimesThen(3, 503, Responder.defaults()));
    Map<String, Object> op = awaitOperation(admin().delete("/v1/service_instances/" + id));
    assertThat(op).containsEntry("state", "succeeded");
    assertThat(broker.requests(Route.DEPROVISION)).hasSize(4);
    assertThat(admin().get("/v1/service_instances/" + id).status()).isEqualTo(404);
  }

  @Test
  void forceDeleteRemovesTheRecordWhenTheBrokerKeepsFailing() {
    String id = readyInstance("forced", planId);
    broker.on(Route.DEPROVISION, Responder.error(500, null, "broken"));
    Map<String, Object> op = awaitOperation(admin().delete("/v1/service_instances/" + id + "?force=true"));
    assertThat(op).containsEntry("state", "succeeded");
    assertThat(op.get("description").toString()).contains("force=true").contains("broker answered 500");
    assertThat(admin().get("/v1/service_instances/" + id).status()).isEqualTo(404);
  }

  @Test
  void secondOperationWhileOneIsInProgressIs422() {
    broker.on(Route.PROVISION, Responder.async("slow"));
    // The deprovision is slow too, so the delete is still running when the next requests arrive.
    broker.on(Route.DEPROVISION, Responder.async("slow-delete"));
    broker.on(Route.INSTANCE_LAST_OPERATION, Responder.lastOperationSequence("in progress"));
    Api.Result accepted = createInstance("busy", planId, "");
    String id = accepted.header("Location").split("/")[3];
    Api.Result patch = admin().patch("/v1/service_instances/" + id, Map.of("parameters", Map.of("a", 1)));
    assertThat(patch.status()).isEqualTo(422);
    assertThat(patch.error()).isEqualTo("ConcurrentOperationInProgress");

    Api.Result delete = admin().delete("/v1/service_instances/" + id);
    assertThat(delete.status()).as("a delete is allowed while a create runs").isEqualTo(202);
    Api.Result again = admin().delete("/v1/service_instances/" + id);
    assertThat(again.status()).isEqualTo(422);
    assertThat(again.string("description")).isEqualTo("Deletion is currently in progress for this resource");
    Api.Result joined = admin().delete("/v1/service_instances/" + id + "?cascade=true");
    assertThat(joined.status()).as("a cascade delete joins the running delete").isEqualTo(202);
    assertThat(joined.header("Location")).isEqualTo(delete.header("Location"));

    eventually("the create gives way to the delete",
        () -> !"in progress".equals(admin().get(accepted.header("Location")).string("state")));
    assertThat(admin().get(accepted.header("Location")).json()).containsEntry("state", "failed");
  }

  @Test
  void planChangeGoesToTheBrokerAsAnUpdate() {
    String id = readyInstance("to-update", planId);
    String large = planIdFor(FakeCatalog.LARGE_PLAN_ID);
    Map<String, Object> op = awaitOperation(admin().patch("/v1/service_instances/" + id, Map.of("service_plan_id", large)));
    assertThat(op).containsEntry("state", "succeeded").containsEntry("type", "update");
    assertThat(admin().get("/v1/service_instances/" + id).json()).containsEntry("service_plan_id", large);
    RecordedRequest update = broker.requests(Route.UPDATE).get(0);
    assertThat(update.json()).containsEntry("plan_id", FakeCatalog.LARGE_PLAN_ID);
    assertThat(map(update.json().get("previous_values"))).containsEntry("plan_id", FakeCatalog.SMALL_PLAN_ID);
  }

  @Test
  void failedUpdateKeepsThePlan() {
    String id = readyInstance("update-fails", planId);
    broker.on(Route.UPDATE, Responder.error(400, null, "no such thing"));
    Map<String, Object> op =
        awaitOperation(admin().patch("/v1/service_instances/" + id, Map.of("service_plan_id", planIdFor(FakeCatalog.LARGE_PLAN_ID))));
    assertThat(op).containsEntry("state", "failed");
    assertThat(map(op.get("errors"))).containsEntry("error", "BadRequest");
    assertThat(admin().get("/v1/service_instances/" + id).json()).containsEntry("service_plan_id", planId);
  }

  @Test
  void renameAndLabelsAreLocalAndSynchronous() {
    String id = readyInstance("old-name", planId);
    Api.Result patched =
        admin().patch("/v1/service_instances/" + id,
            Map.of("name", "new-name", "labels", List.of(Map.of("op", "add", "key", "team", "values", List.of("a")))));
    assertThat(patched.status()).isEqualTo(200);
    assertThat(patched.json()).containsEntry("name", "new-name");
    assertThat(map(patched.json().get("labels"))).containsEntry("team", List.of("a"));
    assertThat(broker.requests(Route.UPDATE)).isEmpty();
    assertThat(admin().patch("/v1/service_instances/" + id, Map.of("platform_id", "other")).status()).isEqualTo(400);
  }

  @Test
  @SuppressWarnings("unchecked")
  void parametersAreFetchedFromTheBrokerOnlyWhenTheOfferingAllowsIt() {
    String id = readyInstance("params", planId);
    Map<String, Object> catalog = broker.catalog();
    Map<String, Object> service = (Map<String, Object>) ((List<Object>) catalog.get("services")).get(0);

    service.put("instances_retrievable", false);
    broker.catalog(catalog);
    assertThat(admin().patch("/v1/service_brokers/" + brokerId, Map.of()).status()).isEqualTo(200);
    Api.Result refused = admin().get("/v1/service_instances/" + id + "/parameters");
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.string("description")).contains("instances_retrievable");
    assertThat(broker.requests(Route.FETCH_INSTANCE)).isEmpty();

    service.put("instances_retrievable", true);
    broker.catalog(catalog);
    assertThat(admin().patch("/v1/service_brokers/" + brokerId, Map.of()).status()).isEqualTo(200);
    Api.Result fetched = admin().get("/v1/service_instances/" + id + "/parameters");
    assertThat(fetched.status()).as(fetched.toString()).isEqualTo(200);
    assertThat(broker.requests(Route.FETCH_INSTANCE)).hasSize(1);
    assertThat(broker.requests(Route.FETCH_INSTANCE).get(0).query())
        .containsEntry("service_id", FakeCatalog.DEFAULT_SERVICE_ID).containsEntry("plan_id", FakeCatalog.SMALL_PLAN_ID);
    assertThat(admin().get("/v1/service_instances/" + id + "/parameters?async=true").status()).isEqualTo(400);
  }

  @Test
  void unknownIdsAre404() {
    assertThat(admin().get("/v1/service_instances/nope").status()).isEqualTo(404);
    assertThat(admin().delete("/v1/service_instances/nope").status()).isEqualTo(404);
    assertThat(admin().patch("/v1/service_instances/nope", Map.of("name", "x")).status()).isEqualTo(404);
    String id = readyInstance("ops", planId);
    assertThat(admin().get("/v1/service_instances/" + id + "/operations/nope").status()).isEqualTo(404);
  }

  @Test
  void platformsMayNotUseTheInstancesApi() {
    Api platform = platformClient(createPlatform("cf-1", "cloudfoundry"));
    assertThat(platform.get("/v1/service_instances").status()).isEqualTo(403);
    assertThat(anonymous().get("/v1/service_instances").status()).isEqualTo(401);
    assertThat(anonymous().get("/v1/operations").status()).isEqualTo(401);
  }

  @Test
  void operationsAreListedWithQueries() {
    String id = readyInstance("listed", planId);
    Api.Result ops = admin().get("/v1/operations?fieldQuery=" + Api.q("resource_id eq '" + id + "'"));
    assertThat(ops.status()).isEqualTo(200);
    assertThat(ops.items()).hasSize(1);
    assertThat(ops.items().get(0)).containsEntry("state", "succeeded").doesNotContainKeys("step", "context", "external_id");
    assertThat(admin().get("/v1/operations?labelQuery=" + Api.q("a eq 'b'")).status()).isEqualTo(400);
  }
}

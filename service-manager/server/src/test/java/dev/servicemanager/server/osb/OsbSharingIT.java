package dev.servicemanager.server.osb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.testkit.FakeCatalog;
import dev.servicemanager.testkit.RecordedRequest;
import dev.servicemanager.testkit.Route;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Instance sharing through the OSB endpoint (reference 3.5, instance sharing plugin): a database
 * provisioned from Kubernetes (platform A, the base class's platform) is shared by an administrator
 * and used from Cloud Foundry (platform B) through a reference instance.
 */
@MicronautTest(transactional = false)
class OsbSharingIT extends OsbTestBase {
  /** The reference plan's catalog id as SM stores and serves it. */
  private static final String REFERENCE = "sm-reference-instance-" + SERVICE;
  /** A second offering, also with a shareable plan. */
  private static final String OTHER_SERVICE = FakeCatalog.serviceId(1);
  private static final String OTHER_PLAN = FakeCatalog.planId(1, 0);
  private static final Map<String, String> VERSION = Map.of("X-Broker-API-Version", "2.17");

  private String referencePlanId;
  private String cfId;
  private String cfAuth;

  @BeforeEach
  @SuppressWarnings("unchecked")
  void shareableCatalogAndCloudFoundry() throws Exception {
    Map<String, Object> catalog = FakeCatalog.defaultCatalog();
    List<Object> services = (List<Object>) catalog.get("services");
    Map<String, Object> small = (Map<String, Object>) ((List<Object>) ((Map<String, Object>) services.get(0)).get("plans")).get(0);
    small.put("metadata", Map.of("supportsInstanceSharing", true));
    Map<String, Object> other = (Map<String, Object>) ((List<Object>) FakeCatalog.generate(2, 1).get("services")).get(1);
    ((Map<String, Object>) ((List<Object>) other.get("plans")).get(0)).put("metadata", Map.of("supportsInstanceSharing", true));
    services.add(other);
    broker.catalog(catalog);
    Api.Result refresh = admin().patch("/v1/service_brokers/" + brokerId, Map.of());
    assertThat(refresh.status()).as(refresh.toString()).isEqualTo(200);
    referencePlanId = (String) row("SELECT id FROM service_plans WHERE catalog_id = '" + REFERENCE + "'").get("id");

    Map<String, Object> cf = createPlatform("cf-one", "cloudfoundry");
    cfId = (String) cf.get("id");
    cfAuth = auth(cf);
    visible(smallPlanId, platformId);
    visible(referencePlanId, null); // public: every platform, and every CF org
  }

  // ------------------------------------------------------------------ helpers

  private Api.Result cf(String method, String path, String body) {
    return send(cfAuth, method, base() + path, body, VERSION);
  }

  private static Map<String, Object> cfContext(String name) {
    Map<String, Object> context = new LinkedHashMap<>();
    context.put("platform", "cloudfoundry");
    context.put("organization_guid", "org-1");
    context.put("space_guid", "space-1");
    context.put("instance_name", name);
    return context;
  }

  private static String referenceBody(Map<String, Object> parameters) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("service_id", SERVICE);
    body.put("plan_id", REFERENCE);
    body.put("context", cfContext("orders"));
    if (parameters != null) {
      body.put("parameters", parameters);
    }
    return Api.toJson(body);
  }

  private static String referenceTo(String sharedId) {
    return referenceBody(Map.of("referenced_instance_id", sharedId));
  }

  private static String cfBindBody() {
    return Api.toJson(Map.of(
        "service_id", SERVICE,
        "plan_id", REFERENCE,
        "context", cfContext("orders"),
        "bind_resource", Map.of("app_guid", "app-guid-1")));
  }

  /** Platform A provisions the shareable small plan through its OSB endpoint; the administrator shares it. */
  private void sharedDatabase(String id) {
    Api.Result provision = osb("PUT", "/service_instances/" + id, provisionBody(SMALL, k8sContext("orders-db")));
    assertThat(provision.status()).as(provision.toString()).isEqualTo(201);
    Api.Result share = admin().patch("/v1/service_instances/" + id, Map.of("shared", true));
    assertThat(share.status()).as(share.toString()).isEqualTo(200);
    assertThat(share.json()).containsEntry("shared", true).containsEntry("platform_id", platformId);
  }

  /** Every broker request after the first {@code from}, for "the broker was not called" checks. */
  private List<RecordedRequest> requestsSince(int from) {
    List<RecordedRequest> all = broker.requests();
    return all.subList(from, all.size());
  }

  // ------------------------------------------------------------------ the story

  @Test
  @SuppressWarnings("unchecked")
  void aDatabaseCreatedInKubernetesIsUsedFromCloudFoundry() throws Exception {
    sharedDatabase("k8s-db");

    // B sees the reference plan under the catalog id SM stores.
    Map<String, Object> service =
        OsbAccessAndCatalogIT.services(cf("GET", "/catalog", null)).stream()
            .filter(s -> SERVICE.equals(s.get("id")))
            .findFirst()
            .orElseThrow();
    Map<String, Object> referencePlan =
        OsbAccessAndCatalogIT.plans(service).stream().filter(p -> REFERENCE.equals(p.get("id"))).findFirst().orElseThrow();
    assertThat(referencePlan).containsEntry("name", "reference-instance").containsEntry("bindable", true);
    assertThat(OsbAccessAndCatalogIT.metadata(referencePlan)).containsEntry("sm_plan_id", referencePlanId);

    // B provisions a reference: answered by SM, the broker hears nothing.
    int before = broker.requests().size();
    Api.Result created = cf("PUT", "/service_instances/cf-ref?accepts_incomplete=true", referenceTo("k8s-db"));
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    assertThat(created.json()).isEmpty();
    assertThat(requestsSince(before)).isEmpty();
    assertThat(row("SELECT name, service_plan_id, platform_id, referenced_instance_id, ready, usable, shared,"
            + " context->>'organization_guid' AS org FROM service_instances WHERE id = 'cf-ref'"))
        .containsEntry("name", "orders")
        .containsEntry("service_plan_id", referencePlanId)
        .containsEntry("platform_id", cfId)
        .containsEntry("referenced_instance_id", "k8s-db")
        .containsEntry("ready", true)
        .containsEntry("usable", true)
        .containsEntry("shared", false)
        .containsEntry("org", "org-1");
    assertThat(lastOperation("cf-ref"))
        .containsEntry("type", "create")
        .containsEntry("state", "succeeded")
        .containsEntry("resource_type", "/v1/service_instances")
        .containsEntry("platform_id", cfId)
        .containsEntry("step", "tracked")
        .containsEntry("next_attempt_at", null)
        .containsEntry("external_id", null);
    // The same request again is idempotent (OSB 200); the REST API shows the reference.
    Api.Result again = cf("PUT", "/service_instances/cf-ref", referenceTo("k8s-db"));
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json()).isEmpty();
    assertThat(count("SELECT count(*) FROM operations WHERE resource_id = 'cf-ref'")).isEqualTo(1);
    assertThat(admin().get("/v1/service_instances/cf-ref").json())
        .containsEntry("referenced_instance_id", "k8s-db")
        .containsEntry("platform_id", cfId);

    // Fetch and last_operation of the reference come from SM.
    Api.Result fetched = cf("GET", "/service_instances/cf-ref", null);
    assertThat(fetched.status()).isEqualTo(200);
    assertThat(fetched.json())
        .isEqualTo(Map.of("service_id", SERVICE, "plan_id", REFERENCE, "parameters", Map.of("referenced_instance_id", "k8s-db")));
    Api.Result polled = cf("GET", "/service_instances/cf-ref/last_operation", null);
    assertThat(polled.status()).isEqualTo(200);
    assertThat(polled.json()).isEqualTo(Map.of("state", "succeeded"));
    assertThat(requestsSince(before)).isEmpty();

    // B binds its app: the broker binds A's instance, with A's plan; SM records the binding under the reference.
    Api.Result bound = cf("PUT", "/service_instances/cf-ref/service_bindings/cf-app", cfBindBody());
    assertThat(bound.status()).as(bound.toString()).isEqualTo(201);
    assertThat((Map<String, Object>) bound.json().get("credentials")).containsEntry("username", "u-cf-app");
    List<RecordedRequest> binds = broker.requests(Route.BIND);
    assertThat(binds).hasSize(1);
    RecordedRequest bind = binds.get(0);
    assertThat(bind.path()).isEqualTo("/v2/service_instances/k8s-db/service_bindings/cf-app");
    assertThat(bind.instanceId()).isEqualTo("k8s-db");
    assertThat(bind.bindingId()).isEqualTo("cf-app");
    Map<String, Object> bindBody = bind.json();
    assertThat(bindBody).containsEntry("plan_id", SMALL).containsEntry("service_id", SERVICE);
    assertThat(bindBody.get("bind_resource")).isEqualTo(Map.of("app_guid", "app-guid-1"));
    assertThat(bindBody.get("context")).isEqualTo(cfContext("orders"));
    assertThat(broker.bindingInstanceId("cf-app")).isEqualTo("k8s-db");
    assertThat(row("SELECT service_instance_id, ready FROM service_bindings WHERE id = 'cf-app'"))
        .containsEntry("service_instance_id", "cf-ref")
        .containsEntry("ready", true);
    assertThat(lastOperation("cf-app")).containsEntry("type", "create").containsEntry("state", "succeeded")
        .containsEntry("platform_id", cfId);

    // Fetch binding and binding last_operation reach the broker for A's instance.
    Api.Result fetchBinding = cf("GET", "/service_instances/cf-ref/service_bindings/cf-app", null);
    assertThat(fetchBinding.status()).as(fetchBinding.toString()).isEqualTo(200);
    assertThat(broker.requests(Route.FETCH_BINDING)).extracting(RecordedRequest::path)
        .containsExactly("/v2/service_instances/k8s-db/service_bindings/cf-app");
    Api.Result bindingPoll =
        cf("GET", "/service_instances/cf-ref/service_bindings/cf-app/last_operation?service_id=" + SERVICE + "&plan_id=" + REFERENCE, null);
    assertThat(bindingPoll.status()).isEqualTo(200);
    assertThat(bindingPoll.json()).containsEntry("state", "succeeded");
    RecordedRequest poll = broker.requests(Route.BINDING_LAST_OPERATION).get(0);
    assertThat(poll.path()).isEqualTo("/v2/service_instances/k8s-db/service_bindings/cf-app/last_operation");
    assertThat(poll.query()).containsEntry("service_id", SERVICE).containsEntry("plan_id", SMALL);
    assertThat(broker.requests(Route.BINDING_LAST_OPERATION)).hasSize(1);

    // While referenced, A cannot deprovision its database; the broker is not asked.
    int beforeA = broker.requests().size();
    Api.Result deleteShared =
        osb("DELETE", "/service_instances/k8s-db?service_id=" + SERVICE + "&plan_id=" + SMALL, null);
    assertThat(deleteShared.status()).isEqualTo(400);
    assertThat(deleteShared.error()).isEqualTo("BadRequest");
    assertThat(deleteShared.string("description")).contains("cf-ref");
    // A reference with a binding is not deprovisioned either: the broker holds that binding on A's instance.
    Api.Result deleteBoundReference =
        cf("DELETE", "/service_instances/cf-ref?service_id=" + SERVICE + "&plan_id=" + REFERENCE, null);
    assertThat(deleteBoundReference.status()).isEqualTo(400);
    assertThat(deleteBoundReference.string("description")).contains("cf-app");
    assertThat(requestsSince(beforeA)).isEmpty();

    // B unbinds: the broker unbinds from A's instance, with A's plan in the query.
    Api.Result unbound =
        cf("DELETE", "/service_instances/cf-ref/service_bindings/cf-app?service_id=" + SERVICE + "&plan_id=" + REFERENCE
            + "&accepts_incomplete=true", null);
    assertThat(unbound.status()).as(unbound.toString()).isEqualTo(200);
    List<RecordedRequest> unbinds = broker.requests(Route.UNBIND);
    assertThat(unbinds).hasSize(1);
    assertThat(unbinds.get(0).path()).isEqualTo("/v2/service_instances/k8s-db/service_bindings/cf-app");
    assertThat(unbinds.get(0).query())
        .isEqualTo(Map.of("service_id", SERVICE, "plan_id", SMALL, "accepts_incomplete", "true"));
    assertThat(broker.bindings()).doesNotContainKey("cf-app");
    assertThat(count("SELECT count(*) FROM service_bindings WHERE id = 'cf-app'")).isZero();

    // B deprovisions the reference: SM answers, A's instance stays at the broker and in SM.
    int beforeDelete = broker.requests().size();
    Api.Result deleted =
        cf("DELETE", "/service_instances/cf-ref?service_id=" + SERVICE + "&plan_id=" + REFERENCE + "&accepts_incomplete=true", null);
    assertThat(deleted.status()).as(deleted.toString()).isEqualTo(200);
    assertThat(deleted.json()).isEmpty();
    assertThat(requestsSince(beforeDelete)).isEmpty();
    assertThat(count("SELECT count(*) FROM service_instances WHERE id = 'cf-ref'")).isZero();
    assertThat(lastOperation("cf-ref")).containsEntry("type", "delete").containsEntry("state", "succeeded")
        .containsEntry("platform_id", cfId);
    assertThat(broker.instances()).containsKey("k8s-db");
    assertThat(count("SELECT count(*) FROM service_instances WHERE id = 'k8s-db'")).isEqualTo(1);

    // Without references A deprovisions as usual, through the broker.
    Api.Result deleteNow = osb("DELETE", "/service_instances/k8s-db?service_id=" + SERVICE + "&plan_id=" + SMALL, null);
    assertThat(deleteNow.status()).isEqualTo(200);
    assertThat(broker.requests(Route.DEPROVISION)).extracting(RecordedRequest::instanceId).containsExactly("k8s-db");
    assertThat(broker.requests(Route.PROVISION)).extracting(RecordedRequest::instanceId).containsExactly("k8s-db");
  }

  // ------------------------------------------------------------------ refusals

  @Test
  void aReferenceNeedsExactlyTheReferencedInstanceIdParameter() throws Exception {
    sharedDatabase("k8s-db");
    int before = broker.requests().size();
    Api.Result none = cf("PUT", "/service_instances/cf-ref", referenceBody(null));
    Api.Result blank = cf("PUT", "/service_instances/cf-ref", referenceBody(Map.of("referenced_instance_id", "")));
    Api.Result extra =
        cf("PUT", "/service_instances/cf-ref", referenceBody(Map.of("referenced_instance_id", "k8s-db", "size", "xl")));
    for (Api.Result result : List.of(none, blank, extra)) {
      assertThat(result.status()).as(result.toString()).isEqualTo(400);
      assertThat(result.error()).isEqualTo("BadRequest");
    }
    assertThat(none.string("description")).contains("referenced_instance_id");
    assertThat(requestsSince(before)).isEmpty();
    assertThat(count("SELECT count(*) FROM service_instances WHERE referenced_instance_id IS NOT NULL")).isZero();
    assertThat(count("SELECT count(*) FROM operations WHERE resource_id = 'cf-ref'")).isZero();
  }

  @Test
  void theTargetMustExistBeSharedAndBelongToTheSameOffering() throws Exception {
    Api.Result provision = osb("PUT", "/service_instances/k8s-db", provisionBody(SMALL, k8sContext("orders-db")));
    assertThat(provision.status()).isEqualTo(201);
    String otherPlanId = (String) row("SELECT id FROM service_plans WHERE catalog_id = '" + OTHER_PLAN + "'").get("id");
    visible(otherPlanId, platformId);
    Map<String, Object> otherBody = new LinkedHashMap<>();
    otherBody.put("service_id", OTHER_SERVICE);
    otherBody.put("plan_id", OTHER_PLAN);
    otherBody.put("context", k8sContext("cache"));
    assertThat(osb("PUT", "/service_instances/k8s-cache", Api.toJson(otherBody)).status()).isEqualTo(201);
    assertThat(admin().patch("/v1/service_instances/k8s-cache", Map.of("shared", true)).status()).isEqualTo(200);
    int before = broker.requests().size();

    Api.Result unknown = cf("PUT", "/service_instances/cf-ref", referenceTo("no-such-instance"));
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.error()).isEqualTo("NotFound");
    assertThat(unknown.string("description")).contains("no-such-instance");

    Api.Result unshared = cf("PUT", "/service_instances/cf-ref", referenceTo("k8s-db"));
    assertThat(unshared.status()).isEqualTo(400);
    assertThat(unshared.error()).isEqualTo("BadRequest");
    assertThat(unshared.string("description")).contains("is not shared");

    Api.Result otherOffering = cf("PUT", "/service_instances/cf-ref", referenceTo("k8s-cache"));
    assertThat(otherOffering.status()).isEqualTo(400);
    assertThat(otherOffering.string("description")).contains("another service offering");

    assertThat(requestsSince(before)).isEmpty();
    assertThat(count("SELECT count(*) FROM service_instances WHERE referenced_instance_id IS NOT NULL")).isZero();
  }

  @Test
  void anIdTakenWithOtherAttributesIs409() throws Exception {
    sharedDatabase("k8s-db");
    sharedDatabase("k8s-db-2");
    assertThat(cf("PUT", "/service_instances/cf-ref", referenceTo("k8s-db")).status()).isEqualTo(201);
    int before = broker.requests().size();

    Api.Result otherTarget = cf("PUT", "/service_instances/cf-ref", referenceTo("k8s-db-2"));
    assertThat(otherTarget.status()).isEqualTo(409);
    assertThat(otherTarget.error()).isEqualTo("Conflict");
    // A broker plan (visible to B) under the reference's id is not forwarded either.
    visible(smallPlanId, cfId, "org-1");
    Map<String, Object> context = cfContext("orders");
    Api.Result brokerPlan = cf("PUT", "/service_instances/cf-ref", provisionBody(SMALL, context));
    assertThat(brokerPlan.status()).isEqualTo(409);
    assertThat(requestsSince(before)).isEmpty();
    assertThat(row("SELECT referenced_instance_id FROM service_instances WHERE id = 'cf-ref'"))
        .containsEntry("referenced_instance_id", "k8s-db");
  }

  @Test
  void aReferenceCannotBeUpdated() throws Exception {
    sharedDatabase("k8s-db");
    assertThat(cf("PUT", "/service_instances/cf-ref", referenceTo("k8s-db")).status()).isEqualTo(201);
    int before = broker.requests().size();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("service_id", SERVICE);
    body.put("plan_id", SMALL);
    body.put("context", cfContext("orders"));
    Api.Result update = cf("PATCH", "/service_instances/cf-ref", Api.toJson(body));
    assertThat(update.status()).isEqualTo(400);
    assertThat(update.string("description")).contains("reference instance cannot change");
    assertThat(requestsSince(before)).isEmpty();
    assertThat(row("SELECT service_plan_id FROM service_instances WHERE id = 'cf-ref'"))
        .containsEntry("service_plan_id", referencePlanId);
  }

  @Test
  void anotherPlatformsReferenceIs404AndTheBrokerIsNotCalled() throws Exception {
    sharedDatabase("k8s-db");
    assertThat(cf("PUT", "/service_instances/cf-ref", referenceTo("k8s-db")).status()).isEqualTo(201);
    assertThat(cf("PUT", "/service_instances/cf-ref/service_bindings/cf-app", cfBindBody()).status()).isEqualTo(201);
    int before = broker.requests().size();

    // Platform A (the shared instance's owner) and a third platform are both strangers to B's reference.
    Map<String, Object> third = createPlatform("cf-two", "cloudfoundry");
    for (String stranger : List.of(platformAuth, auth(third))) {
      List<Api.Result> results = List.of(
          send(stranger, "GET", base() + "/service_instances/cf-ref", null, VERSION),
          send(stranger, "GET", base() + "/service_instances/cf-ref/last_operation", null, VERSION),
          send(stranger, "PUT", base() + "/service_instances/cf-ref", referenceTo("k8s-db"), VERSION),
          send(stranger, "DELETE", base() + "/service_instances/cf-ref?service_id=" + SERVICE + "&plan_id=" + REFERENCE, null, VERSION),
          send(stranger, "PUT", base() + "/service_instances/cf-ref/service_bindings/other-app", cfBindBody(), VERSION),
          send(stranger, "GET", base() + "/service_instances/cf-ref/service_bindings/cf-app", null, VERSION),
          send(stranger, "DELETE", base() + "/service_instances/cf-ref/service_bindings/cf-app?service_id=" + SERVICE
              + "&plan_id=" + REFERENCE, null, VERSION));
      assertThat(results).allSatisfy(r -> {
        assertThat(r.status()).as(r.toString()).isEqualTo(404);
        assertThat(r.error()).isEqualTo("NotFound");
      });
    }
    // And B cannot reach A's shared instance directly.
    Api.Result direct = cf("GET", "/service_instances/k8s-db", null);
    assertThat(direct.status()).isEqualTo(404);

    assertThat(requestsSince(before)).isEmpty();
    assertThat(count("SELECT count(*) FROM service_instances WHERE id = 'cf-ref'")).isEqualTo(1);
    assertThat(count("SELECT count(*) FROM service_bindings WHERE service_instance_id = 'cf-ref'")).isEqualTo(1);
  }

  @Test
  void theReferencePlanFollowsVisibilitiesLikeAnyPlan() throws Exception {
    sharedDatabase("k8s-db");
    exec("DELETE FROM visibilities WHERE service_plan_id = '" + referencePlanId + "'");
    Map<String, Object> k8s = createPlatform("k8s-two", "kubernetes");
    String k8sAuth = auth(k8s);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("service_id", SERVICE);
    body.put("plan_id", REFERENCE);
    body.put("context", k8sContext("orders"));
    body.put("parameters", Map.of("referenced_instance_id", "k8s-db"));

    // Without a visibility: not in its catalog, and not provisionable.
    assertThat(planIdsInCatalog(k8sAuth)).doesNotContain(REFERENCE);
    Api.Result hidden = send(k8sAuth, "PUT", base() + "/service_instances/k8s-ref", Api.toJson(body), VERSION);
    assertThat(hidden.status()).isEqualTo(400);
    assertThat(hidden.error()).isEqualTo("ServicePlanNotFound");
    // A CF platform sees every plan in its catalog, but provisioning still needs a visibility.
    assertThat(planIdsInCatalog(cfAuth)).contains(REFERENCE);
    Api.Result cfHidden = cf("PUT", "/service_instances/cf-ref", referenceTo("k8s-db"));
    assertThat(cfHidden.status()).isEqualTo(400);
    assertThat(cfHidden.error()).isEqualTo("ServicePlanNotFound");

    // With a visibility for that platform, it is listed and works.
    visible(referencePlanId, (String) k8s.get("id"));
    assertThat(planIdsInCatalog(k8sAuth)).contains(REFERENCE);
    Api.Result visible = send(k8sAuth, "PUT", base() + "/service_instances/k8s-ref", Api.toJson(body), VERSION);
    assertThat(visible.status()).as(visible.toString()).isEqualTo(201);
    assertThat(broker.requests(Route.PROVISION)).extracting(RecordedRequest::instanceId).containsExactly("k8s-db");
  }

  @Test
  void aSuspendedPlatformCannotCreateAReference() throws Exception {
    sharedDatabase("k8s-db");
    exec("UPDATE platforms SET suspended = true WHERE id = '" + cfId + "'");
    Api.Result result = cf("PUT", "/service_instances/cf-ref", referenceTo("k8s-db"));
    assertThat(result.status()).isEqualTo(400);
    assertThat(result.string("description")).contains("suspended");
    assertThat(count("SELECT count(*) FROM service_instances WHERE id = 'cf-ref'")).isZero();
  }

  private List<Object> planIdsInCatalog(String authorization) {
    return OsbAccessAndCatalogIT.services(send(authorization, "GET", base() + "/catalog", null, VERSION)).stream()
        .flatMap(s -> OsbAccessAndCatalogIT.plans(s).stream())
        .map(p -> p.get("id"))
        .toList();
  }
}

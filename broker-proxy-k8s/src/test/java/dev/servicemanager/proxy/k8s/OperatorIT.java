package dev.servicemanager.proxy.k8s;

import dev.servicemanager.proxy.testkit.ServiceManagerFixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.servicemanager.testkit.FakeBroker;
import dev.servicemanager.testkit.FakeCatalog;
import dev.servicemanager.testkit.RecordedRequest;
import dev.servicemanager.testkit.Responder;
import dev.servicemanager.testkit.Response;
import dev.servicemanager.testkit.Route;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Operator mode end to end: the real Service Manager, the agent, the fake API server and the fake broker. */
class OperatorIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String NS = "team-a";

  private ServiceManagerFixture sm;
  private FakeKubernetes k8s;
  private FakeBroker broker;
  private ServiceManagerFixture.PlatformCredentials platform;
  private String brokerId;
  private InProcessProxy proxy;

  @BeforeEach
  void start() {
    sm = new ServiceManagerFixture(java.util.Map.of("sm.operations.polling-interval", "200ms"));
    k8s = new FakeKubernetes().installOperatorCrds();
    broker = FakeBroker.start();
    platform = sm.registerKubernetes("k8s-eu10");
    brokerId = sm.registerBroker("fake", broker);
  }

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
    k8s.close();
    broker.close();
    sm.close();
  }

  private void bothPlansPublic() {
    sm.publicVisibility(sm.planId(brokerId, FakeCatalog.SMALL_PLAN_ID));
    sm.publicVisibility(sm.planId(brokerId, FakeCatalog.LARGE_PLAN_ID));
  }

  private InProcessProxy startProxy() {
    return new InProcessProxy(sm.url, platform, k8s, InProcessProxy.settings("false", null), true);
  }

  private GenericKubernetesResource instance(String name, Map<String, Object> spec) {
    return k8s.create(FakeKubernetes.INSTANCES, NS, spec, name);
  }

  private GenericKubernetesResource get(io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext kind, String name) {
    return k8s.get(kind, NS, name);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> status(GenericKubernetesResource resource) {
    Object status = resource.getAdditionalProperties().get("status");
    return status == null ? Map.of() : (Map<String, Object>) status;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(GenericKubernetesResource resource) {
    return (Map<String, Object>) resource.getAdditionalProperties().get("spec");
  }

  private static String specName(GenericKubernetesResource resource) {
    return (String) spec(resource).get("name");
  }

  /** The condition of this type, or an empty map. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> condition(GenericKubernetesResource resource, String type) {
    Object conditions = status(resource).get("conditions");
    if (conditions instanceof List<?> list) {
      for (Object c : list) {
        if (type.equals(((Map<String, Object>) c).get("type"))) {
          return (Map<String, Object>) c;
        }
      }
    }
    return Map.of();
  }

  private void awaitReady(io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext kind, String name) {
    await().atMost(WAIT).untilAsserted(() -> {
      GenericKubernetesResource r = get(kind, name);
      assertThat(condition(r, "Ready")).as(name + " conditions: " + status(r)).containsEntry("status", "True");
    });
  }

  @Test
  void anInstanceGoesFromApplyToReadyABindingToASecretAndBothAreDeletedThroughTheBroker() {
    bothPlansPublic();
    broker.on(Route.PROVISION, Responder.async("provisioning")).pollsBeforeSuccess(Route.INSTANCE_LAST_OPERATION, 2);
    k8s.client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("db-params").endMetadata()
        .addToData("config", Base64.getEncoder().encodeToString("{\"version\": \"16\", \"size\": 1}".getBytes(StandardCharsets.UTF_8)))
        .build()).create();
    proxy = startProxy();

    String uid = instance("db", Map.of("serviceOfferingName", FakeCatalog.DEFAULT_SERVICE_NAME, "servicePlanName", "small",
        "parameters", Map.of("size", 3),
        "parametersFrom", List.of(Map.of("secretKeyRef", Map.of("name", "db-params", "key", "config"))))).getMetadata().getUid();
    awaitReady(FakeKubernetes.INSTANCES, "db");
    GenericKubernetesResource db = get(FakeKubernetes.INSTANCES, "db");
    assertThat(status(db)).containsEntry("instanceID", uid).containsEntry("operationType", "create")
        .containsEntry("observedGeneration", 1).doesNotContainKey("operationURL");
    assertThat(condition(db, "Succeeded")).containsEntry("status", "True").containsEntry("reason", "Created");
    assertThat(db.getMetadata().getFinalizers()).containsExactly(Resources.FINALIZER);
    List<RecordedRequest> provisions = broker.requests(Route.PROVISION);
    assertThat(provisions).hasSize(1);
    assertThat(provisions.get(0).instanceId()).isEqualTo(uid);
    assertThat(provisions.get(0).json()).as("parametersFrom merged under parameters")
        .containsEntry("parameters", Map.of("version", "16", "size", 3))
        .containsEntry("plan_id", FakeCatalog.SMALL_PLAN_ID);
    assertThat(broker.requests(Route.INSTANCE_LAST_OPERATION)).as("the broker's async provision was polled").hasSizeGreaterThanOrEqualTo(3);
    assertThat(sm.instances()).singleElement().satisfies(i -> {
      assertThat(i).containsEntry("id", uid).containsEntry("name", "db");
      assertThat(i.get("labels")).isEqualTo(Map.of("_k8sname", List.of("db"), "_namespace", List.of(NS), "_clusterid", List.of("test-cluster")));
    });

    String bindingUid = k8s.create(FakeKubernetes.BINDINGS, NS, Map.of("serviceInstanceName", "db", "secretName", "db-creds"), "db-binding")
        .getMetadata().getUid();
    awaitReady(FakeKubernetes.BINDINGS, "db-binding");
    assertThat(k8s.secretData(NS, "db-creds")).containsEntry("username", "u-" + bindingUid)
        .containsEntry("password", "p-" + bindingUid).containsEntry("uri", "fake://" + uid + "/" + bindingUid)
        .containsEntry("instance_name", "db").containsEntry("instance_guid", uid)
        .containsEntry("plan", "small").containsEntry("type", FakeCatalog.DEFAULT_SERVICE_NAME);
    OwnerReference owner = k8s.secret(NS, "db-creds").getMetadata().getOwnerReferences().get(0);
    assertThat(owner.getUid()).isEqualTo(bindingUid);
    assertThat(owner.getKind()).isEqualTo("ServiceBinding");
    assertThat(owner.getController()).isTrue();
    assertThat(broker.bindings()).containsOnlyKeys(bindingUid);

    // Deleting the instance first: it waits for its binding, which goes first.
    k8s.resources(FakeKubernetes.INSTANCES).inNamespace(NS).withName("db").delete();
    k8s.resources(FakeKubernetes.BINDINGS).inNamespace(NS).withName("db-binding").delete();
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(get(FakeKubernetes.BINDINGS, "db-binding")).isNull();
      assertThat(get(FakeKubernetes.INSTANCES, "db")).isNull();
    });
    assertThat(broker.requests(Route.UNBIND)).singleElement().satisfies(r -> assertThat(r.bindingId()).isEqualTo(bindingUid));
    assertThat(broker.requests(Route.DEPROVISION)).singleElement().satisfies(r -> assertThat(r.instanceId()).isEqualTo(uid));
    assertThat(k8s.secret(NS, "db-creds")).isNull();
    assertThat(sm.instances()).isEmpty();
  }

  @Test
  void specChangesBecomeUpdatesAndDriftInTheServiceManagerIsCorrected() {
    bothPlansPublic();
    proxy = startProxy();
    instance("db", Map.of("serviceOfferingName", FakeCatalog.DEFAULT_SERVICE_NAME, "servicePlanName", "small"));
    awaitReady(FakeKubernetes.INSTANCES, "db");

    GenericKubernetesResource db = get(FakeKubernetes.INSTANCES, "db");
    db.setAdditionalProperty("spec", Map.of("serviceOfferingName", FakeCatalog.DEFAULT_SERVICE_NAME, "servicePlanName", "large",
        "parameters", Map.of("size", 5)));
    k8s.resources(FakeKubernetes.INSTANCES).inNamespace(NS).resource(db).update();
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(broker.requests(Route.UPDATE)).singleElement().satisfies(r -> assertThat(r.json())
          .containsEntry("plan_id", FakeCatalog.LARGE_PLAN_ID).containsEntry("parameters", Map.of("size", 5)));
      GenericKubernetesResource updated = get(FakeKubernetes.INSTANCES, "db");
      assertThat(condition(updated, "Succeeded")).containsEntry("reason", "Updated").containsEntry("status", "True");
      assertThat(status(updated)).containsEntry("observedGeneration", 2);
    });
    String largePlan = sm.planId(brokerId, FakeCatalog.LARGE_PLAN_ID);
    String uid = (String) status(get(FakeKubernetes.INSTANCES, "db")).get("instanceID");
    assertThat(sm.admin.get("/v1/service_instances/" + uid).string("service_plan_id")).isEqualTo(largePlan);

    // Someone moves the instance back to small in SM: the next resync puts the spec's plan back.
    sm.admin.expect(202, sm.admin.patch("/v1/service_instances/" + uid, Map.of("service_plan_id", sm.planId(brokerId, FakeCatalog.SMALL_PLAN_ID))));
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(broker.requests(Route.UPDATE)).hasSize(3);
      assertThat(sm.admin.get("/v1/service_instances/" + uid).string("service_plan_id")).isEqualTo(largePlan);
    });
  }

  @Test
  void aBrokerFailureShowsInTheConditionsAndIsRetriedUntilItSucceeds() {
    bothPlansPublic();
    broker.on(Route.PROVISION, Responder.error(422, "QuotaExceeded", "the plan's quota is exhausted"));
    proxy = startProxy();
    instance("db", Map.of("serviceOfferingName", FakeCatalog.DEFAULT_SERVICE_NAME, "servicePlanName", "small"));

    await().atMost(WAIT).untilAsserted(() -> {
      GenericKubernetesResource db = get(FakeKubernetes.INSTANCES, "db");
      assertThat(condition(db, "Failed")).as("conditions: " + status(db)).containsEntry("status", "True")
          .containsEntry("reason", "CreateFailed");
      assertThat((String) condition(db, "Failed").get("message")).contains("the plan's quota is exhausted");
      assertThat(condition(db, "Ready")).containsEntry("status", "False");
    });
    await().atMost(WAIT).untilAsserted(() -> assertThat(broker.requests(Route.PROVISION)).as("retried").hasSizeGreaterThanOrEqualTo(2));

    broker.restoreDefault(Route.PROVISION);
    awaitReady(FakeKubernetes.INSTANCES, "db");
    assertThat(condition(get(FakeKubernetes.INSTANCES, "db"), "Failed")).isEmpty();
    assertThat(sm.instances()).hasSize(1);
  }

  @Test
  void anInvalidSpecIsAConditionAndTheOtherResourcesGoOn() {
    bothPlansPublic();
    k8s.client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("params").endMetadata()
        .addToData("config", Base64.getEncoder().encodeToString("not json".getBytes(StandardCharsets.UTF_8))).build()).create();
    proxy = startProxy();
    instance("bad-params", Map.of("serviceOfferingName", FakeCatalog.DEFAULT_SERVICE_NAME, "servicePlanName", "small",
        "parametersFrom", List.of(Map.of("secretKeyRef", Map.of("name", "params", "key", "config")))));
    instance("no-such-offering", Map.of("serviceOfferingName", "mongo", "servicePlanName", "small"));
    instance("good", Map.of("serviceOfferingName", FakeCatalog.DEFAULT_SERVICE_NAME, "servicePlanName", "small"));

    awaitReady(FakeKubernetes.INSTANCES, "good");
    await().atMost(WAIT).untilAsserted(() -> {
      GenericKubernetesResource bad = get(FakeKubernetes.INSTANCES, "bad-params");
      assertThat(condition(bad, "Failed")).containsEntry("status", "True").containsEntry("reason", "InvalidSpec")
          .containsEntry("message", "parametersFrom: key config of Secret params is not a JSON object");
      GenericKubernetesResource unknown = get(FakeKubernetes.INSTANCES, "no-such-offering");
      assertThat(condition(unknown, "Failed")).containsEntry("status", "True")
          .containsEntry("message", "no service offering named mongo in the Service Manager");
    });
    assertThat(broker.requests(Route.PROVISION)).hasSize(1);
  }

  @Test
  void anAgentRestartMidOperationFollowsTheRunningOperationWithoutASecondInstance() {
    bothPlansPublic();
    AtomicBoolean brokerDone = new AtomicBoolean();
    broker.on(Route.PROVISION, Responder.async("provisioning"))
        .on(Route.INSTANCE_LAST_OPERATION, request -> Response.json(200, Map.of("state", brokerDone.get() ? "succeeded" : "in progress")));
    proxy = startProxy();
    instance("db", Map.of("serviceOfferingName", FakeCatalog.DEFAULT_SERVICE_NAME, "servicePlanName", "small"));
    await().atMost(WAIT).untilAsserted(() -> {
      GenericKubernetesResource db = get(FakeKubernetes.INSTANCES, "db");
      assertThat(status(db)).containsKey("operationURL");
      assertThat(condition(db, "Succeeded")).containsEntry("reason", "CreateInProgress");
    });
    proxy.close();

    proxy = startProxy();
    brokerDone.set(true);
    awaitReady(FakeKubernetes.INSTANCES, "db");
    assertThat(broker.requests(Route.PROVISION)).hasSize(1);
    assertThat(sm.instances()).hasSize(1);
  }

  @Test
  void theMarketplaceMirrorsWhatSmShowsThePlatform() {
    sm.platformVisibility(sm.planId(brokerId, FakeCatalog.SMALL_PLAN_ID), platform.id());
    proxy = startProxy();
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(k8s.list(FakeKubernetes.OFFERINGS)).extracting(OperatorIT::specName)
          .containsExactly(FakeCatalog.DEFAULT_SERVICE_NAME);
      assertThat(k8s.list(FakeKubernetes.PLANS)).extracting(OperatorIT::specName)
          .containsExactly("small");
    });
    GenericKubernetesResource small = k8s.list(FakeKubernetes.PLANS).get(0);
    assertThat(small.getMetadata().getName()).isEqualTo(sm.planId(brokerId, FakeCatalog.SMALL_PLAN_ID));
    assertThat(spec(small)).containsEntry("serviceOfferingName", FakeCatalog.DEFAULT_SERVICE_NAME)
        .containsEntry("catalogID", FakeCatalog.SMALL_PLAN_ID);

    String largeVisibility = sm.publicVisibility(sm.planId(brokerId, FakeCatalog.LARGE_PLAN_ID));
    await().atMost(WAIT).untilAsserted(() -> assertThat(k8s.list(FakeKubernetes.PLANS)).hasSize(2));
    sm.admin.expect(200, sm.admin.delete("/v1/visibilities/" + largeVisibility));
    await().atMost(WAIT).untilAsserted(() -> assertThat(k8s.list(FakeKubernetes.PLANS))
        .extracting(OperatorIT::specName).containsExactly("small"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void sharingFollowsTheSpecAndDriftInTheClusterAndInSmIsRepaired() {
    Map<String, Object> catalog = FakeCatalog.defaultCatalog();
    Map<String, Object> small = ((List<Map<String, Object>>) ((List<Map<String, Object>>) catalog.get("services")).get(0).get("plans")).get(0);
    Map<String, Object> metadata = new java.util.HashMap<>((Map<String, Object>) small.getOrDefault("metadata", Map.of()));
    metadata.put("supportsInstanceSharing", true);
    small.put("metadata", metadata);
    broker.catalog(catalog);
    sm.admin.expect(200, sm.admin.patch("/v1/service_brokers/" + brokerId, Map.of()));
    bothPlansPublic();
    proxy = startProxy();

    String uid = instance("db", Map.of("serviceOfferingName", FakeCatalog.DEFAULT_SERVICE_NAME, "servicePlanName", "small",
        "shared", true)).getMetadata().getUid();
    awaitReady(FakeKubernetes.INSTANCES, "db");
    await().atMost(WAIT).untilAsserted(() ->
        assertThat(sm.admin.get("/v1/service_instances/" + uid).json()).containsEntry("shared", true));
    GenericKubernetesResource db = get(FakeKubernetes.INSTANCES, "db");
    db.setAdditionalProperty("spec", Map.of("serviceOfferingName", FakeCatalog.DEFAULT_SERVICE_NAME, "servicePlanName", "small",
        "shared", false));
    k8s.resources(FakeKubernetes.INSTANCES).inNamespace(NS).resource(db).update();
    await().atMost(WAIT).untilAsserted(() ->
        assertThat(sm.admin.get("/v1/service_instances/" + uid).json()).containsEntry("shared", false));

    k8s.create(FakeKubernetes.BINDINGS, NS, Map.of("serviceInstanceName", "db"), "db-binding");
    awaitReady(FakeKubernetes.BINDINGS, "db-binding");
    Map<String, String> credentials = k8s.secretData(NS, "db-binding");
    k8s.client.secrets().inNamespace(NS).withName("db-binding").delete();
    await().atMost(WAIT).untilAsserted(() -> assertThat(k8s.secretData(NS, "db-binding")).isEqualTo(credentials));

    String cacheUid = instance("cache", Map.of("serviceOfferingName", FakeCatalog.DEFAULT_SERVICE_NAME, "servicePlanName", "large"))
        .getMetadata().getUid();
    awaitReady(FakeKubernetes.INSTANCES, "cache");
    sm.admin.delete("/v1/service_instances/" + cacheUid);
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(broker.requests(Route.DEPROVISION)).extracting(RecordedRequest::instanceId).containsExactly(cacheUid);
      assertThat(broker.requests(Route.PROVISION)).extracting(RecordedRequest::instanceId).containsExactly(uid, cacheUid, cacheUid);
      assertThat(sm.admin.get("/v1/service_instances/" + cacheUid).json()).containsEntry("ready", true);
    });
    awaitReady(FakeKubernetes.INSTANCES, "cache");
  }
}

package dev.servicemanager.proxy.k8s;

import dev.servicemanager.proxy.testkit.ServiceManagerFixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.servicemanager.testkit.FakeBroker;
import dev.servicemanager.testkit.FakeCatalog;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Broker mode end to end: the real Service Manager, the agent, the fake API server with Service Catalog's CRDs and
 * a fake of Service Catalog's controller, which fetches each broker's catalog through SM with the Secret's
 * credentials, as the real one would.
 */
class BrokerModeIT {
  private static final Duration WAIT = Duration.ofSeconds(15);

  private ServiceManagerFixture sm;
  private FakeKubernetes k8s;
  private FakeServiceCatalog catalog;
  private ServiceManagerFixture.PlatformCredentials platform;
  private final List<FakeBroker> brokers = new ArrayList<>();
  private InProcessProxy proxy;

  @BeforeEach
  void start() {
    sm = new ServiceManagerFixture(java.util.Map.of("sm.operations.polling-interval", "200ms"));
    k8s = new FakeKubernetes();
    platform = sm.registerKubernetes("k8s-eu10");
  }

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (catalog != null) {
      catalog.close();
    }
    k8s.close();
    brokers.forEach(FakeBroker::close);
    sm.close();
  }

  private FakeBroker broker() {
    FakeBroker broker = FakeBroker.start();
    brokers.add(broker);
    return broker;
  }

  private void withServiceCatalog() {
    k8s.installServiceCatalog();
    catalog = new FakeServiceCatalog(k8s);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(GenericKubernetesResource resource) {
    return (Map<String, Object>) resource.getAdditionalProperties().get("spec");
  }

  private GenericKubernetesResource clusterBroker(String name) {
    return k8s.get(FakeKubernetes.CLUSTER_BROKERS, null, name);
  }

  private long relistRequests(String name) {
    return ((Number) spec(clusterBroker(name)).get("relistRequests")).longValue();
  }

  private List<String> clusterPlans(String brokerName) {
    return catalog.planIds(FakeKubernetes.CLUSTER_PLANS, "clusterServiceBrokerName", brokerName);
  }

  @Test
  void aBrokerBecomesAClusterServiceBrokerWithItsSecretAndIsRelistedWhenWhatSmServesChanges() {
    withServiceCatalog();
    proxy = new InProcessProxy(sm.url, platform, k8s, InProcessProxy.settings("auto", null), false);
    FakeBroker fake = broker();
    String id = sm.registerBroker("My_SQL", fake);
    String name = "sm-my-sql-" + id;
    sm.platformVisibility(sm.planId(id, FakeCatalog.SMALL_PLAN_ID), platform.id());

    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(k8s.list(FakeKubernetes.CLUSTER_BROKERS)).extracting(b -> b.getMetadata().getName()).containsExactly(name);
      assertThat(clusterPlans(name)).as("fetched through SM with the Secret's credentials: " + catalog.errors)
          .containsExactly(FakeCatalog.SMALL_PLAN_ID);
    });
    GenericKubernetesResource created = clusterBroker(name);
    assertThat(created.getMetadata().getAnnotations()).containsEntry(K8sPlatform.NAME_ANNOTATION, "sm-My_SQL-" + id);
    assertThat(spec(created)).containsEntry("url", sm.url + "/v1/osb/" + id).containsEntry("relistBehavior", "Manual")
        .containsEntry("authInfo", Map.of("basic", Map.of("secretRef", Map.of("name", id, "namespace", "sm-system"))));
    Map<String, String> secret = k8s.secretData("sm-system", id);
    assertThat(secret).containsOnlyKeys("username", "password");
    assertThat(secret.get("username")).as("broker-platform credentials, not the platform's own").isNotEqualTo(platform.username());

    long before = relistRequests(name);
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6))
        .until(() -> relistRequests(name) == before && catalog.relists.get(name) == before + 1);

    sm.platformVisibility(sm.planId(id, FakeCatalog.LARGE_PLAN_ID), platform.id());
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(relistRequests(name)).isGreaterThan(before);
      assertThat(clusterPlans(name)).containsExactly(FakeCatalog.SMALL_PLAN_ID, FakeCatalog.LARGE_PLAN_ID);
    });

    // A catalog change at the broker, fetched by SM: a new plan, made visible, appears after a relist.
    long beforeCatalogChange = relistRequests(name);
    fake.catalog(FakeCatalog.generate(1, 3));
    sm.admin.expect(200, sm.admin.patch("/v1/service_brokers/" + id, Map.of()));
    sm.platformVisibility(sm.planId(id, FakeCatalog.planId(0, 2)), platform.id());
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(relistRequests(name)).isGreaterThan(beforeCatalogChange);
      assertThat(clusterPlans(name)).containsExactly(FakeCatalog.planId(0, 0), FakeCatalog.planId(0, 1), FakeCatalog.planId(0, 2));
    });
  }

  @Test
  void aClusterServiceBrokerStaysWhenItsLastVisiblePlanGoesAndItsPlansBecomeUnavailable() {
    withServiceCatalog();
    String id = sm.registerBroker("cache", broker());
    String name = "sm-cache-" + id;
    String visibility = sm.platformVisibility(sm.planId(id, FakeCatalog.SMALL_PLAN_ID), platform.id());
    proxy = new InProcessProxy(sm.url, platform, k8s, InProcessProxy.settings("true", null), false);
    await().atMost(WAIT).untilAsserted(() -> assertThat(clusterPlans(name)).containsExactly(FakeCatalog.SMALL_PLAN_ID));

    // Kubernetes lists are narrowed by visibilities: SM no longer lists the broker to this platform,
    // but it still has it, so the ClusterServiceBroker stays and a relist empties its plans.
    sm.admin.expect(200, sm.admin.delete("/v1/visibilities/" + visibility));
    await().atMost(WAIT).untilAsserted(() -> assertThat(clusterPlans(name)).isEmpty());
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6)).untilAsserted(() -> {
      assertThat(k8s.list(FakeKubernetes.CLUSTER_BROKERS)).extracting(b -> b.getMetadata().getName()).containsExactly(name);
      assertThat(k8s.secret("sm-system", id)).isNotNull();
    });

    sm.platformVisibility(sm.planId(id, FakeCatalog.LARGE_PLAN_ID), platform.id());
    await().atMost(WAIT).untilAsserted(() -> assertThat(clusterPlans(name)).containsExactly(FakeCatalog.LARGE_PLAN_ID));
  }

  @Test
  void aRenamedBrokerIsReplacedAndARemovedOneIsDeletedWithItsSecret() {
    withServiceCatalog();
    String id = sm.registerBroker("redis", broker());
    sm.publicVisibility(sm.planId(id, FakeCatalog.SMALL_PLAN_ID));
    proxy = new InProcessProxy(sm.url, platform, k8s, InProcessProxy.settings("true", null), false);
    await().atMost(WAIT).untilAsserted(() -> assertThat(clusterBroker("sm-redis-" + id)).isNotNull());

    sm.admin.expect(200, sm.admin.patch("/v1/service_brokers/" + id, Map.of("name", "redis-v2")));
    await().atMost(WAIT).untilAsserted(() -> assertThat(k8s.list(FakeKubernetes.CLUSTER_BROKERS))
        .extracting(b -> b.getMetadata().getName()).containsExactly("sm-redis-v2-" + id));
    assertThat(k8s.secretData("sm-system", id)).isNotNull();

    sm.admin.expect(200, sm.admin.delete("/v1/service_brokers/" + id));
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(k8s.list(FakeKubernetes.CLUSTER_BROKERS)).isEmpty();
      assertThat(k8s.secret("sm-system", id)).isNull();
    });
  }

  @Test
  void aForeignBrokerIsLeftAloneAndOneRegisteredBeforeSmIsTakenOver() {
    withServiceCatalog();
    FakeBroker fake = broker();
    GenericKubernetesResource foreign = new GenericKubernetesResource();
    foreign.setApiVersion("servicecatalog.k8s.io/v1beta1");
    foreign.setKind("ClusterServiceBroker");
    foreign.setMetadata(new ObjectMetaBuilder().withName("someone-elses").build());
    foreign.setAdditionalProperty("spec", Map.of("url", "http://127.0.0.1:1/other-broker"));
    k8s.resources(FakeKubernetes.CLUSTER_BROKERS).resource(foreign).create();
    GenericKubernetesResource before = new GenericKubernetesResource();
    before.setApiVersion("servicecatalog.k8s.io/v1beta1");
    before.setKind("ClusterServiceBroker");
    before.setMetadata(new ObjectMetaBuilder().withName("postgres").build());
    before.setAdditionalProperty("spec", Map.of("url", fake.url()));
    k8s.resources(FakeKubernetes.CLUSTER_BROKERS).resource(before).create();

    String id = sm.registerBroker("postgres", fake);
    sm.publicVisibility(sm.planId(id, FakeCatalog.SMALL_PLAN_ID));
    proxy = new InProcessProxy(sm.url, platform, k8s, InProcessProxy.settings("auto", null), false);

    await().atMost(WAIT).untilAsserted(() -> assertThat(k8s.list(FakeKubernetes.CLUSTER_BROKERS))
        .extracting(b -> b.getMetadata().getName()).containsExactlyInAnyOrder("someone-elses", "sm-postgres-" + id));
    assertThat(spec(clusterBroker("sm-postgres-" + id))).containsEntry("url", sm.url + "/v1/osb/" + id);
    assertThat(spec(clusterBroker("someone-elses"))).isEqualTo(Map.of("url", "http://127.0.0.1:1/other-broker"));
  }

  @Test
  void withATargetNamespaceBrokersAreNamespacedServiceBrokersWithLocalSecrets() {
    withServiceCatalog();
    String id = sm.registerBroker("kafka", broker());
    sm.publicVisibility(sm.planId(id, FakeCatalog.SMALL_PLAN_ID));
    proxy = new InProcessProxy(sm.url, platform, k8s, InProcessProxy.settings("auto", "apps"), false);

    await().atMost(WAIT).untilAsserted(() -> {
      GenericKubernetesResource b = k8s.get(FakeKubernetes.BROKERS, "apps", "sm-kafka-" + id);
      assertThat(b).isNotNull();
      assertThat(spec(b)).containsEntry("authInfo", Map.of("basic", Map.of("secretRef", Map.of("name", id))));
      assertThat(catalog.planIds(FakeKubernetes.NAMESPACED_PLANS, "serviceBrokerName", "sm-kafka-" + id))
          .containsExactly(FakeCatalog.SMALL_PLAN_ID);
    });
    assertThat(k8s.secretData("apps", id)).containsOnlyKeys("username", "password");
    assertThat(k8s.list(FakeKubernetes.CLUSTER_BROKERS)).isEmpty();
  }

  @Test
  void withoutServiceCatalogBrokerModeIdlesUntilItIsInstalled() {
    String id = sm.registerBroker("mongo", broker());
    sm.publicVisibility(sm.planId(id, FakeCatalog.SMALL_PLAN_ID));
    proxy = new InProcessProxy(sm.url, platform, k8s, InProcessProxy.settings("auto", null), false);
    await().atMost(WAIT).untilAsserted(() -> assertThat(proxy.metrics.resyncs()).isGreaterThanOrEqualTo(2));
    assertThat(proxy.metrics.failedResyncs()).isZero();
    assertThat(proxy.metrics.prometheus()).contains("broker_proxy_brokers_created_total 0\n");

    withServiceCatalog();
    await().atMost(WAIT).untilAsserted(() -> assertThat(clusterBroker("sm-mongo-" + id)).isNotNull());
  }
}

package dev.servicemanager.proxy.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.proxy.core.Access;
import dev.servicemanager.proxy.core.BrokerRegistration;
import dev.servicemanager.proxy.core.PlatformBroker;
import dev.servicemanager.proxy.core.PlatformPlan;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Service Catalog calls of broker mode against the fake API server. */
class K8sPlatformTest {
  private static final String URL = "https://sm.example.com/v1/osb/b-1";
  private final FakeKubernetes k8s = new FakeKubernetes().installServiceCatalog();
  private final K8sPlatform platform = new K8sPlatform(new KubeApi(k8s.apiClient()), InProcessProxy.settings("auto", null));

  @AfterEach
  void stop() {
    k8s.close();
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> spec(String name) {
    return (Map<String, Object>) k8s.get(FakeKubernetes.CLUSTER_BROKERS, null, name).getAdditionalProperties().get("spec");
  }

  @Test
  void objectNamesAreDnsNamesOfTheProxyName() {
    assertThat(K8sPlatform.objectName("sm-My_SQL-3f2a")).isEqualTo("sm-my-sql-3f2a");
    assertThat(K8sPlatform.objectName("sm-db (eu)-1")).isEqualTo("sm-db--eu--1");
    assertThat(K8sPlatform.objectName("sm-" + "x".repeat(300) + "-id")).hasSize(253).endsWith("-id");
  }

  @Test
  void createWritesTheSecretAndAManualRelistBrokerReportedUnderItsProxyName() {
    PlatformBroker created = platform.createBroker(new BrokerRegistration("b-1", "sm-My_DB-b-1", URL, "user", "secret"));
    assertThat(created.name()).isEqualTo("sm-My_DB-b-1");
    assertThat(created.url()).isEqualTo(URL);
    assertThat(k8s.secretData("sm-system", "b-1")).isEqualTo(Map.of("username", "user", "password", "secret"));
    assertThat(spec("sm-my-db-b-1")).containsEntry("relistBehavior", "Manual").containsEntry("relistRequests", 0)
        .containsEntry("authInfo", Map.of("basic", Map.of("secretRef", Map.of("name", "b-1", "namespace", "sm-system"))));
    assertThat(platform.brokers()).containsExactly(created);
  }

  @Test
  void updateRelistsAndRotatesTheSecretAndDeleteRemovesBoth() {
    PlatformBroker created = platform.createBroker(new BrokerRegistration("b-1", "sm-db-b-1", URL, "user", "secret"));
    platform.updateBroker(created, new BrokerRegistration("b-1", "sm-db-b-1", URL, "user2", "secret2"));
    assertThat(spec("sm-db-b-1")).containsEntry("relistRequests", 1);
    assertThat(k8s.secretData("sm-system", "b-1")).containsEntry("password", "secret2");

    platform.enableAccess(new PlatformPlan("p", "sm-db-b-1", "plan-1", true, java.util.Set.of()), Access.everyone());
    assertThat(spec("sm-db-b-1")).as("an access change is a relist").containsEntry("relistRequests", 2);

    platform.deleteBroker(platform.brokers().get(0));
    assertThat(platform.brokers()).isEmpty();
    assertThat(k8s.secret("sm-system", "b-1")).isNull();
  }

  @Test
  void plansAreTheListedOnesOfOurBrokersWithoutRemovedOnes() {
    PlatformBroker ours = platform.createBroker(new BrokerRegistration("b-1", "sm-db-b-1", URL, "u", "p"));
    plan("one", "sm-db-b-1", "plan-1", false);
    plan("gone", "sm-db-b-1", "plan-2", true);
    plan("other", "someone-elses", "plan-3", false);
    List<PlatformPlan> plans = platform.plans(List.of(ours));
    assertThat(plans).extracting(PlatformPlan::brokerName, PlatformPlan::catalogPlanId, PlatformPlan::isPublic)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("sm-db-b-1", "plan-1", true));
  }

  @Test
  void brokerModeFollowsTheSetting() {
    assertThat(platform.active()).as("auto, Service Catalog installed").isTrue();
    FakeKubernetes bare = new FakeKubernetes();
    try {
      KubeApi kube = new KubeApi(bare.apiClient());
      assertThat(new K8sPlatform(kube, InProcessProxy.settings("auto", null)).active()).isFalse();
      assertThat(new K8sPlatform(kube, InProcessProxy.settings("true", null)).active()).isTrue();
      assertThat(new K8sPlatform(new KubeApi(k8s.apiClient()), InProcessProxy.settings("false", null)).active()).isFalse();
    } finally {
      bare.close();
    }
  }

  private void plan(String name, String broker, String externalId, boolean removed) {
    GenericKubernetesResource plan = new GenericKubernetesResource();
    plan.setApiVersion("servicecatalog.k8s.io/v1beta1");
    plan.setKind("ClusterServicePlan");
    plan.setMetadata(new ObjectMetaBuilder().withName(name).build());
    plan.setAdditionalProperty("spec", Map.of("clusterServiceBrokerName", broker, "externalID", externalId));
    GenericKubernetesResource created = k8s.resources(FakeKubernetes.CLUSTER_PLANS).resource(plan).create();
    if (removed) {
      created.setAdditionalProperty("status", Map.of("removedFromBrokerCatalog", true));
      k8s.resources(FakeKubernetes.CLUSTER_PLANS).resource(created).updateStatus();
    }
  }
}

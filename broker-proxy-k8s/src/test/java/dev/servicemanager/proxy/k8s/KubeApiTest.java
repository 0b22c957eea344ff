package dev.servicemanager.proxy.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicemanager.proxy.core.Json;
import dev.servicemanager.proxy.core.PlatformException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The agent's REST calls (official client) against the fake API server with the module's CRDs applied. */
class KubeApiTest {
  private final FakeKubernetes k8s = new FakeKubernetes().installOperatorCrds();
  private final KubeApi kube = new KubeApi(k8s.apiClient());

  @AfterEach
  void stop() {
    k8s.close();
  }

  private Map<String, Object> instance(String name) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("apiVersion", Resources.API_VERSION);
    body.put("kind", "ServiceInstance");
    body.put("metadata", Map.of("name", name, "namespace", "team-a"));
    body.put("spec", Map.of("serviceOfferingName", "fake-service", "servicePlanName", "small"));
    return body;
  }

  @Test
  void servesOnlyInstalledResources() {
    assertThat(kube.serves(Resources.GROUP, Resources.VERSION, "serviceinstances")).isTrue();
    assertThat(kube.serves(K8sPlatform.GROUP, K8sPlatform.VERSION, "clusterservicebrokers")).isFalse();
    k8s.installServiceCatalog();
    assertThat(kube.serves(K8sPlatform.GROUP, K8sPlatform.VERSION, "clusterservicebrokers")).isTrue();
  }

  @Test
  void statusWritesLeaveTheSpecAndKeepIntegersIntegers() {
    Map<String, Object> created = kube.create(Resources.INSTANCES, "team-a", instance("db"));
    assertThat(Resources.uid(created)).isNotBlank();
    Map<String, Object> withStatus = new LinkedHashMap<>(created);
    withStatus.put("spec", Map.of("serviceOfferingName", "changed-through-status"));
    withStatus.put("status", Map.of("ready", true, "observedGeneration", 1));
    kube.replaceStatus(Resources.INSTANCES, "team-a", withStatus);

    Map<String, Object> read = kube.get(Resources.INSTANCES, "team-a", "db").orElseThrow();
    assertThat(Json.path(read, "spec", "serviceOfferingName")).isEqualTo("fake-service");
    assertThat(Json.path(read, "status", "ready")).isEqualTo("true");
    assertThat(Json.write(read)).contains("\"generation\":1").doesNotContain("1.0");
    assertThat(kube.list(Resources.INSTANCES, null)).hasSize(1);
  }

  @Test
  void aFinalizerHoldsADeleteUntilItIsRemoved() {
    Map<String, Object> created = kube.create(Resources.INSTANCES, "team-a", instance("db"));
    kube.replace(Resources.INSTANCES, "team-a", Resources.withFinalizers(created, List.of(Resources.FINALIZER)));
    assertThat(kube.delete(Resources.INSTANCES, "team-a", "db")).isTrue();
    Map<String, Object> deleting = kube.get(Resources.INSTANCES, "team-a", "db").orElseThrow();
    assertThat(Resources.deleting(deleting)).isTrue();
    kube.replace(Resources.INSTANCES, "team-a", Resources.withFinalizers(deleting, List.of()));
    assertThat(kube.get(Resources.INSTANCES, "team-a", "db")).isEmpty();
    assertThat(kube.delete(Resources.INSTANCES, "team-a", "db")).isFalse();
  }

  @Test
  void errorsCarryTheStatusAndTheServersMessage() {
    kube.create(Resources.INSTANCES, "team-a", instance("db"));
    assertThatThrownBy(() -> kube.create(Resources.INSTANCES, "team-a", instance("db")))
        .isInstanceOf(PlatformException.class)
        .satisfies(e -> assertThat(((PlatformException) e).status()).isEqualTo(409))
        .hasMessageContaining("CREATE serviceinstances db answered 409");
  }
}

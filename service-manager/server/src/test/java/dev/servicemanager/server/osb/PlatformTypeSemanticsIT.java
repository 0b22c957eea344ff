package dev.servicemanager.server.osb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.testkit.FakeCatalog;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 18 part 1: what a platform's visibilities narrow depends on its type (registry.PlatformTypes).
 * Cloud Foundry enforces plan access itself, so it reads the whole registry and gets an OSB catalog
 * narrowed only by plan metadata; every other type sees what its visibilities reach.
 */
@MicronautTest(transactional = false)
class PlatformTypeSemanticsIT extends OsbTestBase {

  @Test
  void aCloudFoundryPlatformListsEveryBrokerOfferingAndPlanWithoutAnyVisibility() {
    Api cf = platformClient(createPlatform("cf-one", "cloudfoundry"));
    assertThat(cf.get("/v1/service_brokers").ids()).containsExactly(brokerId);
    assertThat(cf.get("/v1/service_brokers/" + brokerId).status()).isEqualTo(200);
    assertThat(cf.get("/v1/service_offerings").items()).hasSize(1);
    assertThat(cf.get("/v1/service_plans").ids()).containsExactlyInAnyOrder(smallPlanId, largePlanId);
    assertThat(cf.get("/v1/service_plans/" + largePlanId).status()).isEqualTo(200);
    assertThat(cf.get("/v1/service_brokers?fieldQuery=" + Api.q("ready eq true")).ids())
        .as("the agent's own query").containsExactly(brokerId);
  }

  @Test
  void aCloudFoundryPlatformStillSeesOnlyItsOwnAndPublicVisibilities() {
    Map<String, Object> created = createPlatform("cf-one", "cloudfoundry");
    String cfId = (String) created.get("id");
    Api cf = platformClient(created);
    visible(smallPlanId, platformId); // the Kubernetes platform's
    assertThat(cf.get("/v1/visibilities").ids()).isEmpty();
    visible(smallPlanId, cfId, "org-a");
    visible(largePlanId, null);
    assertThat(cf.get("/v1/visibilities").items()).extracting(v -> v.get("platform_id"))
        .containsExactlyInAnyOrder(cfId, null);
  }

  @Test
  void kubernetesAndUnknownPlatformTypesSeeOnlyWhatTheirVisibilitiesReach() {
    Api k8s = anonymous().withAuthorization(platformAuth);
    Api other = platformClient(createPlatform("compass-runtime", "kyma-runtime"));
    assertThat(k8s.get("/v1/service_brokers").ids()).isEmpty();
    assertThat(other.get("/v1/service_brokers").ids()).isEmpty();
    assertThat(other.get("/v1/service_plans").ids()).isEmpty();
    visible(smallPlanId, platformId);
    assertThat(k8s.get("/v1/service_brokers").ids()).containsExactly(brokerId);
    assertThat(k8s.get("/v1/service_plans").ids()).containsExactly(smallPlanId);
    assertThat(k8s.get("/v1/service_plans/" + largePlanId).status()).isEqualTo(404);
    assertThat(other.get("/v1/service_brokers").ids()).isEmpty();
  }

  @Test
  void theCloudFoundryCatalogAppliesPlanMetadataOnlyAndOtherTypesOnlyVisibilities() {
    Map<String, Object> catalog = FakeCatalog.defaultCatalog();
    planMetadata(catalog, 0).put("supportedPlatforms", List.of("kubernetes"));
    planMetadata(catalog, 1).put("supportedPlatformNames", List.of("cf-one"));
    broker.catalog(catalog);
    assertThat(admin().patch("/v1/service_brokers/" + brokerId, Map.of()).status()).isEqualTo(200);
    Map<String, Object> cfOne = createPlatform("cf-one", "cloudfoundry");
    Map<String, Object> cfTwo = createPlatform("cf-two", "cloudfoundry");

    assertThat(catalogPlanIds(auth(cfOne))).as("no visibility needed; small is for kubernetes only").containsExactly(LARGE);
    assertThat(catalogPlanIds(auth(cfTwo))).as("large names only cf-one").isEmpty();
    assertThat(catalogPlanIds(platformAuth)).as("kubernetes: visibilities, none yet").isEmpty();
    visible(largePlanId, platformId);
    assertThat(catalogPlanIds(platformAuth)).as("kubernetes: metadata is not applied").containsExactly(LARGE);
  }

  private List<Object> catalogPlanIds(String authorization) {
    Api.Result result = send(authorization, "GET", base() + "/catalog", null, Map.of("X-Broker-API-Version", "2.17"));
    assertThat(result.status()).as(result.toString()).isEqualTo(200);
    return OsbAccessAndCatalogIT.services(result).stream()
        .flatMap(s -> OsbAccessAndCatalogIT.plans(s).stream())
        .map(p -> p.get("id"))
        .toList();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> planMetadata(Map<String, Object> catalog, int plan) {
    Map<String, Object> service = ((List<Map<String, Object>>) catalog.get("services")).get(0);
    return (Map<String, Object>) ((List<Map<String, Object>>) service.get("plans")).get(plan).get("metadata");
  }
}

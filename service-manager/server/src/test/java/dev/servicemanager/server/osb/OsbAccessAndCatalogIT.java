package dev.servicemanager.server.osb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.testkit.Route;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@MicronautTest(transactional = false)
class OsbAccessAndCatalogIT extends OsbTestBase {

  @Test
  void missingCredentialsAre401() {
    Api.Result result = send(null, "GET", base() + "/catalog", null, Map.of());
    assertThat(result.status()).isEqualTo(401);
    assertThat(result.error()).isEqualTo("Unauthorized");
    assertThat(result.string("description")).isNotBlank();
  }

  @Test
  void wrongCredentialsAre401() {
    Api.Result result = send(Api.basic("nobody", "wrong"), "PUT", base() + "/service_instances/i1",
        provisionBody(SMALL, k8sContext("x")), Map.of());
    assertThat(result.status()).isEqualTo(401);
    assertThat(broker.requests(Route.PROVISION)).isEmpty();
  }

  @Test
  void anAdministratorTokenIs403BecauseThereIsNoCallingPlatform() {
    Api.Result result = admin().get(base() + "/catalog");
    assertThat(result.status()).isEqualTo(403);
    assertThat(result.error()).isEqualTo("Forbidden");
  }

  @Test
  void anUnknownBrokerIs404InOsbErrorShapeAndNoBrokerIsCalled() {
    visible(smallPlanId, platformId);
    Map<String, String> version = Map.of("X-Broker-API-Version", "2.17");
    Api.Result catalog = send(platformAuth, "GET", "/v1/osb/no-such-broker/v2/catalog", null, version);
    Api.Result provision = send(platformAuth, "PUT", "/v1/osb/no-such-broker/v2/service_instances/i1",
        provisionBody(SMALL, k8sContext("x")), version);
    assertThat(catalog.status()).isEqualTo(404);
    assertThat(catalog.error()).isEqualTo("NotFound");
    assertThat(catalog.string("description")).isNotBlank();
    assertThat(provision.status()).isEqualTo(404);
    assertThat(broker.requests(Route.PROVISION)).isEmpty();
  }

  @Test
  void theCatalogHasOnlyPlansVisibleToTheCallerWithSmIds() {
    visible(smallPlanId, platformId);
    long catalogCalls = broker.requests(Route.CATALOG).size();

    Api.Result result = osb("GET", "/catalog", null);

    assertThat(result.status()).isEqualTo(200);
    List<Map<String, Object>> services = services(result);
    assertThat(services).hasSize(1);
    Map<String, Object> service = services.get(0);
    assertThat(service)
        .containsEntry("id", SERVICE)
        .containsEntry("name", "fake-service")
        .containsEntry("bindable", true)
        .containsEntry("plan_updateable", true)
        .containsEntry("instances_retrievable", true)
        .containsEntry("bindings_retrievable", true)
        .containsEntry("allow_context_updates", false)
        .containsEntry("tags", List.of("fake", "test"))
        .containsKey("description");
    assertThat(metadata(service)).containsEntry("sm_offering_id", offeringId()).containsEntry("displayName", "Fake Service 0");
    List<Map<String, Object>> plans = plans(service);
    assertThat(plans).extracting(p -> p.get("id")).containsExactly(SMALL);
    Map<String, Object> small = plans.get(0);
    assertThat(small).containsEntry("name", "small").containsEntry("free", true).containsKey("schemas");
    assertThat(metadata(small)).containsEntry("sm_plan_id", smallPlanId);
    // Served from the store: the broker is not asked.
    assertThat(broker.requests(Route.CATALOG)).hasSize((int) catalogCalls);
  }

  @Test
  void aPublicVisibilityShowsThePlanToEveryPlatform() {
    visible(largePlanId, null);
    List<Map<String, Object>> plans = plans(services(osb("GET", "/catalog", null)).get(0));
    assertThat(plans).extracting(p -> p.get("id")).containsExactly(LARGE);
    assertThat(metadata(plans.get(0))).containsEntry("sm_plan_id", largePlanId);
  }

  @Test
  void aServiceWithoutVisiblePlansIsRemoved() {
    Map<String, Object> other = createPlatform("k8s-two", "kubernetes");
    visible(smallPlanId, (String) other.get("id")); // another platform's visibility does not count
    Api.Result result = osb("GET", "/catalog", null);
    assertThat(result.status()).isEqualTo(200);
    assertThat(services(result)).isEmpty();
  }

  @Test
  void aCloudFoundryPlatformSeesEveryPlanWithoutVisibilities() {
    Map<String, Object> cf = createPlatform("cf-one", "cloudfoundry");
    Api.Result result = send(auth(cf), "GET", base() + "/catalog", null, Map.of("X-Broker-API-Version", "2.17"));
    List<Map<String, Object>> plans = plans(services(result).get(0));
    assertThat(plans).extracting(p -> p.get("id")).containsExactly(SMALL, LARGE);
    assertThat(plans).allSatisfy(p -> assertThat(metadata(p)).containsKey("sm_plan_id"));
  }

  private String offeringId() {
    return admin().get("/v1/service_offerings?fieldQuery=" + Api.q("broker_id eq '" + brokerId + "'")).ids().get(0);
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> services(Api.Result result) {
    return (List<Map<String, Object>>) result.json().get("services");
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> plans(Map<String, Object> service) {
    return (List<Map<String, Object>>) service.get("plans");
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> metadata(Map<String, Object> entity) {
    return (Map<String, Object>) entity.get("metadata");
  }
}

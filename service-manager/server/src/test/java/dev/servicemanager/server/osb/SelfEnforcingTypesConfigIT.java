package dev.servicemanager.server.osb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code sm.platforms.self-enforcing-types} decides which platform types read the registry unnarrowed. */
@MicronautTest(transactional = false)
class SelfEnforcingTypesConfigIT extends OsbTestBase {
  @Override
  protected Map<String, String> extraProperties() {
    return Map.of("sm.platforms.self-enforcing-types", "Acme-PaaS, kubernetes");
  }

  @Test
  void configuredTypesAreSelfEnforcingAndCloudFoundryIsNoLongerOneOfThem() {
    Api acme = platformClient(createPlatform("acme-1", "acme-paas"));
    Api cf = platformClient(createPlatform("cf-1", "cloudfoundry"));
    Api k8s = anonymous().withAuthorization(platformAuth);
    assertThat(acme.get("/v1/service_brokers").ids()).containsExactly(brokerId);
    assertThat(k8s.get("/v1/service_plans").ids()).containsExactlyInAnyOrder(smallPlanId, largePlanId);
    assertThat(cf.get("/v1/service_brokers").ids()).isEmpty();
    Api.Result catalog = send(platformAuth, "GET", base() + "/catalog", null, Map.of("X-Broker-API-Version", "2.17"));
    assertThat(OsbAccessAndCatalogIT.services(catalog)).hasSize(1);
  }
}

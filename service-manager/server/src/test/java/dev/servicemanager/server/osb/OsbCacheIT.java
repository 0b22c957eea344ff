package dev.servicemanager.server.osb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.servicemanager.server.support.Api;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The OSB endpoint answers authentication, plan look-ups, visibility checks and catalogs from
 * memory (RegistryVersion). These tests warm those caches and then change the registry: through the
 * API of this server (seen at once) and with plain SQL, the way another server's commit reaches this
 * one (seen through PostgreSQL's NOTIFY within a bounded time).
 */
@MicronautTest(transactional = false)
class OsbCacheIT extends OsbTestBase {
  private static final Duration PROPAGATION = Duration.ofSeconds(10);

  @Test
  void aRotatedPairStopsWorkingAsSoonAsTheNewOneIsUsed() {
    assertThat(osb("GET", "/catalog", null).status()).isEqualTo(200);
    Map<String, Object> rotated = admin().patch("/v1/platforms/" + platformId + "?regenerateCredentials=true", Map.of()).json();
    String newAuth = auth(rotated);

    // The old pair (cached as valid a moment ago) still works until the new one is used (rotation overlap)...
    assertThat(osb("GET", "/catalog", null).status()).isEqualTo(200);
    assertThat(send(newAuth, "GET", base() + "/catalog", null, Map.of("X-Broker-API-Version", "2.17")).status()).isEqualTo(200);
    // ...and not a request longer.
    assertThat(osb("GET", "/catalog", null).status()).isEqualTo(401);
  }

  @Test
  void aVisibilityRemovedThroughTheApiHidesThePlanAtOnce() throws Exception {
    visible(smallPlanId, platformId);
    assertThat(osb("GET", "/catalog", null).body()).contains(smallPlanId);
    String visibilityId = (String) row("SELECT id FROM visibilities WHERE service_plan_id = '" + smallPlanId + "'").get("id");

    assertThat(admin().delete("/v1/visibilities/" + visibilityId).status()).isEqualTo(200);

    assertThat(osb("GET", "/catalog", null).body()).doesNotContain(smallPlanId);
    Api.Result provision = osb("PUT", "/service_instances/i1", provisionBody(SMALL, k8sContext("db")));
    assertThat(provision.status()).isEqualTo(400);
    assertThat(provision.body()).contains("ServicePlanNotFound");
  }

  @Test
  void changesCommittedElsewhereReachTheCachesThroughTheDatabase() throws Exception {
    provisioned("i1"); // makes the plan visible
    assertThat(osb("GET", "/catalog", null).body()).contains(smallPlanId);

    // Another server removes the visibility: catalog and provision follow.
    exec("DELETE FROM visibilities WHERE service_plan_id = '" + smallPlanId + "'");
    await().atMost(PROPAGATION).untilAsserted(() -> assertThat(osb("GET", "/catalog", null).body()).doesNotContain(smallPlanId));
    assertThat(osb("PUT", "/service_instances/i2", provisionBody(SMALL, k8sContext("db2"))).status()).isEqualTo(400);
    assertThat(broker.requests("PUT", "/v2/service_instances/i2")).isEmpty();

    // Another server suspends the platform: writes are refused.
    visible(smallPlanId, platformId);
    exec("UPDATE platforms SET suspended = true WHERE id = '" + platformId + "'");
    await()
        .atMost(PROPAGATION)
        .untilAsserted(() -> assertThat(osb("PUT", "/service_instances/i3", provisionBody(SMALL, k8sContext("db3"))).body()).contains("suspended"));

    // Another server replaces the platform's credentials: the cached pair is refused.
    exec("UPDATE platforms SET password_hash = repeat('0', 64), old_username = NULL, old_password_hash = NULL WHERE id = '" + platformId + "'");
    await().atMost(PROPAGATION).untilAsserted(() -> assertThat(osb("GET", "/catalog", null).status()).isEqualTo(401));
  }
}

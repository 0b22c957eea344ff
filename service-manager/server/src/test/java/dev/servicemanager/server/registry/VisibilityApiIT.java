package dev.servicemanager.server.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@MicronautTest(transactional = false)
class VisibilityApiIT extends ResourceApiContract {
  @Override
  String path() {
    return "/v1/visibilities";
  }

  @Override
  String nameField() {
    return "platform_id";
  }

  @Override
  List<String> seed(int n) {
    String plan = planIds((String) registerBroker("visible").get("id")).get(0);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String platform = (String) createPlatform("vis-platform-" + i, "kubernetes").get("id");
      Api.Result created = admin().post(path(), Map.of("platform_id", platform, "service_plan_id", plan));
      assertThat(created.status()).as(created.toString()).isEqualTo(201);
      ids.add(created.string("id"));
    }
    return ids;
  }

  @Test
  void oneVisibilityPerPlatformAndPlanAndOnePublicOnePerPlan() {
    String plan = planIds((String) registerBroker("dup").get("id")).get(0);
    String platform = (String) createPlatform("dup-platform", "kubernetes").get("id");
    assertThat(admin().post(path(), Map.of("platform_id", platform, "service_plan_id", plan)).status()).isEqualTo(201);
    Api.Result again = admin().post(path(), Map.of("platform_id", platform, "service_plan_id", plan));
    assertThat(again.status()).isEqualTo(409);
    assertThat(admin().post(path(), Map.of("service_plan_id", plan)).status()).isEqualTo(201);
    assertThat(admin().post(path(), Map.of("service_plan_id", plan)).status()).isEqualTo(409);
  }

  @Test
  void unknownPlatformOrPlanIs404AndStoresNothing() throws Exception {
    String plan = planIds((String) registerBroker("refs").get("id")).get(0);
    Api.Result badPlatform = admin().post(path(), Map.of("platform_id", "nope", "service_plan_id", plan));
    assertThat(badPlatform.status()).isEqualTo(404);
    assertThat(badPlatform.string("description")).contains("platform");
    Api.Result badPlan = admin().post(path(), Map.of("service_plan_id", "nope"));
    assertThat(badPlan.status()).isEqualTo(404);
    assertThat(badPlan.string("description")).contains("service plan");
    assertThat(count("SELECT count(*) FROM visibilities")).isZero();
  }

  @Test
  void platformsSeeOnlyTheirOwnAndPublicVisibilitiesAndWhatTheyReach() {
    String brokerId = (String) registerBroker("scoped").get("id");
    List<String> plans = planIds(brokerId);
    Map<String, Object> a = createPlatform("platform-a", "kubernetes");
    Map<String, Object> b = createPlatform("platform-b", "kubernetes");
    String visA = admin().post(path(), Map.of("platform_id", a.get("id"), "service_plan_id", plans.get(0))).string("id");
    admin().post(path(), Map.of("platform_id", b.get("id"), "service_plan_id", plans.get(1)));
    Api clientA = platformClient(a);
    assertThat(clientA.get(path()).ids()).containsExactly(visA);
    assertThat(clientA.get("/v1/service_plans").ids()).containsExactly(plans.get(0));
    assertThat(clientA.get("/v1/service_plans/" + plans.get(1)).status()).isEqualTo(404);
    assertThat(clientA.get("/v1/service_brokers").ids()).containsExactly(brokerId);
    Map<String, Object> c = createPlatform("platform-c", "kubernetes");
    assertThat(platformClient(c).get("/v1/service_brokers").ids()).isEmpty();
    String publicVis = admin().post(path(), Map.of("service_plan_id", plans.get(1))).string("id");
    assertThat(platformClient(c).get(path()).ids()).containsExactly(publicVis);
    assertThat(platformClient(c).get("/v1/service_offerings").items()).hasSize(1);
  }
}

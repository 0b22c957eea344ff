package dev.servicemanager.server.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@MicronautTest(transactional = false)
class PlatformApiIT extends ResourceApiContract {
  @Override
  String path() {
    return "/v1/platforms";
  }

  @Override
  String nameField() {
    return "name";
  }

  @Override
  List<String> seed(int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add((String) createPlatform("platform-" + i + "-x", i % 2 == 0 ? "kubernetes" : "cloudfoundry").get("id"));
    }
    return ids;
  }

  @Test
  void createReturnsGeneratedCredentialsOnceAndStoresOnlyTheirHash() throws Exception {
    Map<String, Object> created = createPlatform("cf-eu", "cloudfoundry");
    @SuppressWarnings("unchecked")
    Map<String, String> basic = (Map<String, String>) ((Map<String, Object>) created.get("credentials")).get("basic");
    assertThat(basic.get("username")).hasSizeGreaterThanOrEqualTo(40);
    assertThat(basic.get("password")).hasSizeGreaterThanOrEqualTo(40);
    assertThat(admin().get("/v1/platforms/" + created.get("id")).body()).doesNotContain("credentials", basic.get("password"));
    assertThat(count("SELECT count(*) FROM platforms WHERE password_hash = '" + basic.get("password") + "'")).isZero();
    assertThat(count("SELECT count(*) FROM platforms WHERE length(password_hash) = 64 AND id = '" + created.get("id") + "'")).isOne();
  }

  @Test
  void clientChosenIdsAreKeptAndDuplicateNamesAre409() {
    Api.Result created = admin().post("/v1/platforms", Map.of("id", "my-platform", "name", "one", "type", "kubernetes"));
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.string("id")).isEqualTo("my-platform");
    Api.Result duplicate = admin().post("/v1/platforms", Map.of("name", "one", "type", "kubernetes"));
    assertThat(duplicate.status()).isEqualTo(409);
    assertThat(duplicate.error()).isEqualTo("Conflict");
    assertThat(admin().post("/v1/platforms", Map.of("id", "my-platform", "name", "two", "type", "x")).status()).isEqualTo(409);
  }

  @Test
  void invalidBodiesAre400AndStoreNothing() throws Exception {
    long before = count("SELECT count(*) FROM platforms");
    for (String body :
        List.of(
            "{\"name\": \"x\"}",
            "{\"name\": \"\", \"type\": \"k\"}",
            "{\"name\": 5, \"type\": \"k\"}",
            "{\"name\": \"x\", \"type\": \"k\", \"unknown\": true}",
            "{\"name\": \"x\", \"type\": \"k\", \"id\": \"has/slash\"}",
            "{\"name\": \"x\", \"type\": \"k\", \"labels\": {\"bad key\": [\"v\"]}}",
            "{\"name\": \"x\", \"type\": \"k\", \"labels\": {\"k\": []}}",
            "{\"name\": \"x\", \"type\": \"service-manager\"}",
            "{\"name\": \"x\", \"type\": \"k\"",
            "[1,2]",
            "")) {
      Api.Result result = admin().send("POST", "/v1/platforms", "application/json", body);
      assertThat(result.status()).as(body + " -> " + result).isEqualTo(400);
      assertThat(result.error()).isEqualTo("BadRequest");
      assertThat(result.string("description")).isNotBlank();
    }
    assertThat(count("SELECT count(*) FROM platforms")).isEqualTo(before);
  }

  @Test
  void regeneratedCredentialsReplaceUnusedOnesAndOverlapWithUsedOnes() {
    Map<String, Object> created = createPlatform("rotating", "kubernetes");
    String id = (String) created.get("id");
    Api oldClient = platformClient(created);
    // Used once, so the pair is active and must survive a rotation until the new pair is used.
    assertThat(oldClient.get("/v1/platforms/" + id).status()).isEqualTo(200);
    Api.Result rotated = admin().patch("/v1/platforms/" + id + "?regenerateCredentials=true", Map.of());
    assertThat(rotated.status()).isEqualTo(200);
    Api newClient = platformClient(rotated.json());
    assertThat(oldClient.get("/v1/platforms/" + id).status()).isEqualTo(200);
    assertThat(newClient.get("/v1/platforms/" + id).status()).isEqualTo(200);
    assertThat(oldClient.get("/v1/platforms/" + id).status()).isEqualTo(401);
    // A pair that was never used is simply replaced.
    Api.Result again = admin().patch("/v1/platforms/" + id + "?regenerateCredentials=true", Map.of());
    Api.Result third = admin().patch("/v1/platforms/" + id + "?regenerateCredentials=true", Map.of());
    assertThat(platformClient(again.json()).get("/v1/platforms/" + id).status()).isEqualTo(401);
    assertThat(platformClient(third.json()).get("/v1/platforms/" + id).status()).isEqualTo(200);
  }

  @Test
  void patchChangesOnlyGivenFieldsAndNeverShowsCredentials() {
    Map<String, Object> created = createPlatform("patchable", "kubernetes");
    Api.Result patched =
        admin().patch("/v1/platforms/" + created.get("id"), Map.of("description", "prod cluster", "suspended", true));
    assertThat(patched.status()).isEqualTo(200);
    assertThat(patched.json())
        .containsEntry("name", "patchable")
        .containsEntry("type", "kubernetes")
        .containsEntry("description", "prod cluster")
        .containsEntry("suspended", true)
        .doesNotContainKey("credentials");
  }

  @Test
  void aPlatformSeesOnlyItselfInThePlatformList() {
    Map<String, Object> mine = createPlatform("mine", "kubernetes");
    createPlatform("other", "kubernetes");
    Api.Result list = platformClient(mine).get("/v1/platforms");
    assertThat(list.ids()).containsExactly((String) mine.get("id"));
  }

  @Test
  void theBuiltInPlatformCannotBeChangedOrDeleted() {
    assertThat(admin().patch("/v1/platforms/service-manager", Map.of("description", "x")).status()).isEqualTo(400);
    assertThat(admin().delete("/v1/platforms/service-manager").status()).isEqualTo(400);
    assertThat(admin().delete("/v1/platforms?fieldQuery=" + Api.q("name eq 'service-manager'")).status()).isEqualTo(200);
    assertThat(admin().get("/v1/platforms/service-manager").status()).isEqualTo(200);
  }

  @Test
  void deleteAndBulkDelete() {
    List<String> ids = seed(4);
    assertThat(admin().delete("/v1/platforms/" + ids.get(0)).body()).isEqualTo("{}");
    assertThat(admin().get("/v1/platforms/" + ids.get(0)).status()).isEqualTo(404);
    assertThat(admin().delete("/v1/platforms/" + ids.get(0)).status()).isEqualTo(404);
    Api.Result noQuery = admin().delete("/v1/platforms");
    assertThat(noQuery.status()).isEqualTo(400);
    assertThat(admin().delete("/v1/platforms?fieldQuery=" + Api.q("type eq 'kubernetes'")).status()).isEqualTo(200);
    assertThat(admin().get("/v1/platforms").ids()).containsExactlyInAnyOrder("service-manager", ids.get(1), ids.get(3));
  }
}

package dev.servicemanager.server.instances;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.testkit.RecordedRequest;
import dev.servicemanager.testkit.Responder;
import dev.servicemanager.testkit.Route;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@MicronautTest(transactional = false)
class BindingApiIT extends InstanceTestBase {
  private String instanceId;

  @BeforeEach
  void setUp() {
    String planId = registerPublicBroker();
    // reset() also forgets the fake's instances, so it comes before the instance is created
    broker.reset();
    instanceId = readyInstance("bound-db", planId);
  }

  private Api.Result bind(String name, String query) {
    return admin().post("/v1/service_bindings" + query, Map.of("name", name, "service_instance_id", instanceId));
  }

  @Test
  void bindStoresCredentialsEncryptedAndShowsThemOnlyOnGetOfTheBinding() throws Exception {
    Map<String, Object> op = awaitOperation(bind("app-1", ""));
    assertThat(op).containsEntry("state", "succeeded").containsEntry("resource_type", "/v1/service_bindings");
    String id = op.get("resource_id").toString();

    Map<String, Object> binding = admin().get("/v1/service_bindings/" + id).json();
    assertThat(binding).containsEntry("ready", true).containsEntry("service_instance_id", instanceId);
    assertThat(map(binding.get("credentials"))).containsEntry("username", "u-" + id).containsEntry("password", "p-" + id);
    assertThat(admin().get("/v1/service_bindings").items().get(0)).doesNotContainKey("credentials");
    assertThat(count("SELECT count(*) FROM service_bindings WHERE credentials_encrypted LIKE '%p-" + id + "%'"))
        .as("credentials are encrypted at rest").isZero();
    assertThat(count("SELECT count(*) FROM service_bindings WHERE credentials_encrypted IS NOT NULL")).isEqualTo(1);

    RecordedRequest put = broker.requests(Route.BIND).get(0);
    assertThat(put.path()).isEqualTo("/v2/service_instances/" + instanceId + "/service_bindings/" + id);
    assertThat(put.query()).containsEntry("accepts_incomplete", "true");
    assertThat(map(put.json().get("context"))).containsEntry("platform", "service-manager");
  }

  @Test
  void syncBindAnswers201WithCredentials() {
    Api.Result created = bind("app-sync", "?async=false");
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    assertThat(created.json()).containsKey("credentials");
  }

  @Test
  void asyncBindIsPolledThenFetchedForItsCredentials() {
    broker.on(Route.BIND, Responder.async("bind-op"));
    broker.pollsBeforeSuccess(Route.BINDING_LAST_OPERATION, 1);
    Map<String, Object> op = awaitOperation(bind("app-async", ""));
    assertThat(op).containsEntry("state", "succeeded");
    String id = op.get("resource_id").toString();
    assertThat(broker.requests(Route.BINDING_LAST_OPERATION)).hasSizeGreaterThanOrEqualTo(2);
    assertThat(broker.requests(Route.FETCH_BINDING)).hasSize(1);
    assertThat(admin().get("/v1/service_bindings/" + id).json()).containsKey("credentials");
  }

  @Test
  void bindingNamesAreUniquePerInstance() {
    assertThat(bind("same", "?async=false").status()).isEqualTo(201);
    Api.Result again = bind("same", "");
    assertThat(again.status()).isEqualTo(409);
  }

  @Test
  void anInstanceWithBindingsIsDeletedOnlyWithCascade() throws Exception {
    bind("c1", "?async=false");
    bind("c2", "?async=false");
    Api.Result refused = admin().delete("/v1/service_instances/" + instanceId);
    assertThat(refused.status()).isEqualTo(409);
    assertThat(refused.error()).isEqualTo("ExistingReferenceEntity");

    Map<String, Object> op = awaitOperation(admin().delete("/v1/service_instances/" + instanceId + "?cascade=true"));
    assertThat(op).containsEntry("state", "succeeded");
    assertThat(broker.requests(Route.UNBIND)).hasSize(2);
    assertThat(broker.requests(Route.DEPROVISION)).hasSize(1);
    assertThat(count("SELECT count(*) FROM service_bindings")).isZero();
    assertThat(admin().get("/v1/service_instances/" + instanceId).status()).isEqualTo(404);
  }

  @Test
  void patchChangesOnlyNameAndLabels() {
    String id = bind("p1", "?async=false").string("id");
    Api.Result renamed =
        admin().patch("/v1/service_bindings/" + id,
            Map.of("name", "p2", "labels", List.of(Map.of("op", "add", "key", "k", "values", List.of("v")))));
    assertThat(renamed.status()).isEqualTo(200);
    assertThat(renamed.json()).containsEntry("name", "p2");
    assertThat(admin().patch("/v1/service_bindings/" + id, Map.of("parameters", Map.of())).status()).isEqualTo(400);
    assertThat(admin().patch("/v1/service_bindings/" + id + "?async=true", Map.of("name", "p3")).status()).isEqualTo(400);
  }

  @Test
  void unbindDeletesTheBinding() {
    String id = bind("u1", "?async=false").string("id");
    Map<String, Object> op = awaitOperation(admin().delete("/v1/service_bindings/" + id));
    assertThat(op).containsEntry("state", "succeeded");
    assertThat(admin().get("/v1/service_bindings/" + id).status()).isEqualTo(404);
    assertThat(broker.requests(Route.UNBIND).get(0).path())
        .isEqualTo("/v2/service_instances/" + instanceId + "/service_bindings/" + id);
  }

  @Test
  void bindingsNeedAnExistingUsableInstance() throws Exception {
    assertThat(admin().post("/v1/service_bindings", Map.of("name", "x", "service_instance_id", "nope")).status())
        .isEqualTo(404);
    assertThat(admin().send("POST", "/v1/service_bindings", "application/json", "[]").status()).isEqualTo(400);
    assertThat(count("SELECT count(*) FROM service_bindings")).isZero();
  }
}

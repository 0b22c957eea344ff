package dev.servicemanager.server.osb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.crypto.Encryptor;
import dev.servicemanager.server.support.Api;
import dev.servicemanager.testkit.Responder;
import dev.servicemanager.testkit.Route;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bind, unbind, fetch binding and binding last_operation: what the platform gets and what SM records. */
@MicronautTest(transactional = false)
class OsbBindingIT extends OsbTestBase {
  private static final String BINDING = "/service_instances/i1/service_bindings/b1";
  private static final String UNBIND = BINDING + "?service_id=service-0&plan_id=plan-0-0";

  @Inject Encryptor encryptor;

  private Map<String, Object> binding(String id) throws Exception {
    return row("SELECT name, service_instance_id, credentials_encrypted, context::text AS context,"
        + " bind_resource::text AS bind_resource, ready FROM service_bindings WHERE id = '" + id + "'");
  }

  private static String bindBody() {
    return Api.toJson(Map.of("service_id", SERVICE, "plan_id", SMALL, "bind_resource", Map.of("app_guid", "app-1")));
  }

  @Test
  void bind201StoresTheBindingWithEncryptedCredentialsAndTheInstanceContext() throws Exception {
    provisioned("i1");
    Api.Result result = osb("PUT", BINDING, bindBody());

    assertThat(result.status()).isEqualTo(201);
    assertThat(result.json()).containsKey("credentials");
    Map<String, Object> row = binding("b1");
    assertThat(row).containsEntry("name", "b1").containsEntry("service_instance_id", "i1").containsEntry("ready", true);
    assertThat((String) row.get("bind_resource")).contains("app-1");
    assertThat((String) row.get("context")).contains("db-i1");
    String encrypted = (String) row.get("credentials_encrypted");
    assertThat(encrypted).doesNotContain("p-b1");
    assertThat(encryptor.decrypt(encrypted, "binding-credentials:b1"))
        .contains("\"username\":\"u-b1\"").contains("\"password\":\"p-b1\"");
    assertThat(lastOperation("b1"))
        .containsEntry("type", "create")
        .containsEntry("state", "succeeded")
        .containsEntry("resource_type", "/v1/service_bindings")
        .containsEntry("platform_id", platformId)
        .containsEntry("step", "tracked")
        .containsEntry("next_attempt_at", null);
  }

  @Test
  void bind200StoresOnlyAnUnknownBinding() throws Exception {
    provisioned("i1");
    broker.on(Route.BIND, Responder.respond(200, Map.of("credentials", Map.of("k", "v"))));
    assertThat(osb("PUT", BINDING, bindBody()).status()).isEqualTo(200);
    assertThat(binding("b1")).containsEntry("ready", true);
    assertThat(osb("PUT", BINDING, bindBody()).status()).isEqualTo(200);
    assertThat(count("SELECT count(*) FROM operations WHERE resource_id = 'b1'")).isEqualTo(1);
  }

  @Test
  void bind202IsTrackedAndCredentialsArriveWithTheFetch() throws Exception {
    provisioned("i1");
    broker.on(Route.BIND, Responder.async("bind-1"));
    broker.on(Route.BINDING_LAST_OPERATION, Responder.lastOperationSequence("in progress", "succeeded"));

    Api.Result accepted = osb("PUT", BINDING + "?accepts_incomplete=true", bindBody());
    assertThat(accepted.status()).isEqualTo(202);
    assertThat(binding("b1")).containsEntry("ready", false).containsEntry("credentials_encrypted", null);
    assertThat(lastOperation("b1")).containsEntry("state", "in progress").containsEntry("external_id", "bind-1");

    assertThat(osb("GET", BINDING + "/last_operation?operation=bind-1", null).json()).containsEntry("state", "in progress");
    assertThat(lastOperation("b1")).containsEntry("state", "in progress");
    assertThat(osb("GET", BINDING + "/last_operation?operation=bind-1", null).json()).containsEntry("state", "succeeded");
    assertThat(binding("b1")).containsEntry("ready", true);
    assertThat(lastOperation("b1")).containsEntry("state", "succeeded");

    Api.Result fetched = osb("GET", BINDING, null);
    assertThat(fetched.status()).isEqualTo(200);
    assertThat(encryptor.decrypt((String) binding("b1").get("credentials_encrypted"), "binding-credentials:b1"))
        .contains("u-b1");
  }

  @Test
  void aFailedAsyncBindRemovesTheBinding() throws Exception {
    provisioned("i1");
    broker.on(Route.BIND, Responder.async("bind-1"));
    broker.on(Route.BINDING_LAST_OPERATION, Responder.respond(200, Map.of("state", "failed", "description", "nope")));
    osb("PUT", BINDING + "?accepts_incomplete=true", bindBody());
    assertThat(osb("GET", BINDING + "/last_operation", null).json()).containsEntry("state", "failed");
    assertThat(binding("b1")).isNull();
    assertThat(lastOperation("b1")).containsEntry("state", "failed").containsEntry("description", "nope");
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 409, 422, 500})
  void aRefusedBindIsPassedBackAndStoresNothing(int status) throws Exception {
    provisioned("i1");
    broker.on(Route.BIND, Responder.error(status, status == 422 ? "RequiresApp" : null, "refused"));
    Api.Result result = osb("PUT", BINDING, bindBody());
    assertThat(result.status()).isEqualTo(status);
    assertThat(result.string("description")).as("passed through unchanged").isEqualTo("refused");
    assertThat(count("SELECT count(*) FROM service_bindings")).isZero();
    assertThat(count("SELECT count(*) FROM operations WHERE resource_id = 'b1'")).isZero();
  }

  @Test
  void aBindingOfAnInstanceSmDoesNotTrackIsForwardedButNotStored() throws Exception {
    broker.on(Route.BIND, Responder.respond(201, Map.of("credentials", Map.of("k", "v"))));
    assertThat(osb("PUT", BINDING, bindBody()).status()).isEqualTo(201);
    assertThat(count("SELECT count(*) FROM service_bindings")).isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {200, 410})
  void unbind200Or410DeletesTheBinding(int status) throws Exception {
    provisioned("i1");
    osb("PUT", BINDING, bindBody());
    broker.on(Route.UNBIND, Responder.respond(status, Map.of()));
    assertThat(osb("DELETE", UNBIND, null).status()).isEqualTo(status);
    assertThat(binding("b1")).isNull();
    assertThat(lastOperation("b1")).containsEntry("type", "delete").containsEntry("state", "succeeded");
  }

  @Test
  void unbind202EndsWhenAPollAnswers410() throws Exception {
    provisioned("i1");
    osb("PUT", BINDING, bindBody());
    broker.on(Route.UNBIND, Responder.async("unbind-1"));
    broker.on(Route.BINDING_LAST_OPERATION, Responder.gone());
    assertThat(osb("DELETE", UNBIND + "&accepts_incomplete=true", null).status()).isEqualTo(202);
    assertThat(binding("b1")).isNotNull();
    assertThat(lastOperation("b1")).containsEntry("type", "delete").containsEntry("state", "in progress");
    assertThat(osb("GET", BINDING + "/last_operation", null).status()).isEqualTo(410);
    assertThat(binding("b1")).isNull();
    assertThat(lastOperation("b1")).containsEntry("state", "succeeded");
  }

  @Test
  void unbind422KeepsTheBinding() throws Exception {
    provisioned("i1");
    osb("PUT", BINDING, bindBody());
    broker.on(Route.UNBIND, Responder.error(422, "ConcurrencyError", "busy"));
    Api.Result result = osb("DELETE", UNBIND, null);
    assertThat(result.status()).isEqualTo(422);
    assertThat(result.error()).isEqualTo("ConcurrencyError");
    assertThat(binding("b1")).isNotNull();
  }

  @Test
  void anotherPlatformsBindingIs404AndTheBrokerIsNotCalled() {
    provisioned("i1");
    osb("PUT", BINDING, bindBody());
    Map<String, Object> other = createPlatform("k8s-two", "kubernetes");
    Map<String, String> version = Map.of("X-Broker-API-Version", "2.17");
    int before = broker.requests().size();
    Api.Result fetch = send(auth(other), "GET", base() + BINDING, null, version);
    Api.Result unbind = send(auth(other), "DELETE", base() + UNBIND, null, version);
    assertThat(fetch.status()).isEqualTo(404);
    assertThat(unbind.status()).isEqualTo(404);
    assertThat(unbind.error()).isEqualTo("NotFound");
    assertThat(broker.requests()).hasSize(before);
  }

  @Test
  void aSuspendedPlatformCannotBind() throws Exception {
    provisioned("i1");
    exec("UPDATE platforms SET suspended = true WHERE id = '" + platformId + "'");
    Api.Result result = osb("PUT", BINDING, bindBody());
    assertThat(result.status()).isEqualTo(400);
    assertThat(broker.requests(Route.BIND)).isEmpty();
  }
}

package dev.servicemanager.server.compat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.server.support.ApiTestBase;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests exactly as Peripli's smctl (service-manager-cli) and its agents (service-broker-proxy)
 * send them, answered in the shape they parse. docs/compatibility.md lists each request with its test.
 */
@MicronautTest(transactional = false)
class PeripliClientsIT extends ApiTestBase {
  private static final String BCRYPT = "$2b$04$abcdefghijklmnopqrstuuCi15uRb1eH7NAlJ/TgeJertyknQpYn2";
  private String brokerId;
  private String offeringId;
  private String planId;

  @BeforeEach
  void brokerWithAPlanVisibleToTheServiceManager() {
    brokerId = (String) registerBroker("peripli-broker").get("id");
    offeringId = admin().get("/v1/service_offerings?fieldQuery=" + Api.q("name eq 'fake-service'")).ids().get(0);
    planId = admin().get("/v1/service_plans?fieldQuery="
        + Api.q("name eq 'small' and service_offering_id eq '" + offeringId + "'")).ids().get(0);
    assertThat(admin().post("/v1/visibilities", Map.of("service_plan_id", planId, "platform_id", "service-manager")).status())
        .isEqualTo(201);
  }

  @Test
  void smctlProvisionBindUnbindDeprovisionInSyncMode() {
    // smctl provision: offering and plan resolved by name, then service_id next to service_plan_id.
    Api.Result provisioned = admin().post("/v1/service_instances?async=false",
        Map.of("name", "orders-db", "service_id", offeringId, "service_plan_id", planId));
    assertThat(provisioned.status()).as(provisioned.toString()).isEqualTo(201);
    String instanceId = provisioned.string("id");
    assertThat(provisioned.json()).containsEntry("service_plan_id", planId).containsEntry("ready", true);

    Api.Result bound = admin().post("/v1/service_bindings?async=false",
        Map.of("name", "orders-app", "service_instance_id", instanceId));
    assertThat(bound.status()).as(bound.toString()).isEqualTo(201);
    String bindingId = bound.string("id");
    assertThat(admin().get("/v1/service_bindings?fieldQuery=" + Api.q("name eq 'orders-app'")).ids()).containsExactly(bindingId);

    assertThat(admin().delete("/v1/service_bindings/" + bindingId + "?async=false").status()).isEqualTo(200);
    assertThat(admin().delete("/v1/service_instances/" + instanceId + "?async=false").status()).isEqualTo(200);
    assertThat(admin().get("/v1/service_instances").ids()).isEmpty();
  }

  @Test
  void aServiceIdThatIsNotThePlansOfferingIs400AndStoresNothing() throws Exception {
    Api.Result wrong = admin().post("/v1/service_instances?async=false",
        Map.of("name", "orders-db", "service_id", "another-offering", "service_plan_id", planId));
    assertThat(wrong.status()).isEqualTo(400);
    assertThat(wrong.error()).isEqualTo("BadRequest");
    assertThat(wrong.string("description")).contains("service_id");
    assertThat(count("SELECT count(*) FROM service_instances")).isZero();
    assertThat(count("SELECT count(*) FROM operations")).isZero();
  }

  @Test
  void theAgentsPutCredentialsAnswerPassesItsValidationAndActivates() {
    Map<String, Object> platform = createPlatform("cf-agent", "cloudfoundry");
    Api agent = platformClient(platform);
    Api.Result put = agent.send("PUT", "/v1/credentials?force=true", "application/json",
        Api.toJson(Map.of("broker_id", brokerId, "username", "sm-agent-user", "password_hash", BCRYPT)));
    assertThat(put.status()).as(put.toString()).isEqualTo(200);
    // Peripli's BrokerPlatformCredential.Validate(), run by the agent on this answer.
    assertThat(put.string("id")).isNotBlank().matches("[A-Za-z0-9._~-]+");
    assertThat(put.json()).containsEntry("username", "sm-agent-user").containsEntry("password_hash", BCRYPT)
        .containsEntry("broker_id", brokerId).containsEntry("platform_id", platform.get("id"));
    assertThat(agent.send("PUT", "/v1/credentials/" + put.string("id") + "/activate", "application/json", "{}").status())
        .isEqualTo(200);
  }

  @Test
  void smctlLoginDiscoversTheTokenEndpointThroughInfoAndOpenIdConfiguration() {
    Api.Result info = anonymous().get("/v1/info");
    assertThat(info.status()).isEqualTo(200);
    String issuer = info.string("token_issuer_url");
    assertThat(issuer).isNotBlank();
    assertThat(info.json()).containsEntry("token_basic_auth", true);
    Api.Result discovery = anonymous().get(URI.create(issuer).getPath() + "/.well-known/openid-configuration");
    assertThat(discovery.status()).isEqualTo(200);
    assertThat(discovery.string("token_endpoint")).endsWith("/oauth/token");
    Api.Result token = anonymous().withAuthorization(Api.basic("admin", ADMIN_SECRET))
        .send("POST", URI.create(discovery.string("token_endpoint")).getPath(), "application/x-www-form-urlencoded",
            "grant_type=client_credentials");
    assertThat(token.status()).isEqualTo(200);
    assertThat(token.string("access_token")).isNotBlank();
    assertThat(token.json()).containsKey("token_type").containsKey("expires_in");
  }

  @Test
  void theAgentsReadyListsAnswerWithItemsAndNumItems() {
    Api agent = platformClient(createPlatform("cf-lists", "cloudfoundry"));
    assertThat(admin().post("/v1/visibilities", Map.of("service_plan_id", planId)).status()).isEqualTo(201);
    for (String path : List.of("/v1/service_brokers", "/v1/service_offerings", "/v1/service_plans", "/v1/visibilities")) {
      Api.Result list = agent.get(path + "?fieldQuery=" + Api.q("ready eq true") + "&max_items=50");
      assertThat(list.status()).as(path).isEqualTo(200);
      assertThat(list.json()).as(path).containsKeys("items", "num_items");
    }
    Map<String, Object> broker = agent.get("/v1/service_brokers?fieldQuery=" + Api.q("ready eq true")).items().get(0);
    assertThat(broker).containsKeys("id", "name", "broker_url", "updated_at");
    Map<String, Object> plan = agent.get("/v1/service_plans?fieldQuery=" + Api.q("ready eq true")).items().get(0);
    assertThat(plan).containsKeys("id", "catalog_id", "service_offering_id", "name");
    Map<String, Object> offering = agent.get("/v1/service_offerings?fieldQuery="
        + Api.q("broker_id in ('" + brokerId + "')")).items().get(0);
    assertThat(offering).containsKeys("id", "broker_id", "catalog_id");
    Map<String, Object> visibility = agent.get("/v1/visibilities?fieldQuery="
        + Api.q("ready eq true and service_plan_id in ('" + planId + "')")).items().get(0);
    assertThat(visibility).containsKeys("id", "service_plan_id");
  }

  @Test
  void smctlLabelChangesAndCurlWork() {
    Api.Result labelled = admin().patch("/v1/service_brokers/" + brokerId,
        Map.of("labels", List.of(Map.of("op", "add", "key", "env", "values", List.of("dev")))));
    assertThat(labelled.status()).isEqualTo(200);
    assertThat(labelled.json()).containsEntry("labels", Map.of("env", List.of("dev")));
    Api.Result removed = admin().patch("/v1/service_brokers/" + brokerId,
        Map.of("labels", List.of(Map.of("op", "remove_values", "key", "env", "values", List.of("dev")))));
    assertThat(removed.status()).isEqualTo(200);
    assertThat(removed.json()).doesNotContainKey("labels");
    // smctl curl: any path with the stored bearer token.
    assertThat(admin().get("/v1/service_offerings/" + offeringId).string("catalog_id")).isEqualTo("service-0");
  }
}

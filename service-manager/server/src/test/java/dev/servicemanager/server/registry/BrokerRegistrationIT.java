package dev.servicemanager.server.registry;

import static dev.servicemanager.server.support.Api.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.server.support.ApiTestBase;
import dev.servicemanager.testkit.FakeCatalog;
import dev.servicemanager.testkit.RecordedRequest;
import dev.servicemanager.testkit.Responder;
import dev.servicemanager.testkit.Route;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Registration fetches and validates the catalog; a refresh diffs it by catalog id. */
@MicronautTest(transactional = false)
class BrokerRegistrationIT extends ApiTestBase {
  @Override
  protected Map<String, String> extraProperties() {
    return Map.of("sm.broker-client.read-timeout", "2s");
  }

  @Test
  void registrationStoresOfferingsAndPlansWithTheirOwnIdsAndCatalogIds() throws Exception {
    Map<String, Object> created = registerBroker("fake");
    assertThat(created).containsEntry("name", "fake").containsEntry("broker_url", broker.url()).doesNotContainKey("credentials");
    Api.Result offerings = admin().get("/v1/service_offerings?fieldQuery=" + q("broker_id eq '" + created.get("id") + "'"));
    assertThat(offerings.items()).hasSize(1);
    Map<String, Object> offering = offerings.items().get(0);
    assertThat(offering)
        .containsEntry("catalog_id", FakeCatalog.DEFAULT_SERVICE_ID)
        .containsEntry("catalog_name", FakeCatalog.DEFAULT_SERVICE_NAME)
        .containsEntry("bindable", true);
    assertThat(offering.get("id")).isNotEqualTo(FakeCatalog.DEFAULT_SERVICE_ID);
    Api.Result plans = admin().get("/v1/service_plans?fieldQuery=" + q("service_offering_id eq '" + offering.get("id") + "'"));
    assertThat(plans.items()).extracting(p -> p.get("catalog_id")).containsExactly(FakeCatalog.SMALL_PLAN_ID, FakeCatalog.LARGE_PLAN_ID);
    assertThat(plans.items()).extracting(p -> p.get("name")).containsExactly("small", "large");
    assertThat(plans.items().get(0)).containsKey("schemas");
  }

  @Test
  void theCatalogIsFetchedAsAnOsb217PlatformWithTheBrokersCredentials() {
    registerBroker("headers");
    List<RecordedRequest> calls = broker.requests("GET", "/v2/catalog");
    assertThat(calls).hasSize(1);
    RecordedRequest call = calls.get(0);
    assertThat(call.header("x-broker-api-version")).isEqualTo("2.17");
    assertThat(call.header("authorization")).isEqualTo(broker.authorizationHeader());
    assertThat(call.header("x-broker-api-request-identity")).isNotBlank();
  }

  @Test
  void brokerPasswordsAreEncryptedAtRestAndNeverReturned() throws Exception {
    Map<String, Object> created = registerBroker("secret");
    String id = (String) created.get("id");
    assertThat(admin().get("/v1/service_brokers/" + id).body()).doesNotContain(broker.password());
    assertThat(admin().get("/v1/service_brokers").body()).doesNotContain(broker.password());
    assertThat(count("SELECT count(*) FROM service_brokers WHERE password_encrypted LIKE 'v1:%' AND password_encrypted NOT LIKE '%" + broker.password() + "%'")).isOne();
    assertThat(count("SELECT count(*) FROM changes WHERE payload::text LIKE '%" + broker.password() + "%'")).isZero();
  }

  @Test
  void aThousandPlanCatalogIsRegisteredAndRefreshed() throws Exception {
    broker.catalog(FakeCatalog.generate(10, 100));
    String id = (String) registerBroker("big").get("id");
    assertThat(count("SELECT count(*) FROM service_plans p JOIN service_offerings o ON o.id = p.service_offering_id WHERE o.broker_id = '" + id + "'")).isEqualTo(1000);
    Api.Result refreshed = admin().patch("/v1/service_brokers/" + id, Map.of());
    assertThat(refreshed.status()).isEqualTo(200);
    assertThat(admin().get("/v1/service_plans?max_items=0").json().get("num_items")).isEqualTo(1000);
  }

  @Test
  @SuppressWarnings("unchecked")
  void refreshKeepsIdsOfKeptPlansAddsNewOnesAndDeletesRemovedOnes() {
    Map<String, Object> catalog = FakeCatalog.generate(2, 3);
    broker.catalog(catalog);
    String id = (String) registerBroker("diff").get("id");
    Map<String, String> before = planIdsByCatalogId();

    List<Map<String, Object>> services = (List<Map<String, Object>>) catalog.get("services");
    List<Map<String, Object>> plans0 = (List<Map<String, Object>>) services.get(0).get("plans");
    plans0.remove(2);
    plans0.get(0).put("description", "renamed and described anew");
    plans0.get(0).put("name", "plan-renamed");
    Map<String, Object> added = new HashMap<>(plans0.get(1));
    added.put("id", "plan-new");
    added.put("name", "plan-new");
    plans0.add(added);
    services.remove(1);
    broker.catalog(catalog);

    Api.Result refreshed = admin().patch("/v1/service_brokers/" + id, Map.of());
    assertThat(refreshed.status()).as(refreshed.toString()).isEqualTo(200);
    Map<String, String> after = planIdsByCatalogId();
    assertThat(after.keySet()).containsExactlyInAnyOrder("plan-0-0", "plan-0-1", "plan-new");
    assertThat(after.get("plan-0-0")).isEqualTo(before.get("plan-0-0"));
    assertThat(after.get("plan-0-1")).isEqualTo(before.get("plan-0-1"));
    Api.Result renamed = admin().get("/v1/service_plans/" + after.get("plan-0-0"));
    assertThat(renamed.json()).containsEntry("name", "plan-renamed").containsEntry("description", "renamed and described anew");
    assertThat(admin().get("/v1/service_offerings").items()).hasSize(1);
  }

  @Test
  void plansMaySwapNamesInARefresh() {
    Map<String, Object> catalog = FakeCatalog.generate(1, 2);
    broker.catalog(catalog);
    String id = (String) registerBroker("swap").get("id");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> plans = (List<Map<String, Object>>) ((List<Map<String, Object>>) catalog.get("services")).get(0).get("plans");
    Object first = plans.get(0).get("name");
    plans.get(0).put("name", plans.get(1).get("name"));
    plans.get(1).put("name", first);
    broker.catalog(catalog);
    assertThat(admin().patch("/v1/service_brokers/" + id, Map.of()).status()).isEqualTo(200);
  }

  @Test
  void aFailedRefreshKeepsTheOldCatalog() {
    broker.catalog(FakeCatalog.generate(1, 2));
    String id = (String) registerBroker("stable").get("id");
    Map<String, String> before = planIdsByCatalogId();
    broker.on(Route.CATALOG, Responder.respond(500, "{\"description\":\"down for maintenance\"}"));
    Api.Result refreshed = admin().patch("/v1/service_brokers/" + id, Map.of("description", "new"));
    assertThat(refreshed.status()).isEqualTo(502);
    assertThat(refreshed.error()).isEqualTo("BrokerError");
    assertThat(refreshed.string("description")).contains("500").contains("down for maintenance");
    assertThat(planIdsByCatalogId()).isEqualTo(before);
    assertThat(admin().get("/v1/service_brokers/" + id).json()).doesNotContainKey("description");
  }

  @Test
  void unreachableBrokerIs502AndStoresNothing() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Map<String, Object> body = new HashMap<>(brokerBody("gone"));
    body.put("broker_url", "http://127.0.0.1:" + closedPort);
    Api.Result result = admin().post("/v1/service_brokers", body);
    assertThat(result.status()).isEqualTo(502);
    assertThat(result.error()).isEqualTo("BrokerError");
    assertThat(result.string("description")).contains("could not reach service broker gone");
    assertNothingStored();
  }

  @Test
  void brokerThatDoesNotAnswerInTimeIs502AndStoresNothing() throws Exception {
    broker.on(Route.CATALOG, Responder.hang());
    Api.Result result = admin().post("/v1/service_brokers", brokerBody("slow"));
    assertThat(result.status()).isEqualTo(502);
    assertThat(result.string("description")).contains("did not answer");
    assertNothingStored();
  }

  @Test
  void wrongBrokerCredentialsAre502NamingTheStatus() throws Exception {
    Map<String, Object> body = new HashMap<>(brokerBody("wrong"));
    body.put("credentials", Map.of("basic", Map.of("username", "x", "password", "y")));
    Api.Result result = admin().post("/v1/service_brokers", body);
    assertThat(result.status()).isEqualTo(502);
    assertThat(result.string("description")).contains("status 401");
    assertNothingStored();
  }

  @Test
  void malformedCatalogJsonIs502AndStoresNothing() throws Exception {
    broker.on(Route.CATALOG, Responder.malformed(200));
    Api.Result result = admin().post("/v1/service_brokers", brokerBody("garbled"));
    assertThat(result.status()).isEqualTo(502);
    assertThat(result.string("description")).contains("invalid JSON");
    assertNothingStored();
  }

  @Test
  void invalidCatalogsAre400NamingTheBadElementAndStoreNothing() throws Exception {
    Map<String, String> cases =
        Map.of(
            "{\"services\":[{\"id\":\"s\",\"name\":\"s\",\"description\":\"d\",\"bindable\":true,\"plans\":[{\"name\":\"p\",\"description\":\"d\"}]}]}",
            "services[0].plans[0].id: missing required field",
            "{\"services\":[{\"id\":\"s\",\"name\":\"s\",\"description\":\"d\",\"bindable\":true,\"plans\":[{\"id\":\"p\",\"name\":\"p\",\"description\":\"d\"},{\"id\":\"p\",\"name\":\"q\",\"description\":\"d\"}]}]}",
            "duplicate plan id 'p'",
            "{\"services\":[{\"id\":\"s\",\"name\":\"s\",\"description\":\"d\",\"bindable\":true,\"plans\":[{\"id\":\"p\",\"name\":\"reference-instance\",\"description\":\"d\"}]}]}",
            "is reserved",
            "{\"services\":[{\"id\":\"s\",\"name\":\"s\",\"description\":\"d\",\"plans\":[{\"id\":\"p\",\"name\":\"p\",\"description\":\"d\"}]}]}",
            "services[0].bindable: missing required field",
            "{\"services\":[{\"id\":\"s\",\"name\":\"s\",\"description\":\"d\",\"bindable\":\"yes\",\"plans\":[{\"id\":\"p\",\"name\":\"p\",\"description\":\"d\"}]}]}",
            "services[0].bindable: must be true or false",
            "{\"services\":[{\"id\":\"s\",\"name\":\"s\",\"description\":\"d\",\"bindable\":true,\"plans\":[]}]}",
            "at least one plan",
            "{\"services\":[{\"id\":\"s\",\"name\":\"s\",\"description\":\"d\",\"bindable\":true,\"plans\":[{\"id\":\"p\",\"name\":\"p\",\"description\":\"d\",\"metadata\":{\"supportedPlatforms\":[\"x\"],\"excludedPlatformNames\":[\"y\"]}}]}]}",
            "at most one of",
            "{\"services\":[{\"id\":\"s\",\"name\":\"s\",\"description\":\"d\",\"bindable\":true,\"plans\":[{\"id\":\"p\",\"name\":\"p\",\"description\":\"d\",\"maximum_polling_duration\":-3}]}]}",
            "maximum_polling_duration",
            "{\"services\":{}}",
            "services: must be an array",
            "[]",
            "must be a JSON object");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      broker.catalogJson(c.getKey());
      Api.Result result = admin().post("/v1/service_brokers", brokerBody("invalid"));
      assertThat(result.status()).as(c.getKey() + " -> " + result).isEqualTo(400);
      assertThat(result.string("description")).contains("invalid catalog from service broker invalid").contains(c.getValue());
    }
    assertNothingStored();
  }

  @Test
  void unknownCatalogFieldsAreAcceptedAndKept() throws Exception {
    broker.catalogJson(
        "{\"services\":[{\"id\":\"s\",\"name\":\"s\",\"description\":\"d\",\"bindable\":true,\"x-vendor\":{\"a\":1},"
            + "\"plans\":[{\"id\":\"p\",\"name\":\"p\",\"description\":\"d\",\"x-extra\":true}]}],\"x-top\":1}");
    String id = (String) registerBroker("vendor").get("id");
    assertThat(count("SELECT count(*) FROM service_brokers WHERE id = '" + id + "' AND catalog->'services'->0->'x-vendor'->>'a' = '1'")).isOne();
  }

  @Test
  void invalidRegistrationsAre400() throws Exception {
    for (Map<String, Object> body :
        List.<Map<String, Object>>of(
            Map.of("name", "x", "broker_url", broker.url()),
            Map.of("name", "x", "broker_url", "ftp://example.com", "credentials", Map.of("basic", Map.of("username", "u", "password", "p"))),
            Map.of("name", "x", "broker_url", "not a url", "credentials", Map.of("basic", Map.of("username", "u", "password", "p"))),
            Map.of("name", "x", "broker_url", "http://u:p@example.com", "credentials", Map.of("basic", Map.of("username", "u", "password", "p"))),
            Map.of("name", "x", "broker_url", broker.url(), "credentials", Map.of("tls", Map.of("client_certificate", "c"))),
            Map.of("name", "x", "broker_url", broker.url(), "credentials", Map.of("basic", Map.of("username", "u"))),
            Map.of("name", "x", "broker_url", broker.url(), "credentials", Map.of())) ) {
      Api.Result result = admin().post("/v1/service_brokers", body);
      assertThat(result.status()).as(body + " -> " + result).isEqualTo(400);
      assertThat(result.body()).doesNotContain("u:p@");
    }
    assertNothingStored();
    assertThat(broker.requests()).isEmpty();
  }

  @Test
  void duplicateBrokerNamesAre409() {
    registerBroker("twice");
    Api.Result again = admin().post("/v1/service_brokers", brokerBody("twice"));
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.error()).isEqualTo("Conflict");
  }

  @Test
  void deletingABrokerRemovesItsOfferingsPlansAndVisibilities() throws Exception {
    String id = (String) registerBroker("doomed").get("id");
    String plan = planIds(id).get(0);
    admin().post("/v1/visibilities", Map.of("service_plan_id", plan));
    assertThat(admin().delete("/v1/service_brokers/" + id).status()).isEqualTo(200);
    assertThat(count("SELECT count(*) FROM service_offerings")).isZero();
    assertThat(count("SELECT count(*) FROM service_plans")).isZero();
    assertThat(count("SELECT count(*) FROM visibilities")).isZero();
  }

  @Test
  void patchCanChangeUrlAndCredentialsAndRefreshesFromTheNewPlace() {
    String id = (String) registerBroker("moving").get("id");
    Api.Result patched =
        admin().patch("/v1/service_brokers/" + id, Map.of("name", "moved", "broker_url", broker.url() + "/", "credentials",
            Map.of("basic", Map.of("username", broker.username(), "password", broker.password()))));
    assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
    assertThat(patched.json()).containsEntry("name", "moved").containsEntry("broker_url", broker.url() + "/");
    assertThat(broker.requests("GET", "/v2/catalog")).hasSize(2);
  }

  private Map<String, String> planIdsByCatalogId() {
    return admin().get("/v1/service_plans?max_items=200").items().stream()
        .collect(Collectors.toMap(p -> (String) p.get("catalog_id"), p -> (String) p.get("id")));
  }

  private void assertNothingStored() throws Exception {
    assertThat(count("SELECT count(*) FROM service_brokers")).isZero();
    assertThat(count("SELECT count(*) FROM service_offerings")).isZero();
    assertThat(count("SELECT count(*) FROM changes")).isZero();
  }
}

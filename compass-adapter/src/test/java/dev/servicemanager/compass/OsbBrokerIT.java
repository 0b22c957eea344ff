package dev.servicemanager.compass;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The in-process {@code compass} broker through the real server: registration, catalog, scenario-driven
 * visibilities for runtimes' platforms, and bindings as bundle instance auths, all through Service
 * Manager's OSB endpoint with a runtime's paired platform credentials.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OsbBrokerIT {
  private static final String TENANT = "t-osb";
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String SCHEMA = "{\"type\":\"object\",\"required\":[\"scope\"],\"properties\":{"
      + "\"scope\":{\"type\":\"string\",\"enum\":[\"read\",\"write\"]}}}";
  private CompassServer sm;
  private String brokerId;
  private String appId;
  private String defaultBundle;
  private String manualBundle;

  private final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
      new ch.qos.logback.core.read.ListAppender<>();

  private static ch.qos.logback.classic.Logger root() {
    return (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  @BeforeAll
  void start() {
    logs.start();
    root().addAppender(logs);
    sm = new CompassServer();
    ok(sm.director(TENANT, "mutation($in: LabelDefinitionInput!) { updateLabelDefinition(in: $in) { key } }",
        Map.of("in", Map.of("key", "scenarios", "schema",
            "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"enum\":[\"DEFAULT\",\"A\",\"B\"]}}"))), "updateLabelDefinition");
    Map<String, Object> withDefault = Map.of("name", "With Default", "description", "basic from the default",
        "defaultInstanceAuth", Map.of("credential", Map.of("basic", Map.of("username", "svc", "password", "s3cret")),
            "additionalHeaders", Map.of("X-Tenant", List.of("t1"))),
        "apiDefinitions", List.of(Map.of("name", "orders", "targetURL", "https://billing.example/orders",
            "spec", Map.of("type", "OPEN_API", "format", "YAML", "data", "openapi: 3.0.0"))),
        "eventDefinitions", List.of(Map.of("name", "order-created",
            "spec", Map.of("type", "ASYNC_API", "format", "JSON", "data", "{}"))));
    Map<String, Object> manual = Map.of("name", "manual", "instanceAuthRequestInputSchema", SCHEMA,
        "apiDefinitions", List.of(Map.of("name", "invoices", "targetURL", "https://billing.example/invoices")));
    JsonNode app = ok(sm.director(TENANT, ApplicationsIT.REGISTER, Map.of("in", Map.of("name", "billing",
        "labels", Map.of("scenarios", List.of("A")), "bundles", List.of(withDefault, manual)))), "registerApplication");
    appId = app.path("id").asText();
    for (JsonNode b : app.path("bundles").path("data")) {
      if (b.path("name").asText().equals("With Default")) {
        defaultBundle = b.path("id").asText();
      } else {
        manualBundle = b.path("id").asText();
      }
    }
    brokerId = await().atMost(WAIT).until(this::compassBrokerId, id -> id != null);
  }

  @AfterAll
  void stop() {
    try {
      // binding credentials never reach the log (at the shipped levels)
      assertThat(logs.list).extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
          .anyMatch(m -> m.startsWith("compass broker registered"));
      for (ch.qos.logback.classic.spi.ILoggingEvent event : logs.list) {
        String text = event.getFormattedMessage() + (event.getThrowableProxy() == null ? "" : event.getThrowableProxy().getMessage());
        assertThat(text).doesNotContain("s3cret").doesNotContain("csecret");
      }
    } finally {
      root().detachAppender(logs);
      sm.close();
    }
  }

  private static JsonNode ok(CompassServer.Response r, String field) {
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().path("errors").isMissingNode()).as(r.body()).isTrue();
    return r.data(field);
  }

  private String admin() {
    return "Bearer " + sm.adminToken();
  }

  private String compassBrokerId() {
    CompassServer.Response r = sm.get("/v1/service_brokers", admin());
    for (JsonNode b : r.json().path("items")) {
      if (b.path("name").asText().equals("compass")) {
        return b.path("id").asText();
      }
    }
    return null;
  }

  /** A runtime with these scenarios, paired through the Connector: its platform's basic credentials. */
  private record Runtime(String id, String platformId, String authorization) {}

  private Runtime pairedRuntime(String name, List<String> scenarios) throws Exception {
    JsonNode runtime = ok(sm.director(TENANT, RuntimesIT.REGISTER, Map.of("in", Map.of("name", name,
        "labels", Map.of("scenarios", scenarios)))), "registerRuntime");
    String token = ok(sm.director(TENANT, "mutation($id: ID!) { requestOneTimeTokenForRuntime(id: $id) { token } }",
        Map.of("id", runtime.path("id").asText())), "requestOneTimeTokenForRuntime").path("token").asText();
    JsonNode info = sm.connector(token, ConnectorPairingIT.CONFIGURATION, null).data("configuration");
    String subject = info.path("certificateSigningRequestInfo").path("subject").asText();
    JsonNode credentials = sm.connector(info.path("token").path("token").asText(), ConnectorPairingIT.SIGN,
        Map.of("csr", ConnectorPairingIT.csr(subject))).data("signCertificateSigningRequest").path("platformCredentials");
    return new Runtime(runtime.path("id").asText(), runtime.path("platformID").asText(),
        CompassServer.basic(credentials.path("username").asText(), credentials.path("password").asText()));
  }

  private List<String> serviceIds(Runtime runtime) {
    CompassServer.Response catalog = sm.get("/v1/osb/" + brokerId + "/v2/catalog", runtime.authorization());
    assertThat(catalog.status()).as(catalog.body()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    catalog.json().path("services").forEach(s -> ids.add(s.path("id").asText()));
    return ids;
  }

  private String osb(String rest) {
    return "/v1/osb/" + brokerId + "/v2/service_instances/" + rest;
  }

  @Test
  void theBrokerIsRegisteredWithTheApplicationsAsServicesAndBundlesAsPlans() {
    JsonNode offerings = sm.get("/v1/service_offerings", admin()).json().path("items");
    JsonNode offering = null;
    for (JsonNode o : offerings) {
      if (o.path("catalog_id").asText().equals(appId)) {
        offering = o;
      }
    }
    assertThat(offering).as(offerings.toString()).isNotNull();
    assertThat(offering.path("broker_id").asText()).isEqualTo(brokerId);
    assertThat(offering.path("name").asText()).isEqualTo("billing");
    JsonNode plans = sm.get("/v1/service_plans", admin()).json().path("items");
    List<String> planIds = new ArrayList<>();
    plans.forEach(p -> planIds.add(p.path("catalog_id").asText()));
    assertThat(planIds).contains(defaultBundle, manualBundle);
  }

  @Test
  void theCatalogFollowsScenariosAndBindingsWork() throws Exception {
    Runtime inA = pairedRuntime("rt-a", List.of("A"));
    Runtime inB = pairedRuntime("rt-b", List.of("B"));
    await().atMost(WAIT).untilAsserted(() -> assertThat(serviceIds(inA)).containsExactly(appId));
    assertThat(serviceIds(inB)).doesNotContain(appId);

    // the catalog's shape for a runtime that sees the application
    JsonNode service = sm.get("/v1/osb/" + brokerId + "/v2/catalog", inA.authorization()).json().path("services").get(0);
    assertThat(service.path("name").asText()).isEqualTo("billing");
    assertThat(service.path("bindable").asBoolean()).isTrue();
    JsonNode defaultPlan = null;
    JsonNode manualPlan = null;
    for (JsonNode p : service.path("plans")) {
      if (p.path("id").asText().equals(defaultBundle)) {
        defaultPlan = p;
      } else if (p.path("id").asText().equals(manualBundle)) {
        manualPlan = p;
      }
    }
    assertThat(defaultPlan.path("name").asText()).isEqualTo("with-default");
    assertThat(defaultPlan.path("metadata").path("api_specs").get(0).path("target_url").asText())
        .isEqualTo("https://billing.example/orders");
    assertThat(defaultPlan.path("metadata").path("api_specs").get(0).path("specification").path("format").asText())
        .isEqualTo("text/yaml");
    assertThat(defaultPlan.path("metadata").path("event_specs").get(0).path("name").asText()).isEqualTo("order-created");
    assertThat(manualPlan.path("schemas").path("service_binding").path("create").path("parameters").path("required")
        .toString()).isEqualTo("[\"scope\"]");

    // moving the runtime in B to A makes the application appear for it
    ok(sm.director(TENANT, "mutation($r: ID!, $v: Any!) { setRuntimeLabel(runtimeID: $r, key: \"scenarios\", value: $v) { key } }",
        Map.of("r", inB.id(), "v", List.of("A"))), "setRuntimeLabel");
    await().atMost(WAIT).untilAsserted(() -> assertThat(serviceIds(inB)).containsExactly(appId));
    // and back out again makes it disappear
    ok(sm.director(TENANT, "mutation($r: ID!, $v: Any!) { setRuntimeLabel(runtimeID: $r, key: \"scenarios\", value: $v) { key } }",
        Map.of("r", inB.id(), "v", List.of("B"))), "setRuntimeLabel");
    await().atMost(WAIT).untilAsserted(() -> assertThat(serviceIds(inB)).doesNotContain(appId));

    // provision (recorded only) and bind with the default auth: 201 with credentials at once
    String instance = UUID.randomUUID().toString();
    CompassServer.Response provisioned = sm.osb("PUT", osb(instance + "?accepts_incomplete=true"), inA.authorization(),
        Map.of("service_id", appId, "plan_id", defaultBundle, "organization_guid", "o", "space_guid", "s"));
    assertThat(provisioned.status()).as(provisioned.body()).isIn(200, 201);
    String binding = UUID.randomUUID().toString();
    CompassServer.Response bound = sm.osb("PUT", osb(instance + "/service_bindings/" + binding), inA.authorization(),
        Map.of("service_id", appId, "plan_id", defaultBundle));
    assertThat(bound.status()).as(bound.body()).isEqualTo(201);
    JsonNode credentials = bound.json().path("credentials");
    assertThat(credentials.path("id").asText()).isEqualTo(binding);
    assertThat(credentials.path("credentials_type").asText()).isEqualTo("basic_auth");
    assertThat(credentials.path("target_urls").path("orders").asText()).isEqualTo("https://billing.example/orders");
    assertThat(credentials.path("auth_details").path("auth").path("username").asText()).isEqualTo("svc");
    assertThat(credentials.path("auth_details").path("auth").path("password").asText()).isEqualTo("s3cret");
    assertThat(credentials.path("auth_details").path("request_parameters").path("headers").path("X-Tenant").toString())
        .isEqualTo("[\"t1\"]");
    JsonNode fetched = sm.get(osb(instance + "/service_bindings/" + binding), inA.authorization()).json();
    assertThat(fetched.path("credentials").path("auth_details").path("auth").path("password").asText()).isEqualTo("s3cret");
    // unbinding a default auth deletes it at once
    CompassServer.Response unbound = sm.osb("DELETE", osb(instance + "/service_bindings/" + binding
        + "?service_id=" + appId + "&plan_id=" + defaultBundle), inA.authorization(), null);
    assertThat(unbound.status()).as(unbound.body()).isEqualTo(200);
    assertThat(ok(sm.director(TENANT, InstanceAuthsIT.GET, Map.of("a", binding)), "bundleInstanceAuth").isNull()).isTrue();
    CompassServer.Response deprovisioned = sm.osb("DELETE", osb(instance + "?service_id=" + appId + "&plan_id="
        + defaultBundle + "&accepts_incomplete=true"), inA.authorization(), null);
    assertThat(deprovisioned.status()).as(deprovisioned.body()).isEqualTo(200);
  }

  @Test
  void aBindingWithoutDefaultAuthIsAsyncUntilTheApplicationSetsTheAuth() throws Exception {
    Runtime runtime = pairedRuntime("rt-async", List.of("A"));
    await().atMost(WAIT).untilAsserted(() -> assertThat(serviceIds(runtime)).contains(appId));
    String instance = UUID.randomUUID().toString();
    assertThat(sm.osb("PUT", osb(instance + "?accepts_incomplete=true"), runtime.authorization(),
        Map.of("service_id", appId, "plan_id", manualBundle, "organization_guid", "o", "space_guid", "s")).status())
        .isIn(200, 201);

    // parameters are checked against the bundle's schema: an OSB error, not a 500
    CompassServer.Response invalid = sm.osb("PUT", osb(instance + "/service_bindings/" + UUID.randomUUID()
        + "?accepts_incomplete=true"), runtime.authorization(),
        Map.of("service_id", appId, "plan_id", manualBundle, "parameters", Map.of("scope", "admin")));
    assertThat(invalid.status()).as(invalid.body()).isEqualTo(400);
    assertThat(invalid.json().path("description").asText()).contains("inputParams.scope");

    String binding = UUID.randomUUID().toString();
    // the application answers later: without accepts_incomplete the broker refuses (OSB AsyncRequired)
    CompassServer.Response sync = sm.osb("PUT", osb(instance + "/service_bindings/" + binding), runtime.authorization(),
        Map.of("service_id", appId, "plan_id", manualBundle, "parameters", Map.of("scope", "read")));
    assertThat(sync.status()).as(sync.body()).isEqualTo(422);
    assertThat(sync.json().path("error").asText()).as(sync.body()).isEqualTo("AsyncRequired");
    CompassServer.Response accepted = sm.osb("PUT", osb(instance + "/service_bindings/" + binding + "?accepts_incomplete=true"),
        runtime.authorization(), Map.of("service_id", appId, "plan_id", manualBundle, "parameters", Map.of("scope", "read")));
    assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
    String operation = accepted.json().path("operation").asText();
    String lastOperation = osb(instance + "/service_bindings/" + binding + "/last_operation?service_id=" + appId
        + "&plan_id=" + manualBundle + "&operation=" + operation);
    CompassServer.Response polled = sm.get(lastOperation, runtime.authorization());
    assertThat(polled.status()).as(polled.body()).isEqualTo(200);
    assertThat(polled.json().path("state").asText()).isEqualTo("in progress");
    JsonNode auth = ok(sm.director(TENANT, InstanceAuthsIT.GET, Map.of("a", binding)), "bundleInstanceAuth");
    assertThat(auth.path("status").path("condition").asText()).isEqualTo("PENDING");
    assertThat(auth.path("inputParams").asText()).contains("read");

    ok(sm.director(TENANT, InstanceAuthsIT.SET, Map.of("a", binding, "in", Map.of("auth", Map.of("credential",
        Map.of("oauth", Map.of("clientId", "cid", "clientSecret", "csecret", "url", "https://auth.example/token")))))),
        "setBundleInstanceAuth");
    await().atMost(WAIT).untilAsserted(() ->
        assertThat(sm.get(lastOperation, runtime.authorization()).json().path("state").asText()).isEqualTo("succeeded"));
    CompassServer.Response fetched = sm.get(osb(instance + "/service_bindings/" + binding), runtime.authorization());
    assertThat(fetched.status()).as(fetched.body()).isEqualTo(200);
    JsonNode credentials = fetched.json().path("credentials");
    assertThat(credentials.path("credentials_type").asText()).isEqualTo("oauth");
    assertThat(credentials.path("target_urls").path("invoices").asText()).isEqualTo("https://billing.example/invoices");
    assertThat(credentials.path("auth_details").path("auth").path("clientSecret").asText()).isEqualTo("csecret");
    assertThat(credentials.path("auth_details").path("auth").path("tokenUrl").asText()).isEqualTo("https://auth.example/token");

    // unbind: the auth becomes UNUSED (202) until the application deletes it, then the operation succeeds
    CompassServer.Response unbinding = sm.osb("DELETE", osb(instance + "/service_bindings/" + binding
        + "?service_id=" + appId + "&plan_id=" + manualBundle + "&accepts_incomplete=true"), runtime.authorization(), null);
    assertThat(unbinding.status()).as(unbinding.body()).isEqualTo(202);
    assertThat(ok(sm.director(TENANT, InstanceAuthsIT.GET, Map.of("a", binding)), "bundleInstanceAuth")
        .path("status").path("condition").asText()).isEqualTo("UNUSED");
    String unbindOperation = osb(instance + "/service_bindings/" + binding + "/last_operation?service_id=" + appId
        + "&plan_id=" + manualBundle + "&operation=" + unbinding.json().path("operation").asText());
    assertThat(sm.get(unbindOperation, runtime.authorization()).json().path("state").asText()).isEqualTo("in progress");
    ok(sm.director(TENANT, InstanceAuthsIT.DELETE, Map.of("a", binding)), "deleteBundleInstanceAuth");
    await().atMost(WAIT).untilAsserted(() -> {
      CompassServer.Response r = sm.get(unbindOperation, runtime.authorization());
      assertThat(r.status() == 410 || "succeeded".equals(r.json().path("state").asText())).as(r.body()).isTrue();
    });
  }

  @Test
  void aFailedAuthMakesTheBindingFail() throws Exception {
    Runtime runtime = pairedRuntime("rt-fail", List.of("A"));
    await().atMost(WAIT).untilAsserted(() -> assertThat(serviceIds(runtime)).contains(appId));
    String instance = UUID.randomUUID().toString();
    sm.osb("PUT", osb(instance + "?accepts_incomplete=true"), runtime.authorization(),
        Map.of("service_id", appId, "plan_id", manualBundle, "organization_guid", "o", "space_guid", "s"));
    String binding = UUID.randomUUID().toString();
    CompassServer.Response accepted = sm.osb("PUT", osb(instance + "/service_bindings/" + binding + "?accepts_incomplete=true"),
        runtime.authorization(), Map.of("service_id", appId, "plan_id", manualBundle, "parameters", Map.of("scope", "write")));
    assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
    ok(sm.director(TENANT, InstanceAuthsIT.SET, Map.of("a", binding, "in", Map.of("status",
        Map.of("condition", "FAILED", "reason", "Denied", "message", "no write access")))), "setBundleInstanceAuth");
    String lastOperation = osb(instance + "/service_bindings/" + binding + "/last_operation?service_id=" + appId
        + "&plan_id=" + manualBundle + "&operation=" + accepted.json().path("operation").asText());
    await().atMost(WAIT).untilAsserted(() -> {
      JsonNode state = sm.get(lastOperation, runtime.authorization()).json();
      assertThat(state.path("state").asText()).isEqualTo("failed");
      assertThat(state.path("description").asText()).isEqualTo("no write access");
    });
    assertThat(sm.get(osb(instance + "/service_bindings/" + binding), runtime.authorization()).status()).isEqualTo(404);
  }

  @Test
  void applicationScenariosOtherTenantsAndBundlelessApplicationsDecideWhatIsSeen() throws Exception {
    // a second application in scenario B (this class's other tests rely on "billing" staying in A)
    JsonNode app = ok(sm.director(TENANT, ApplicationsIT.REGISTER, Map.of("in", Map.of("name", "shipping",
        "labels", Map.of("scenarios", List.of("B")), "bundles", List.of(Map.of("name", "standard"))))), "registerApplication");
    String shipping = app.path("id").asText();
    String bundleless = ok(sm.director(TENANT, ApplicationsIT.REGISTER, Map.of("in", Map.of("name", "no-bundles",
        "labels", Map.of("scenarios", List.of("A"))))), "registerApplication").path("id").asText();
    Runtime inA = pairedRuntime("rt-scenarios", List.of("A"));
    // another tenant with a scenario of the same name sees nothing of this tenant
    String other = "t-osb-other";
    ok(sm.director(other, "mutation($in: LabelDefinitionInput!) { updateLabelDefinition(in: $in) { key } }",
        Map.of("in", Map.of("key", "scenarios", "schema",
            "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"enum\":[\"DEFAULT\",\"A\"]}}"))), "updateLabelDefinition");
    JsonNode otherRuntime = ok(sm.director(other, RuntimesIT.REGISTER, Map.of("in", Map.of("name", "rt-other",
        "labels", Map.of("scenarios", List.of("A", "DEFAULT"))))), "registerRuntime");
    String otherPlatform = otherRuntime.path("platformID").asText();

    await().atMost(WAIT).untilAsserted(() -> assertThat(serviceIds(inA)).contains(appId).doesNotContain(shipping));
    assertThat(serviceIds(inA)).doesNotContain(bundleless);
    JsonNode offerings = sm.get("/v1/service_offerings", admin()).json().path("items");
    List<String> catalogIds = new ArrayList<>();
    offerings.forEach(o -> catalogIds.add(o.path("catalog_id").asText()));
    assertThat(catalogIds).contains(shipping).doesNotContain(bundleless);
    JsonNode visibilities = sm.get("/v1/visibilities", admin()).json().path("items");
    visibilities.forEach(v -> assertThat(v.path("platform_id").asText()).isNotEqualTo(otherPlatform));

    // the application joins A: the runtime sees it; a bundle added later appears as a plan
    ok(sm.director(TENANT, "mutation($a: ID!, $v: Any!) { setApplicationLabel(applicationID: $a, key: \"scenarios\", value: $v) { key } }",
        Map.of("a", shipping, "v", List.of("A", "B"))), "setApplicationLabel");
    await().atMost(WAIT).untilAsserted(() -> assertThat(serviceIds(inA)).contains(shipping));
    String express = ok(sm.director(TENANT, "mutation($a: ID!, $in: BundleCreateInput!) { addBundle(applicationID: $a, in: $in) { id } }",
        Map.of("a", shipping, "in", Map.of("name", "express"))), "addBundle").path("id").asText();
    await().atMost(WAIT).untilAsserted(() -> {
      List<String> plans = new ArrayList<>();
      sm.get("/v1/osb/" + brokerId + "/v2/catalog", inA.authorization()).json().path("services")
          .forEach(sv -> sv.path("plans").forEach(p -> plans.add(p.path("id").asText())));
      assertThat(plans).contains(express);
    });
    // unregistering the application removes the service
    ok(sm.director(TENANT, "mutation($id: ID!) { unregisterApplication(id: $id) { id } }", Map.of("id", shipping)),
        "unregisterApplication");
    await().atMost(WAIT).untilAsserted(() -> assertThat(serviceIds(inA)).doesNotContain(shipping));
  }

  @Test
  void theBrokerEndpointNeedsItsOwnCredentials() {
    for (String authorization : new String[] {null, CompassServer.basic("compass-broker", "wrong"),
        CompassServer.basic("admin", "admin"), "Bearer " + sm.adminToken()}) {
      CompassServer.Response r = sm.osb("GET", "/compass/osb/v2/catalog", authorization, null);
      assertThat(r.status()).as(r.body()).isEqualTo(401);
      assertThat(r.json().path("error").asText()).isEqualTo("Unauthorized");
      assertThat(r.json().path("description").asText()).isNotBlank();
    }
    CompassServer.Response r = sm.osb("PUT", "/compass/osb/v2/service_instances/x", CompassServer.basic("compass-broker", "wrong"),
        "{not json");
    assertThat(r.status()).isEqualTo(401);
  }
}

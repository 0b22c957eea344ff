package dev.servicemanager.compass;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Applications, bundles, API and event definitions through the Director, on the real server. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApplicationsIT {
  static final String APP_FIELDS =
      "id name providerName description baseUrl healthCheckURL labels status { condition timestamp }"
          + " bundles { totalCount data { id name instanceAuthRequestInputSchema"
          + " defaultInstanceAuth { credential { ... on BasicCredentialData { username password }"
          + " ... on OAuthCredentialData { clientId clientSecret url } } additionalHeaders }"
          + " apiDefinitions { totalCount data { id name targetURL group spec { type format data } version { value deprecated } } }"
          + " eventDefinitions { totalCount data { id name spec { type format data } } } } }";
  static final String REGISTER =
      "mutation($in: ApplicationRegisterInput!) { registerApplication(in: $in) { " + APP_FIELDS + " } }";
  private CompassServer sm;

  @BeforeAll
  void start() {
    sm = new CompassServer();
  }

  @AfterAll
  void stop() {
    sm.close();
  }

  private CompassServer.Response register(String tenant, Map<String, Object> in) {
    return sm.director(tenant, REGISTER, Map.of("in", in));
  }

  private String registerOk(String tenant, Map<String, Object> in) {
    CompassServer.Response r = register(tenant, in);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().path("errors").isMissingNode()).as(r.body()).isTrue();
    return r.data("registerApplication").path("id").asText();
  }

  @Test
  void registerApplicationWithInlineBundlesStoresEverythingAndGetReturnsIt() {
    Map<String, Object> api = Map.of("name", "orders", "targetURL", "https://orders.example.com/api",
        "group", "v1", "spec", Map.of("type", "OPEN_API", "format", "JSON", "data", "{\"openapi\":\"3.0.0\"}"),
        "version", Map.of("value", "1.0", "deprecated", false));
    Map<String, Object> event = Map.of("name", "order-created",
        "spec", Map.of("type", "ASYNC_API", "format", "YAML", "data", "asyncapi: 2.0.0"));
    Map<String, Object> bundle = Map.of("name", "orders-bundle",
        "instanceAuthRequestInputSchema", "{\"type\":\"object\",\"properties\":{\"scope\":{\"type\":\"string\"}}}",
        "defaultInstanceAuth", Map.of("credential", Map.of("basic", Map.of("username", "u", "password", "p")),
            "additionalHeaders", Map.of("X-Tenant", List.of("a"))),
        "apiDefinitions", List.of(api), "eventDefinitions", List.of(event));
    CompassServer.Response r = register("t-apps", Map.of("name", "shop", "providerName", "ACME",
        "description", "the shop", "baseUrl", "https://shop.example.com", "labels", Map.of("region", "eu"),
        "bundles", List.of(bundle)));
    assertThat(r.status()).isEqualTo(200);
    JsonNode app = r.data("registerApplication");
    assertThat(app.path("name").asText()).isEqualTo("shop");
    assertThat(app.path("status").path("condition").asText()).isEqualTo("INITIAL");
    assertThat(app.path("labels").path("region").asText()).isEqualTo("eu");
    assertThat(app.path("labels").path("scenarios").get(0).asText()).isEqualTo("DEFAULT");
    JsonNode b = app.path("bundles").path("data").get(0);
    assertThat(b.path("name").asText()).isEqualTo("orders-bundle");
    assertThat(b.path("defaultInstanceAuth").path("credential").path("username").asText()).isEqualTo("u");
    assertThat(b.path("defaultInstanceAuth").path("additionalHeaders").path("X-Tenant").get(0).asText()).isEqualTo("a");
    JsonNode a = b.path("apiDefinitions").path("data").get(0);
    assertThat(a.path("targetURL").asText()).isEqualTo("https://orders.example.com/api");
    assertThat(a.path("spec").path("type").asText()).isEqualTo("OPEN_API");
    assertThat(a.path("version").path("value").asText()).isEqualTo("1.0");
    assertThat(b.path("eventDefinitions").path("data").get(0).path("spec").path("type").asText()).isEqualTo("ASYNC_API");

    CompassServer.Response got = sm.director("t-apps", "query($id: ID!) { application(id: $id) { " + APP_FIELDS + " } }",
        Map.of("id", app.path("id").asText()));
    assertThat(got.data("application")).isEqualTo(app);
  }

  @Test
  void updateApplicationChangesFieldsAndStatusCondition() {
    String id = registerOk("t-apps", Map.of("name", "to-update", "description", "old"));
    CompassServer.Response r = sm.director("t-apps",
        "mutation($id: ID!, $in: ApplicationUpdateInput!) { updateApplication(id: $id, in: $in) { description providerName status { condition } } }",
        Map.of("id", id, "in", Map.of("description", "new", "providerName", "P", "statusCondition", "CONNECTED")));
    assertThat(r.data("updateApplication").path("description").asText()).isEqualTo("new");
    assertThat(r.data("updateApplication").path("providerName").asText()).isEqualTo("P");
    assertThat(r.data("updateApplication").path("status").path("condition").asText()).isEqualTo("CONNECTED");
  }

  @Test
  void unregisterApplicationRemovesItAndItsBundles() throws Exception {
    String id = registerOk("t-apps", Map.of("name", "to-delete",
        "bundles", List.of(Map.of("name", "b", "apiDefinitions", List.of(Map.of("name", "a", "targetURL", "http://x.example")))))); 
    CompassServer.Response r = sm.director("t-apps", "mutation($id: ID!) { unregisterApplication(id: $id) { id name } }", Map.of("id", id));
    assertThat(r.data("unregisterApplication").path("name").asText()).isEqualTo("to-delete");
    assertThat(sm.director("t-apps", "query($id: ID!) { application(id: $id) { id } }", Map.of("id", id))
        .data("application").isNull()).isTrue();
    try (Connection c = sm.database(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM compass_bundles WHERE application_id = '" + id + "'")) {
      rs.next();
      assertThat(rs.getInt(1)).isZero();
    }
    assertThat(sm.director("t-apps", "mutation($id: ID!) { unregisterApplication(id: $id) { id } }", Map.of("id", id)).firstError())
        .contains("not found");
  }

  @Test
  void applicationsArePagedWithCursors() {
    for (int i = 0; i < 5; i++) {
      registerOk("t-paging", Map.of("name", "app-" + i));
    }
    String q = "query($after: PageCursor) { applications(first: 2, after: $after) { totalCount"
        + " pageInfo { startCursor endCursor hasNextPage } data { name } } }";
    List<String> names = new ArrayList<>();
    String after = null;
    int pages = 0;
    boolean more = true;
    while (more) {
      java.util.HashMap<String, Object> vars = new java.util.HashMap<>();
      vars.put("after", after);
      JsonNode page = sm.director("t-paging", q, vars).data("applications");
      assertThat(page.path("totalCount").asInt()).isEqualTo(5);
      page.path("data").forEach(n -> names.add(n.path("name").asText()));
      more = page.path("pageInfo").path("hasNextPage").asBoolean();
      after = page.path("pageInfo").path("endCursor").asText();
      pages++;
    }
    assertThat(pages).isEqualTo(3);
    assertThat(names).containsExactly("app-0", "app-1", "app-2", "app-3", "app-4");
    assertThat(sm.director("t-paging", "{ applications(first: 0) { totalCount } }", null).firstError()).contains("first must be between");
    assertThat(sm.director("t-paging", "{ applications(after: \"garbage\") { totalCount } }", null).firstError()).contains("cursor");
  }

  @Test
  void applicationsAreFilteredByLabels() {
    registerOk("t-filter", Map.of("name", "eu-app", "labels", Map.of("region", "eu", "tier", List.of("gold", "silver"))));
    registerOk("t-filter", Map.of("name", "us-app", "labels", Map.of("region", "us")));
    registerOk("t-filter", Map.of("name", "plain"));
    String q = "query($f: [LabelFilter!]) { applications(filter: $f) { totalCount data { name } } }";
    assertThat(names(sm.director("t-filter", q, Map.of("f", List.of(Map.of("key", "region")))))).containsExactly("eu-app", "us-app");
    assertThat(names(sm.director("t-filter", q, Map.of("f", List.of(Map.of("key", "region", "query", "\"eu\"")))))).containsExactly("eu-app");
    assertThat(names(sm.director("t-filter", q, Map.of("f", List.of(Map.of("key", "tier", "query", "$[*] ? (@ == \"gold\")")))))).containsExactly("eu-app");
    assertThat(names(sm.director("t-filter", q, Map.of("f", List.of(Map.of("key", "tier", "query", "[\"silver\"]")))))).containsExactly("eu-app");
    assertThat(names(sm.director("t-filter", q, Map.of("f", List.of(Map.of("key", "region"), Map.of("key", "tier")))))).containsExactly("eu-app");
    assertThat(sm.director("t-filter", q, Map.of("f", List.of(Map.of("key", "region", "query", "region = eu")))).firstError())
        .contains("label filter query");
  }

  private static List<String> names(CompassServer.Response r) {
    List<String> names = new ArrayList<>();
    r.data("applications").path("data").forEach(n -> names.add(n.path("name").asText()));
    return names;
  }

  @Test
  void invalidInputIsAGraphQLErrorAndWritesNothing() throws Exception {
    assertThat(register("t-invalid", Map.of("name", "9starts-with-digit")).firstError()).contains("name must be");
    assertThat(register("t-invalid", Map.of("name", "UPPER")).firstError()).contains("name must be");
    assertThat(register("t-invalid", Map.of("name", "x".repeat(37))).firstError()).contains("name must be");
    assertThat(register("t-invalid", Map.of("name", "bad-url", "baseUrl", "not a url")).firstError()).contains("baseUrl must be an absolute");
    assertThat(register("t-invalid", Map.of("name", "bad-target", "bundles", List.of(Map.of("name", "b",
        "apiDefinitions", List.of(Map.of("name", "a", "targetURL", "ftp://x"))))))
        .firstError()).contains("targetURL must be an absolute");
    assertThat(register("t-invalid", Map.of("name", "bad-schema", "bundles", List.of(Map.of("name", "b",
        "instanceAuthRequestInputSchema", "{not json"))))
        .firstError()).contains("instanceAuthRequestInputSchema is not valid JSON");
    assertThat(register("t-invalid", Map.of("name", "array-schema", "bundles", List.of(Map.of("name", "b",
        "instanceAuthRequestInputSchema", "[1,2]"))))
        .firstError()).contains("must be a JSON Schema object");
    assertThat(register("t-invalid", Map.of("name", "wrong-type", "bundles", List.of(Map.of("name", "b",
        "instanceAuthRequestInputSchema", "{\"type\":\"thing\"}"))))
        .firstError()).contains("'type' must be one of");
    assertThat(register("t-invalid", Map.of("name", "two-creds", "bundles", List.of(Map.of("name", "b",
        "defaultInstanceAuth", Map.of("credential", Map.of("basic", Map.of("username", "u", "password", "p"),
            "oauth", Map.of("clientId", "c", "clientSecret", "s", "url", "https://t.example")))))))
        .firstError()).contains("exactly one of basic or oauth");
    assertThat(register("t-invalid", Map.of("name", "bad-scenario", "labels", Map.of("scenarios", List.of("NOPE")))).firstError())
        .contains("scenario 'NOPE' is not in");
    CompassServer.Response wrongEnum = register("t-invalid", Map.of("name", "bad-enum", "statusCondition", "SLEEPING"));
    assertThat(wrongEnum.status()).isEqualTo(200);
    assertThat(wrongEnum.firstError()).isNotNull();
    try (Connection c = sm.database(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM compass_applications WHERE tenant = 't-invalid'")) {
      rs.next();
      assertThat(rs.getInt(1)).isZero();
    }
    registerOk("t-invalid", Map.of("name", "dup"));
    assertThat(register("t-invalid", Map.of("name", "dup")).firstError()).contains("already exists");
  }

  // Issue 12: a value PostgreSQL cannot store is a GraphQL error, never a 500 or an "internal error",
  // whether it arrives as a JSON escape (refused by the server's filter) or a GraphQL one (by Db).
  @Test
  void hostileInputIsAGraphQLErrorAndWritesNothing() throws Exception {
    CompassServer.Response nul = register("t-hostile", Map.of("name", "nul", "description", "a\u0000b"));
    assertThat(nul.status()).as(nul.body()).isEqualTo(400);
    assertThat(nul.firstError()).contains("U+0000");
    CompassServer.Response inQuery = sm.director("t-hostile",
        "mutation { registerApplication(in: {name: \"inquery\", description: \"a\\u0000b\"}) { id } }", Map.of());
    assertThat(inQuery.status()).as(inQuery.body()).isEqualTo(200);
    assertThat(inQuery.firstError()).as(inQuery.body()).contains("cannot be stored");
    Map<String, String> headers = Map.of("Authorization", "Bearer " + sm.tenantToken("t-hostile"), "Tenant", "t-hostile");
    CompassServer.Response deep = sm.post("/compass/graphql", headers, "{\"query\":" + "[".repeat(100_000));
    assertThat(deep.status()).as(deep.body()).isEqualTo(400);
    assertThat(deep.firstError()).isNotNull();
    CompassServer.Response connector = sm.post("/compass/connector/graphql", Map.of(), "{\"query\":\"\\udc00\"}");
    assertThat(connector.status()).as(connector.body()).isEqualTo(400);
    assertThat(connector.firstError()).isNotNull();
    try (Connection c = sm.database(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM compass_applications WHERE tenant = 't-hostile'")) {
      rs.next();
      assertThat(rs.getInt(1)).isZero();
    }
  }

  @Test
  void bundlesAndDefinitionsCanBeAddedUpdatedAndDeleted() {
    String app = registerOk("t-bundles", Map.of("name", "bundled"));
    CompassServer.Response added = sm.director("t-bundles",
        "mutation($app: ID!, $in: BundleCreateInput!) { addBundle(applicationID: $app, in: $in) { id name } }",
        Map.of("app", app, "in", Map.of("name", "b1", "defaultInstanceAuth",
            Map.of("credential", Map.of("oauth", Map.of("clientId", "c", "clientSecret", "s", "url", "https://token.example"))))));
    String bundle = added.data("addBundle").path("id").asText();
    CompassServer.Response api = sm.director("t-bundles",
        "mutation($b: ID!, $in: APIDefinitionInput!) { addAPIDefinitionToBundle(bundleID: $b, in: $in) { id targetURL spec { type } } }",
        Map.of("b", bundle, "in", Map.of("name", "odata", "targetURL", "https://odata.example/svc",
            "spec", Map.of("type", "ODATA", "format", "XML", "data", "<edmx/>"))));
    assertThat(api.data("addAPIDefinitionToBundle").path("spec").path("type").asText()).isEqualTo("ODATA");
    CompassServer.Response event = sm.director("t-bundles",
        "mutation($b: ID!, $in: EventDefinitionInput!) { addEventDefinitionToBundle(bundleID: $b, in: $in) { id name } }",
        Map.of("b", bundle, "in", Map.of("name", "ev", "spec", Map.of("type", "ASYNC_API", "format", "JSON", "data", "{}"))));
    assertThat(event.data("addEventDefinitionToBundle").path("name").asText()).isEqualTo("ev");
    CompassServer.Response updated = sm.director("t-bundles",
        "mutation($id: ID!, $in: BundleUpdateInput!) { updateBundle(id: $id, in: $in) { name instanceAuthRequestInputSchema"
            + " defaultInstanceAuth { credential { ... on OAuthCredentialData { clientId url } } } } }",
        Map.of("id", bundle, "in", Map.of("name", "b1-renamed", "instanceAuthRequestInputSchema", "{\"type\":\"object\"}",
            "defaultInstanceAuth", Map.of("credential", Map.of("oauth", Map.of("clientId", "c2", "clientSecret", "s", "url", "https://token.example"))))));
    assertThat(updated.data("updateBundle").path("name").asText()).isEqualTo("b1-renamed");
    assertThat(updated.data("updateBundle").path("defaultInstanceAuth").path("credential").path("clientId").asText()).isEqualTo("c2");
    JsonNode got = sm.director("t-bundles", "query($id: ID!, $b: ID!) { application(id: $id) { bundle(id: $b) {"
        + " apiDefinitions { totalCount } eventDefinitions { totalCount } } } }", Map.of("id", app, "b", bundle))
        .data("application").path("bundle");
    assertThat(got.path("apiDefinitions").path("totalCount").asInt()).isEqualTo(1);
    assertThat(got.path("eventDefinitions").path("totalCount").asInt()).isEqualTo(1);
    assertThat(sm.director("t-bundles", "mutation($id: ID!) { deleteBundle(id: $id) { name } }", Map.of("id", bundle))
        .data("deleteBundle").path("name").asText()).isEqualTo("b1-renamed");
    assertThat(sm.director("t-bundles", "query($id: ID!) { application(id: $id) { bundles { totalCount } } }", Map.of("id", app))
        .data("application").path("bundles").path("totalCount").asInt()).isZero();
  }

  @Test
  void applicationLabelsCanBeSetAndDeleted() {
    String app = registerOk("t-labels", Map.of("name", "labelled"));
    CompassServer.Response set = sm.director("t-labels",
        "mutation($id: ID!) { setApplicationLabel(applicationID: $id, key: \"owner\", value: {team: \"a\"}) { key value } }",
        Map.of("id", app));
    assertThat(set.data("setApplicationLabel").path("value").path("team").asText()).isEqualTo("a");
    assertThat(sm.director("t-labels", "query($id: ID!) { application(id: $id) { labels(key: \"owner\") } }", Map.of("id", app))
        .data("application").path("labels").path("owner").path("team").asText()).isEqualTo("a");
    CompassServer.Response deleted = sm.director("t-labels",
        "mutation($id: ID!) { deleteApplicationLabel(applicationID: $id, key: \"owner\") { key } }", Map.of("id", app));
    assertThat(deleted.data("deleteApplicationLabel").path("key").asText()).isEqualTo("owner");
    assertThat(sm.director("t-labels",
        "mutation($id: ID!) { deleteApplicationLabel(applicationID: $id, key: \"owner\") { key } }", Map.of("id", app)).firstError())
        .contains("label 'owner' not found");
    assertThat(sm.director("t-labels",
        "mutation($id: ID!) { setApplicationLabel(applicationID: $id, key: \"scenarios\", value: [\"OTHER\"]) { key } }",
        Map.of("id", app)).firstError()).contains("scenario 'OTHER' is not in");
    assertThat(sm.director("t-labels",
        "mutation($id: ID!) { setApplicationLabel(applicationID: $id, key: \"bad key!\", value: 1) { key } }",
        Map.of("id", app)).firstError()).contains("label key");
  }
}

package dev.servicemanager.compass;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Runtimes as Service Manager platforms, label definitions and scenarios. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RuntimesIT {
  static final String REGISTER =
      "mutation($in: RuntimeRegisterInput!) { registerRuntime(in: $in) { id name description labels platformID"
          + " status { condition } metadata { creationTimestamp } } }";
  private CompassServer sm;

  @BeforeAll
  void start() {
    sm = new CompassServer();
  }

  @AfterAll
  void stop() {
    sm.close();
  }

  private JsonNode registerRuntime(String tenant, Map<String, Object> in) {
    CompassServer.Response r = sm.director(tenant, REGISTER, Map.of("in", in));
    assertThat(r.json().path("errors").isMissingNode()).as(r.body()).isTrue();
    return r.data("registerRuntime");
  }

  private String registerApp(String tenant, Map<String, Object> in) {
    CompassServer.Response r = sm.director(tenant, ApplicationsIT.REGISTER, Map.of("in", in));
    assertThat(r.json().path("errors").isMissingNode()).as(r.body()).isTrue();
    return r.data("registerApplication").path("id").asText();
  }

  private CompassServer.Response platform(String id) {
    return sm.get("/v1/platforms/" + id, "Bearer " + sm.adminToken());
  }

  @Test
  void registeringARuntimeRegistersAPlatformAndUnregisteringRemovesIt() {
    JsonNode runtime = registerRuntime("t-rt", Map.of("name", "cluster-1", "description", "first"));
    assertThat(runtime.path("status").path("condition").asText()).isEqualTo("INITIAL");
    String platformId = runtime.path("platformID").asText();
    CompassServer.Response platform = platform(platformId);
    assertThat(platform.status()).isEqualTo(200);
    assertThat(platform.json().path("type").asText()).isEqualTo("kubernetes");
    assertThat(platform.json().path("credentials").isMissingNode()).isTrue();
    JsonNode listed = sm.get("/v1/platforms", "Bearer " + sm.adminToken()).json().path("items");
    List<String> ids = new ArrayList<>();
    listed.forEach(p -> ids.add(p.path("id").asText()));
    assertThat(ids).contains(platformId);

    CompassServer.Response removed = sm.director("t-rt", "mutation($id: ID!) { unregisterRuntime(id: $id) { name } }",
        Map.of("id", runtime.path("id").asText()));
    assertThat(removed.data("unregisterRuntime").path("name").asText()).isEqualTo("cluster-1");
    assertThat(platform(platformId).status()).isEqualTo(404);
    assertThat(sm.director("t-rt", "query($id: ID!) { runtime(id: $id) { id } }", Map.of("id", runtime.path("id").asText()))
        .data("runtime").isNull()).isTrue();
  }

  @Test
  void aRuntimeWhosePlatformAnAdministratorDeletedCanStillBeUnregistered() {
    JsonNode runtime = registerRuntime("t-rt", Map.of("name", "orphaned"));
    String platformId = runtime.path("platformID").asText();
    assertThat(sm.delete("/v1/platforms/" + platformId, "Bearer " + sm.adminToken()).status()).isEqualTo(200);
    CompassServer.Response removed = sm.director("t-rt", "mutation($id: ID!) { unregisterRuntime(id: $id) { name } }",
        Map.of("id", runtime.path("id").asText()));
    assertThat(removed.firstError()).as(removed.body()).isNull();
    assertThat(sm.director("t-rt", "query($id: ID!) { runtime(id: $id) { id } }", Map.of("id", runtime.path("id").asText()))
        .data("runtime").isNull()).isTrue();
  }

  @Test
  void theRuntimeTypeLabelIsThePlatformTypeAndCannotChange() {
    JsonNode runtime = registerRuntime("t-rt", Map.of("name", "cf-1", "labels", Map.of("runtimeType", "cloudfoundry")));
    assertThat(platform(runtime.path("platformID").asText()).json().path("type").asText()).isEqualTo("cloudfoundry");
    String id = runtime.path("id").asText();
    assertThat(sm.director("t-rt", "mutation($id: ID!) { setRuntimeLabel(runtimeID: $id, key: \"runtimeType\", value: \"kubernetes\") { key } }",
        Map.of("id", id)).firstError()).contains("runtimeType' cannot change");
    assertThat(sm.director("t-rt", "mutation($id: ID!) { deleteRuntimeLabel(runtimeID: $id, key: \"runtimeType\") { key } }",
        Map.of("id", id)).firstError()).contains("cannot be deleted");
  }

  @Test
  void aRefusedPlatformLeavesNoRuntimeBehind() throws Exception {
    CompassServer.Response r = sm.director("t-rt-refused", REGISTER,
        Map.of("in", Map.of("name", "reserved", "labels", Map.of("runtimeType", "service-manager"))));
    assertThat(r.firstError()).contains("reserved");
    assertThat(sm.director("t-rt-refused", REGISTER, Map.of("in", Map.of("name", "Bad_Name"))).firstError()).contains("name must be");
    try (Connection c = sm.database(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM compass_runtimes WHERE tenant = 't-rt-refused'")) {
      rs.next();
      assertThat(rs.getInt(1)).isZero();
    }
  }

  @Test
  void updateRuntimeReplacesNameDescriptionLabelsAndStatus() {
    JsonNode runtime = registerRuntime("t-rt", Map.of("name", "to-update", "labels", Map.of("env", "dev")));
    CompassServer.Response r = sm.director("t-rt",
        "mutation($id: ID!, $in: RuntimeUpdateInput!) { updateRuntime(id: $id, in: $in) { name description labels status { condition } } }",
        Map.of("id", runtime.path("id").asText(), "in", Map.of("name", "updated", "description", "d",
            "labels", Map.of("env", "prod"), "statusCondition", "CONNECTED")));
    JsonNode updated = r.data("updateRuntime");
    assertThat(updated.path("name").asText()).isEqualTo("updated");
    assertThat(updated.path("description").asText()).isEqualTo("d");
    assertThat(updated.path("labels").path("env").asText()).isEqualTo("prod");
    assertThat(updated.path("status").path("condition").asText()).isEqualTo("CONNECTED");
  }

  @Test
  void runtimeLabelsCanBeSetAndDeleted() {
    String id = registerRuntime("t-rt", Map.of("name", "labelled-rt")).path("id").asText();
    CompassServer.Response set = sm.director("t-rt",
        "mutation($id: ID!) { setRuntimeLabel(runtimeID: $id, key: \"owner\", value: \"team-a\") { key value } }", Map.of("id", id));
    assertThat(set.data("setRuntimeLabel").path("value").asText()).isEqualTo("team-a");
    assertThat(sm.director("t-rt", "query($id: ID!) { runtime(id: $id) { labels(key: \"owner\") } }", Map.of("id", id))
        .data("runtime").path("labels").path("owner").asText()).isEqualTo("team-a");
    CompassServer.Response deleted = sm.director("t-rt",
        "mutation($id: ID!) { deleteRuntimeLabel(runtimeID: $id, key: \"owner\") { key value } }", Map.of("id", id));
    assertThat(deleted.data("deleteRuntimeLabel").path("value").asText()).isEqualTo("team-a");
    assertThat(sm.director("t-rt", "query($id: ID!) { runtime(id: $id) { labels } }", Map.of("id", id))
        .data("runtime").path("labels").has("owner")).isFalse();
    assertThat(sm.director("t-rt",
        "mutation($id: ID!) { deleteRuntimeLabel(runtimeID: $id, key: \"owner\") { key } }", Map.of("id", id)).firstError())
        .contains("label 'owner' not found");
  }

  @Test
  void runtimesArePagedAndFilteredByLabels() {
    for (int i = 0; i < 3; i++) {
      registerRuntime("t-rt-list", Map.of("name", "rt-" + i, "labels", Map.of("zone", i == 1 ? "b" : "a")));
    }
    String q = "query($f: [LabelFilter!], $after: PageCursor) { runtimes(filter: $f, first: 2, after: $after) {"
        + " totalCount pageInfo { hasNextPage endCursor } data { name } } }";
    Map<String, Object> vars = new HashMap<>();
    JsonNode first = sm.director("t-rt-list", q, vars).data("runtimes");
    assertThat(first.path("totalCount").asInt()).isEqualTo(3);
    assertThat(first.path("data").size()).isEqualTo(2);
    assertThat(first.path("pageInfo").path("hasNextPage").asBoolean()).isTrue();
    vars.put("after", first.path("pageInfo").path("endCursor").asText());
    JsonNode second = sm.director("t-rt-list", q, vars).data("runtimes");
    assertThat(second.path("data").get(0).path("name").asText()).isEqualTo("rt-2");
    assertThat(second.path("pageInfo").path("hasNextPage").asBoolean()).isFalse();
    JsonNode filtered = sm.director("t-rt-list", q, Map.of("f", List.of(Map.of("key", "zone", "query", "\"b\"")))).data("runtimes");
    assertThat(filtered.path("totalCount").asInt()).isEqualTo(1);
    assertThat(filtered.path("data").get(0).path("name").asText()).isEqualTo("rt-1");
  }

  @Test
  void labelDefinitionsStartWithTheDefaultScenarioAndCanBeCreatedAndUpdated() {
    JsonNode defs = sm.director("t-defs", "{ labelDefinitions { key schema } }", null).data("labelDefinitions");
    assertThat(defs.size()).isEqualTo(1);
    assertThat(defs.get(0).path("key").asText()).isEqualTo("scenarios");
    assertThat(defs.get(0).path("schema").asText()).contains("DEFAULT");

    String create = "mutation($in: LabelDefinitionInput!) { createLabelDefinition(in: $in) { key schema } }";
    CompassServer.Response created = sm.director("t-defs", create,
        Map.of("in", Map.of("key", "cost_center", "schema", "{\"type\":\"string\"}")));
    assertThat(created.data("createLabelDefinition").path("key").asText()).isEqualTo("cost_center");
    assertThat(sm.director("t-defs", create, Map.of("in", Map.of("key", "cost_center"))).firstError()).contains("already exists");
    assertThat(sm.director("t-defs", create, Map.of("in", Map.of("key", "scenarios"))).firstError()).contains("already exists");
    assertThat(sm.director("t-defs", create, Map.of("in", Map.of("key", "bad-key")))
        .firstError()).contains("letters, digits or '_'");
    assertThat(sm.director("t-defs", create, Map.of("in", Map.of("key", "k", "schema", "{oops"))).firstError()).contains("not valid JSON");

    String update = "mutation($in: LabelDefinitionInput!) { updateLabelDefinition(in: $in) { key schema } }";
    assertThat(sm.director("t-defs", update, Map.of("in", Map.of("key", "unknown_key", "schema", "{}"))).firstError())
        .contains("not found");
    CompassServer.Response updated = sm.director("t-defs", update,
        Map.of("in", Map.of("key", "cost_center", "schema", "{\"type\":\"number\"}")));
    assertThat(updated.data("updateLabelDefinition").path("schema").asText()).contains("number");
    assertThat(sm.director("t-defs", "{ labelDefinition(key: \"cost_center\") { schema } }", null)
        .data("labelDefinition").path("schema").asText()).contains("number");
    assertThat(sm.director("t-defs", update, Map.of("in", Map.of("key", "scenarios",
        "schema", scenariosSchema("OTHER")))).firstError()).contains("must keep DEFAULT");
  }

  private static String scenariosSchema(String... names) {
    StringBuilder list = new StringBuilder();
    for (String name : names) {
      list.append(list.length() == 0 ? "" : ",").append('"').append(name).append('"');
    }
    return "{\"type\":\"array\",\"minItems\":1,\"uniqueItems\":true,\"items\":{\"type\":\"string\",\"enum\":[" + list + "]}}";
  }

  @Test
  void aRuntimeSeesOnlyApplicationsSharingOneOfItsScenarios() {
    String tenant = "t-scen";
    String update = "mutation($in: LabelDefinitionInput!) { updateLabelDefinition(in: $in) { key } }";
    assertThat(sm.director(tenant, update, Map.of("in", Map.of("key", "scenarios",
        "schema", scenariosSchema("DEFAULT", "ANALYTICS", "BILLING")))).firstError()).isNull();
    registerApp(tenant, Map.of("name", "default-app"));
    registerApp(tenant, Map.of("name", "analytics-app", "labels", Map.of("scenarios", List.of("ANALYTICS"))));
    registerApp(tenant, Map.of("name", "both-app", "labels", Map.of("scenarios", List.of("ANALYTICS", "BILLING"))));
    String runtime = registerRuntime(tenant, Map.of("name", "rt", "labels", Map.of("scenarios", List.of("ANALYTICS")))).path("id").asText();
    String bare = registerRuntime(tenant, Map.of("name", "bare")).path("id").asText();
    String q = "query($id: ID!) { applicationsForRuntime(runtimeID: $id) { totalCount data { name } } }";
    JsonNode page = sm.director(tenant, q, Map.of("id", runtime)).data("applicationsForRuntime");
    List<String> names = new ArrayList<>();
    page.path("data").forEach(n -> names.add(n.path("name").asText()));
    assertThat(names).containsExactly("analytics-app", "both-app");
    assertThat(sm.director(tenant, q, Map.of("id", bare)).data("applicationsForRuntime").path("totalCount").asInt()).isZero();

    sm.director(tenant, "mutation($id: ID!) { setRuntimeLabel(runtimeID: $id, key: \"scenarios\", value: [\"DEFAULT\"]) { key } }",
        Map.of("id", bare));
    JsonNode defaults = sm.director(tenant, q, Map.of("id", bare)).data("applicationsForRuntime");
    assertThat(defaults.path("data").get(0).path("name").asText()).isEqualTo("default-app");
    assertThat(defaults.path("totalCount").asInt()).isEqualTo(1);

    assertThat(sm.director(tenant, "mutation($id: ID!) { setRuntimeLabel(runtimeID: $id, key: \"scenarios\", value: [\"NOPE\"]) { key } }",
        Map.of("id", bare)).firstError()).contains("scenario 'NOPE' is not in");
    assertThat(sm.director(tenant, update, Map.of("in", Map.of("key", "scenarios", "schema", scenariosSchema("DEFAULT", "BILLING"))))
        .firstError()).contains("ANALYTICS").contains("still used");
    assertThat(sm.director(tenant, q, Map.of("id", "no-such-runtime")).firstError()).contains("not found");
  }
}

package dev.servicemanager.compass;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Who may call the Director, with which scopes, and for which tenant; tenants never meet. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccessAndTenancyIT {
  private static final String LIST = "{ applications { totalCount data { id name } } }";
  private CompassServer sm;
  private String appOfB;
  private String runtimeOfB;

  @BeforeAll
  void start() {
    sm = new CompassServer();
    appOfB = sm.director("tenant-b", ApplicationsIT.REGISTER, Map.of("in", Map.of("name", "b-app",
        "bundles", List.of(Map.of("name", "b-bundle"))))).data("registerApplication").path("id").asText();
    runtimeOfB = sm.director("tenant-b", RuntimesIT.REGISTER, Map.of("in", Map.of("name", "b-runtime")))
        .data("registerRuntime").path("id").asText();
  }

  @AfterAll
  void stop() {
    sm.close();
  }

  @Test
  void withoutCredentialsTheDirectorIs401() {
    assertThat(sm.director(null, "tenant-a", LIST, null).status()).isEqualTo(401);
    assertThat(sm.director("Bearer not-a-jwt", "tenant-a", LIST, null).status()).isEqualTo(401);
  }

  @Test
  void platformBasicCredentialsAreRefused() {
    JsonNode basic = sm.adminPost("/v1/platforms", Map.of("name", "some-platform", "type", "kubernetes"))
        .json().path("credentials").path("basic");
    CompassServer.Response r = sm.director(
        CompassServer.basic(basic.path("username").asText(), basic.path("password").asText()), "tenant-a", LIST, null);
    assertThat(r.status()).isEqualTo(403);
  }

  @Test
  void queriesNeedTheReadScopeAndMutationsTheWriteScope() {
    String readOnly = "Bearer " + sm.token("tenant-a", "compass.read");
    String writeOnly = "Bearer " + sm.token("tenant-a", "compass.write");
    String neither = "Bearer " + sm.token("tenant-a", "something.else");
    String mutation = "mutation { registerApplication(in: {name: \"scoped\"}) { id } }";
    assertThat(sm.director(readOnly, "tenant-a", LIST, null).status()).isEqualTo(200);
    CompassServer.Response refused = sm.director(readOnly, "tenant-a", mutation, null);
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.firstError()).contains("compass.write");
    assertThat(sm.director(writeOnly, "tenant-a", LIST, null).status()).isEqualTo(403);
    assertThat(sm.director(writeOnly, "tenant-a", mutation, null).data("registerApplication").path("id").asText()).isNotEmpty();
    assertThat(sm.director(neither, "tenant-a", LIST, null).status()).isEqualTo(403);
  }

  @Test
  void theTenantHeaderIsRequiredAndMustMatchTheTokensTenant() {
    String tokenOfA = "Bearer " + sm.tenantToken("tenant-a");
    CompassServer.Response missing = sm.director(tokenOfA, null, LIST, null);
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.firstError()).contains("Tenant header");
    CompassServer.Response mismatch = sm.director(tokenOfA, "tenant-b", LIST, null);
    assertThat(mismatch.status()).isEqualTo(403);
    assertThat(mismatch.firstError()).contains("does not match");
    assertThat(sm.director("Bearer " + sm.token(null, "compass.read compass.write"), "tenant-b", LIST, null).status())
        .isEqualTo(403);
  }

  @Test
  void anAdministratorMayActForAnyTenantNamedInTheHeader() {
    String admin = "Bearer " + sm.adminToken();
    JsonNode page = sm.director(admin, "tenant-b", LIST, null).data("applications");
    assertThat(page.path("data").findValuesAsText("id")).contains(appOfB);
    assertThat(sm.director(admin, null, LIST, null).status()).isEqualTo(400);
  }

  @Test
  void oneTenantCannotSeeOrChangeAnothersObjects() {
    String a = "tenant-a";
    assertThat(sm.director(a, LIST, null).data("applications").path("data").findValuesAsText("id")).doesNotContain(appOfB);
    assertThat(sm.director(a, "query($id: ID!) { application(id: $id) { id } }", Map.of("id", appOfB)).data("application").isNull())
        .isTrue();
    assertThat(sm.director(a, "mutation($id: ID!) { updateApplication(id: $id, in: {description: \"x\"}) { id } }",
        Map.of("id", appOfB)).firstError()).contains("not found");
    assertThat(sm.director(a, "mutation($id: ID!) { unregisterApplication(id: $id) { id } }", Map.of("id", appOfB)).firstError())
        .contains("not found");
    assertThat(sm.director(a, "mutation($id: ID!) { addBundle(applicationID: $id, in: {name: \"x\"}) { id } }", Map.of("id", appOfB))
        .firstError()).contains("not found");
    assertThat(sm.director(a, "mutation($id: ID!) { setApplicationLabel(applicationID: $id, key: \"k\", value: 1) { key } }",
        Map.of("id", appOfB)).firstError()).contains("not found");
    assertThat(sm.director(a, "mutation($id: ID!) { requestOneTimeTokenForApplication(id: $id) { token } }", Map.of("id", appOfB))
        .firstError()).contains("not found");
    assertThat(sm.director(a, "query($id: ID!) { runtime(id: $id) { id } }", Map.of("id", runtimeOfB)).data("runtime").isNull()).isTrue();
    assertThat(sm.director(a, "mutation($id: ID!) { unregisterRuntime(id: $id) { id } }", Map.of("id", runtimeOfB)).firstError())
        .contains("not found");
    assertThat(sm.director(a, "mutation($id: ID!) { requestOneTimeTokenForRuntime(id: $id) { token } }", Map.of("id", runtimeOfB))
        .firstError()).contains("not found");
    assertThat(sm.director(a, "query($id: ID!) { applicationsForRuntime(runtimeID: $id) { totalCount } }", Map.of("id", runtimeOfB))
        .firstError()).contains("not found");
    assertThat(sm.director(a, "{ runtimes { data { id } } }", null).data("runtimes").path("data").findValuesAsText("id"))
        .doesNotContain(runtimeOfB);

    // B's objects are untouched.
    JsonNode app = sm.director("tenant-b", "query($id: ID!) { application(id: $id) { name labels bundles { totalCount } } }",
        Map.of("id", appOfB)).data("application");
    assertThat(app.path("name").asText()).isEqualTo("b-app");
    assertThat(app.path("labels").has("k")).isFalse();
    assertThat(app.path("bundles").path("totalCount").asInt()).isEqualTo(1);
    // Names are per tenant.
    assertThat(sm.director(a, ApplicationsIT.REGISTER, Map.of("in", Map.of("name", "b-app"))).firstError()).isNull();
  }

  @Test
  void malformedRequestsAreClientErrorsNeverServerErrors() {
    String auth = "Bearer " + sm.tenantToken("tenant-a");
    assertThat(sm.post("/compass/graphql", Map.of("Authorization", auth, "Tenant", "tenant-a"), "{not json").status()).isEqualTo(400);
    assertThat(sm.post("/compass/graphql", Map.of("Authorization", auth, "Tenant", "tenant-a"), "{\"variables\":{}}").status())
        .isEqualTo(400);
    CompassServer.Response syntax = sm.director("tenant-a", "{ applications { ", null);
    assertThat(syntax.status()).isEqualTo(200);
    assertThat(syntax.firstError()).isNotBlank();
    CompassServer.Response unknownField = sm.director("tenant-a", "{ nothingHere }", null);
    assertThat(unknownField.firstError()).contains("nothingHere");
  }

  @Test
  void onlyTheAdaptersOwnPathsServeGraphQL() {
    String admin = "Bearer " + sm.adminToken();
    assertThat(sm.post("/graphql", Map.of("Authorization", admin), "{\"query\":\"{ applications { totalCount } }\"}").status())
        .isEqualTo(404);
  }

  @Test
  void theAdaptersTablesHaveTheirOwnMigrationHistory() throws Exception {
    try (java.sql.Connection c = sm.database(); java.sql.Statement s = c.createStatement();
        java.sql.ResultSet rs = s.executeQuery("SELECT version FROM compass_schema_history WHERE success AND version = '1'")) {
      assertThat(rs.next()).isTrue();
    }
  }
}

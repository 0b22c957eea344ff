package dev.servicemanager.compass;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Bundle instance auths and their status conditions through the Director, on the real server. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InstanceAuthsIT {
  static final String AUTH_FIELDS = "id context inputParams runtimeID status { condition timestamp message reason }"
      + " auth { credential { ... on BasicCredentialData { username password }"
      + " ... on OAuthCredentialData { clientId clientSecret url } } additionalHeaders }";
  static final String REQUEST = "mutation($b: ID!, $in: BundleInstanceAuthRequestInput!) {"
      + " requestBundleInstanceAuthCreation(bundleID: $b, in: $in) { " + AUTH_FIELDS + " } }";
  static final String SET = "mutation($a: ID!, $in: BundleInstanceAuthSetInput!) {"
      + " setBundleInstanceAuth(authID: $a, in: $in) { " + AUTH_FIELDS + " } }";
  static final String REQUEST_DELETION = "mutation($a: ID!) { requestBundleInstanceAuthDeletion(authID: $a) { "
      + AUTH_FIELDS + " } }";
  static final String DELETE = "mutation($a: ID!) { deleteBundleInstanceAuth(authID: $a) { " + AUTH_FIELDS + " } }";
  static final String GET = "query($a: ID!) { bundleInstanceAuth(id: $a) { " + AUTH_FIELDS + " } }";
  static final String SCHEMA = "{\"type\":\"object\",\"required\":[\"scope\"],\"properties\":{"
      + "\"scope\":{\"type\":\"string\",\"enum\":[\"read\",\"write\"]},\"ttl\":{\"type\":\"integer\"}}}";
  static final String TENANT = "t-auths";
  private CompassServer sm;
  private String appId;
  private String defaultBundle;
  private String manualBundle;

  @BeforeAll
  void start() {
    sm = new CompassServer();
    Map<String, Object> withDefault = Map.of("name", "with-default",
        "defaultInstanceAuth", Map.of("credential", Map.of("basic", Map.of("username", "svc", "password", "s3cret"))));
    Map<String, Object> manual = Map.of("name", "manual", "instanceAuthRequestInputSchema", SCHEMA);
    JsonNode app = ok(sm.director(TENANT, ApplicationsIT.REGISTER,
        Map.of("in", Map.of("name", "billing", "bundles", List.of(withDefault, manual)))), "registerApplication");
    appId = app.path("id").asText();
    for (JsonNode b : app.path("bundles").path("data")) {
      if (b.path("name").asText().equals("with-default")) {
        defaultBundle = b.path("id").asText();
      } else {
        manualBundle = b.path("id").asText();
      }
    }
  }

  @AfterAll
  void stop() {
    sm.close();
  }

  private static JsonNode ok(CompassServer.Response r, String field) {
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().path("errors").isMissingNode()).as(r.body()).isTrue();
    return r.data(field);
  }

  private CompassServer.Response request(String tenant, String bundle, Map<String, Object> in) {
    return sm.director(tenant, REQUEST, Map.of("b", bundle, "in", in));
  }

  private long rows(String sql) throws Exception {
    try (Connection c = sm.database(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void bundleWithDefaultAuthSucceedsAtOnceAndDeletionRemovesIt() throws Exception {
    JsonNode auth = ok(request(TENANT, defaultBundle, Map.of("context", "{\"instance_id\":\"i1\",\"binding_id\":\"b1\"}")),
        "requestBundleInstanceAuthCreation");
    String id = auth.path("id").asText();
    assertThat(auth.path("status").path("condition").asText()).isEqualTo("SUCCEEDED");
    assertThat(auth.path("status").path("reason").asText()).isEqualTo("CredentialsProvided");
    assertThat(auth.path("auth").path("credential").path("username").asText()).isEqualTo("svc");
    assertThat(auth.path("auth").path("credential").path("password").asText()).isEqualTo("s3cret");
    assertThat(CompassServer.JSON.readTree(auth.path("context").asText()).path("binding_id").asText()).isEqualTo("b1");

    JsonNode listed = ok(sm.director(TENANT, "query($id: ID!) { application(id: $id) { bundle(id: \"" + defaultBundle
        + "\") { instanceAuths { id status { condition } } instanceAuth(id: \"" + id + "\") { id } } } }",
        Map.of("id", appId)), "application").path("bundle");
    assertThat(listed.path("instanceAuths").findValuesAsText("id")).contains(id);
    assertThat(listed.path("instanceAuth").path("id").asText()).isEqualTo(id);
    assertThat(ok(sm.director(TENANT, "query($a: ID!) { bundleByInstanceAuth(authID: $a) { id } }", Map.of("a", id)),
        "bundleByInstanceAuth").path("id").asText()).isEqualTo(defaultBundle);

    // set is only for PENDING auths
    CompassServer.Response refused = sm.director(TENANT, SET, Map.of("a", id, "in",
        Map.of("auth", Map.of("credential", Map.of("basic", Map.of("username", "x", "password", "y"))))));
    assertThat(refused.firstError()).contains("SUCCEEDED").contains("only while it is PENDING");

    JsonNode deleted = ok(sm.director(TENANT, REQUEST_DELETION, Map.of("a", id)), "requestBundleInstanceAuthDeletion");
    assertThat(deleted.path("id").asText()).isEqualTo(id);
    assertThat(sm.director(TENANT, GET, Map.of("a", id)).data("bundleInstanceAuth").isNull()).isTrue();
    assertThat(rows("SELECT count(*) FROM compass_bundle_instance_auths WHERE id = '" + id + "'")).isZero();
  }

  @Test
  void bundleWithoutDefaultStaysPendingUntilTheApplicationSetsItAndIsUnusedUntilDeleted() throws Exception {
    JsonNode auth = ok(request(TENANT, manualBundle, Map.of("id", "binding-1", "inputParams", "{\"scope\":\"read\",\"ttl\":60}")),
        "requestBundleInstanceAuthCreation");
    assertThat(auth.path("id").asText()).isEqualTo("binding-1");
    assertThat(auth.path("status").path("condition").asText()).isEqualTo("PENDING");
    assertThat(auth.path("status").path("reason").asText()).isEqualTo("PendingNotification");
    assertThat(auth.path("auth").isNull()).isTrue();
    JsonNode params = CompassServer.JSON.readTree(auth.path("inputParams").asText());
    assertThat(params.path("scope").asText()).isEqualTo("read");
    assertThat(params.path("ttl").asInt()).isEqualTo(60);

    JsonNode set = ok(sm.director(TENANT, SET, Map.of("a", "binding-1", "in", Map.of("auth", Map.of("credential",
        Map.of("oauth", Map.of("clientId", "cid", "clientSecret", "csecret", "url", "https://auth.example.com/token")))))),
        "setBundleInstanceAuth");
    assertThat(set.path("status").path("condition").asText()).isEqualTo("SUCCEEDED");
    assertThat(set.path("status").path("reason").asText()).isEqualTo("CredentialsProvided");
    assertThat(set.path("auth").path("credential").path("clientSecret").asText()).isEqualTo("csecret");

    JsonNode unused = ok(sm.director(TENANT, REQUEST_DELETION, Map.of("a", "binding-1")), "requestBundleInstanceAuthDeletion");
    assertThat(unused.path("status").path("condition").asText()).isEqualTo("UNUSED");
    assertThat(unused.path("status").path("reason").asText()).isEqualTo("PendingDeletion");
    assertThat(ok(sm.director(TENANT, GET, Map.of("a", "binding-1")), "bundleInstanceAuth")
        .path("status").path("condition").asText()).isEqualTo("UNUSED");
    // asking again changes nothing
    assertThat(ok(sm.director(TENANT, REQUEST_DELETION, Map.of("a", "binding-1")), "requestBundleInstanceAuthDeletion")
        .path("status").path("condition").asText()).isEqualTo("UNUSED");

    ok(sm.director(TENANT, DELETE, Map.of("a", "binding-1")), "deleteBundleInstanceAuth");
    assertThat(sm.director(TENANT, GET, Map.of("a", "binding-1")).data("bundleInstanceAuth").isNull()).isTrue();
  }

  @Test
  void theApplicationCanReportFailure() {
    String id = ok(request(TENANT, manualBundle, Map.of("inputParams", "{\"scope\":\"write\"}")),
        "requestBundleInstanceAuthCreation").path("id").asText();
    Map<String, Object> failed = Map.of("condition", "FAILED", "reason", "QuotaExceeded", "message", "no more clients");
    CompassServer.Response both = sm.director(TENANT, SET, Map.of("a", id, "in", Map.of("status", failed,
        "auth", Map.of("credential", Map.of("basic", Map.of("username", "x", "password", "y"))))));
    assertThat(both.firstError()).isEqualTo("invalid input: status FAILED must come without auth");
    assertThat(sm.director(TENANT, SET, Map.of("a", id, "in", Map.of())).firstError())
        .isEqualTo("invalid input: auth or status is required");
    assertThat(sm.director(TENANT, SET, Map.of("a", id, "in", Map.of("status",
        Map.of("condition", "SUCCEEDED", "reason", "r", "message", "m")))).firstError())
        .isEqualTo("invalid input: status SUCCEEDED needs auth");
    assertThat(ok(sm.director(TENANT, GET, Map.of("a", id)), "bundleInstanceAuth").path("status").path("condition").asText())
        .isEqualTo("PENDING");

    JsonNode f = ok(sm.director(TENANT, SET, Map.of("a", id, "in", Map.of("status", failed))), "setBundleInstanceAuth");
    assertThat(f.path("status").path("condition").asText()).isEqualTo("FAILED");
    assertThat(f.path("status").path("reason").asText()).isEqualTo("QuotaExceeded");
    assertThat(f.path("status").path("message").asText()).isEqualTo("no more clients");
    assertThat(f.path("auth").isNull()).isTrue();
  }

  @Test
  void inputParamsAreCheckedAgainstTheBundleSchemaAndBadInputWritesNothing() throws Exception {
    long before = rows("SELECT count(*) FROM compass_bundle_instance_auths");
    Map<String, String> refusals = new HashMap<>();
    refusals.put("{\"ttl\":5}", "invalid input: inputParams.scope is required");
    refusals.put("{\"scope\":\"admin\"}", "invalid input: inputParams.scope must be one of [read, write]");
    refusals.put("{\"scope\":\"read\",\"ttl\":1.5}", "invalid input: inputParams.ttl must be of type integer");
    refusals.put("[1]", "invalid input: inputParams must be of type object");
    refusals.put("{not json", "invalid input: inputParams is not valid JSON");
    refusals.forEach((params, message) ->
        assertThat(request(TENANT, manualBundle, Map.of("inputParams", params)).firstError()).as(params).isEqualTo(message));
    assertThat(request(TENANT, manualBundle, Map.of()).firstError())
        .isEqualTo("invalid input: inputParams are required: the bundle defines an instanceAuthRequestInputSchema");
    assertThat(request(TENANT, defaultBundle, Map.of("context", "{oops")).firstError())
        .isEqualTo("invalid input: context is not valid JSON");
    assertThat(request(TENANT, defaultBundle, Map.of("id", "bad id!")).firstError()).startsWith("invalid input: id must be");
    assertThat(request(TENANT, "no-such-bundle", Map.of()).firstError()).isEqualTo("bundle with id 'no-such-bundle' not found");
    assertThat(rows("SELECT count(*) FROM compass_bundle_instance_auths")).isEqualTo(before);

    ok(request(TENANT, defaultBundle, Map.of("id", "dup-1")), "requestBundleInstanceAuthCreation");
    assertThat(request(TENANT, defaultBundle, Map.of("id", "dup-1")).firstError())
        .isEqualTo("a bundle instance auth with id 'dup-1' already exists");
    assertThat(sm.director(TENANT, SET, Map.of("a", "nope", "in", Map.of("status",
        Map.of("condition", "FAILED", "reason", "r", "message", "m")))).firstError())
        .isEqualTo("bundle instance auth with id 'nope' not found");
  }

  @Test
  void anotherTenantSeesNothingAndReadOnlyTokensCannotRequest() {
    String id = ok(request(TENANT, defaultBundle, Map.of()), "requestBundleInstanceAuthCreation").path("id").asText();
    assertThat(request("t-other", defaultBundle, Map.of()).firstError()).isEqualTo("bundle with id '" + defaultBundle + "' not found");
    assertThat(sm.director("t-other", GET, Map.of("a", id)).data("bundleInstanceAuth").isNull()).isTrue();
    assertThat(sm.director("t-other", REQUEST_DELETION, Map.of("a", id)).firstError())
        .isEqualTo("bundle instance auth with id '" + id + "' not found");
    assertThat(sm.director("t-other", DELETE, Map.of("a", id)).firstError())
        .isEqualTo("bundle instance auth with id '" + id + "' not found");
    assertThat(sm.director("t-other", "query($a: ID!) { bundleByInstanceAuth(authID: $a) { id } }", Map.of("a", id))
        .firstError()).isEqualTo("bundle instance auth with id '" + id + "' not found");
    CompassServer.Response readOnly = sm.director("Bearer " + sm.token(TENANT, "compass.read"), TENANT, REQUEST,
        Map.of("b", defaultBundle, "in", Map.of()));
    assertThat(readOnly.status()).isEqualTo(403);
    assertThat(ok(sm.director(TENANT, GET, Map.of("a", id)), "bundleInstanceAuth").path("id").asText()).isEqualTo(id);
  }

  @Test
  void deletingTheBundleDeletesItsAuths() throws Exception {
    String bundle = ok(sm.director(TENANT, "mutation($a: ID!) { addBundle(applicationID: $a, in: {name: \"temp\"}) { id } }",
        Map.of("a", appId)), "addBundle").path("id").asText();
    String id = ok(request(TENANT, bundle, Map.of()), "requestBundleInstanceAuthCreation").path("id").asText();
    ok(sm.director(TENANT, "mutation($b: ID!) { deleteBundle(id: $b) { id } }", Map.of("b", bundle)), "deleteBundle");
    assertThat(rows("SELECT count(*) FROM compass_bundle_instance_auths WHERE id = '" + id + "'")).isZero();
  }

  @Test
  void credentialsAreNotLoggedAtTheShippedLogLevels() {
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
        new ch.qos.logback.core.read.ListAppender<>();
    logs.start();
    root.addAppender(logs);
    try {
      org.slf4j.LoggerFactory.getLogger("dev.servicemanager.compass.Probe").warn("appender attached");
      ok(request(TENANT, defaultBundle, Map.of()), "requestBundleInstanceAuthCreation");
      String id = ok(request(TENANT, manualBundle, Map.of("inputParams", "{\"scope\":\"read\"}")),
          "requestBundleInstanceAuthCreation").path("id").asText();
      Map<String, Object> auth = Map.of("credential", Map.of("basic", Map.of("username", "u", "password", "instance-secret-pw")));
      // refused (FAILED with auth), then accepted
      sm.director(TENANT, SET, Map.of("a", id, "in", Map.of("auth", auth,
          "status", Map.of("condition", "FAILED", "reason", "r", "message", "m"))));
      ok(sm.director(TENANT, SET, Map.of("a", id, "in", Map.of("auth", auth))), "setBundleInstanceAuth");
      assertThat(logs.list).extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).contains("appender attached");
      for (ch.qos.logback.classic.spi.ILoggingEvent event : logs.list) {
        String text = event.getFormattedMessage() + (event.getThrowableProxy() == null ? "" : event.getThrowableProxy().getMessage());
        assertThat(text).doesNotContain("instance-secret-pw").doesNotContain("s3cret");
      }
    } finally {
      root.detachAppender(logs);
    }
  }
}

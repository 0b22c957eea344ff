package dev.servicemanager.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.testkit.TestDatabases;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * JSON-RPC 2.0 conformance through real HTTP against the real server with the plugin (no Kafka
 * configured: commands are stored, publishing waits). Cases follow the spec's own examples.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class JsonRpcConformanceIT {
  private String jdbcUrl;
  private ControlPlaneServer server;

  private final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
      new ch.qos.logback.core.read.ListAppender<>();

  @BeforeAll
  void start() {
    // Everything the server logs during this class, to check what is (and is not) said.
    ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("ROOT");
    logs.start();
    root.addAppender(logs);
    jdbcUrl = TestDatabases.newDatabase();
    server = new ControlPlaneServer(jdbcUrl, Map.of(
        "control-plane.runtimes.orders.topic", "cp.default.orders",
        "control-plane.runtimes.orders.running", List.of("consumer-group:orders", "topic:payments"),
        "control-plane.runtimes.billing.namespace", "team-b",
        "control-plane.runtimes.billing.topic", "cp.team-b.billing",
        "control-plane.runtimes.billing.paused", List.of("pipeline:invoices")));
  }

  @AfterAll
  void stop() {
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("ROOT")).detachAppender(logs);
    if (server != null) {
      server.close();
    }
  }

  private Map<String, Object> single(String body) {
    ControlPlaneServer.Result r = server.rpc(body);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(r.contentType()).startsWith("application/json");
    return r.object();
  }

  @SuppressWarnings("unchecked")
  private static int code(Map<String, Object> response) {
    assertThat(response).containsEntry("jsonrpc", "2.0").containsKey("id").doesNotContainKey("result");
    return ((Number) ((Map<String, Object>) response.get("error")).get("code")).intValue();
  }

  @Test
  void parseErrorIs32700WithNullId() {
    Map<String, Object> r = single("{\"jsonrpc\": \"2.0\", \"method\": \"getState\", \"params\": \"bar\", \"baz]");
    assertThat(code(r)).isEqualTo(-32700);
    assertThat(r.get("id")).isNull();
    assertThat(code(single(""))).isEqualTo(-32700);
  }

  // Issue 12: input PostgreSQL cannot store, or JSON beyond the server's limits, is refused before
  // the call runs, in JSON-RPC's shape, and writes nothing.
  @Test
  void hostileInputIsParseErrorOrInvalidParamsAndWritesNothing() throws Exception {
    long audit = auditRows();
    Map<String, Object> nul = single("{\"jsonrpc\": \"2.0\", \"method\": \"registerRuntime\", \"params\": {\"runtime\": \"a\\u0000b\","
        + " \"topic\": \"t\"}, \"id\": 1}");
    assertThat(code(nul)).isEqualTo(-32602);
    Map<String, Object> surrogate = single("{\"jsonrpc\": \"2.0\", \"method\": \"pause\", \"params\": {\"runtime\": \"orders\","
        + " \"targets\": [{\"kind\": \"topic\", \"name\": \"\\ud800\"}]}, \"id\": 2}");
    assertThat(code(surrogate)).isEqualTo(-32602);
    assertThat(code(single("{\"jsonrpc\": \"2.0\", \"method\": \"listRuntimes\", \"id\": 1, \"id\": 2}"))).isEqualTo(-32602);
    assertThat(code(single("[".repeat(100_000)))).isEqualTo(-32700);
    assertThat(auditRows()).isEqualTo(audit);
    assertThat(server.call("listRuntimes", Map.of()).toString()).doesNotContain("a\u0000b");
  }

  @Test
  void invalidRequestIs32600() {
    assertThat(code(single("{\"jsonrpc\": \"2.0\", \"method\": 1, \"params\": \"bar\"}"))).isEqualTo(-32600);
    assertThat(code(single("{\"jsonrpc\": \"1.0\", \"method\": \"listRuntimes\", \"id\": 1}"))).isEqualTo(-32600);
    assertThat(code(single("{\"jsonrpc\": \"2.0\", \"method\": \"listRuntimes\", \"params\": 3, \"id\": 1}"))).isEqualTo(-32600);
    assertThat(code(single("{\"jsonrpc\": \"2.0\", \"method\": \"listRuntimes\", \"id\": {}}"))).isEqualTo(-32600);
    assertThat(code(single("[]"))).isEqualTo(-32600);
    assertThat(code(single("\"just a string\""))).isEqualTo(-32600);
  }

  @Test
  @SuppressWarnings("unchecked")
  void invalidBatchEntriesEachGetAnError() {
    ControlPlaneServer.Result r = server.rpc("[1,2,3]");
    assertThat(r.status()).isEqualTo(200);
    List<Object> responses = (List<Object>) r.json();
    assertThat(responses).hasSize(3);
    responses.forEach(x -> assertThat(code((Map<String, Object>) x)).isEqualTo(-32600));
  }

  @Test
  void unknownMethodIs32601() {
    Map<String, Object> r = single("{\"jsonrpc\": \"2.0\", \"method\": \"foobar\", \"id\": \"1\"}");
    assertThat(code(r)).isEqualTo(-32601);
    assertThat(r.get("id")).isEqualTo("1");
  }

  @Test
  void invalidParamsIs32602AndWritesNothing() throws Exception {
    long before = auditRows();
    String[] bad = {
      "{\"runtime\": \"orders\"}",                                                       // targets missing
      "{\"runtime\": \"orders\", \"targets\": []}",                                      // empty
      "{\"runtime\": \"orders\", \"targets\": [{\"kind\": \"queue\", \"name\": \"x\"}]}", // unknown kind
      "{\"runtime\": \"orders\", \"targets\": [{\"kind\": \"topic\", \"name\": \"a b\"}]}",
      "{\"runtime\": \"orders\", \"targets\": [{\"kind\": \"topic\", \"name\": \"ok\"}, \"x\"]}", // 2nd bad: no partial write
      "{\"runtime\": \"orders\", \"targets\": [{\"kind\": \"topic\", \"name\": \"ok\"}], \"extra\": 1}",
      "{\"runtime\": 5, \"targets\": [{\"kind\": \"topic\", \"name\": \"ok\"}]}",
      "[\"orders\"]",                                                                     // by-position
    };
    for (String params : bad) {
      Map<String, Object> r = single("{\"jsonrpc\": \"2.0\", \"method\": \"pause\", \"params\": " + params + ", \"id\": 7}");
      assertThat(code(r)).as(params).isEqualTo(-32602);
      assertThat(r.get("id")).isEqualTo(7);
    }
    assertThat(auditRows()).isEqualTo(before);
  }

  @Test
  void unknownRuntimeIsApplicationError32001() {
    Map<String, Object> r = single("{\"jsonrpc\": \"2.0\", \"method\": \"getState\", \"params\": {\"runtime\": \"nope\"}, \"id\": 3}");
    assertThat(code(r)).isEqualTo(-32001);
  }

  @Test
  void registeringAConfiguredRuntimeIsApplicationError32002() {
    Map<String, Object> r = single("{\"jsonrpc\": \"2.0\", \"method\": \"registerRuntime\", \"params\": {\"runtime\": \"orders\","
        + " \"topic\": \"elsewhere\"}, \"id\": 4}");
    assertThat(code(r)).isEqualTo(-32002);
    assertThat(server.call("getState", Map.of("runtime", "orders"))).containsEntry("topic", "cp.default.orders");
  }

  @Test
  void internalErrorIs32603WithoutDetails() throws Exception {
    // Break the storage underneath (a real failure, not a mock), then repair it.
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "")) {
      c.createStatement().execute("ALTER TABLE cp_audit RENAME TO cp_audit_away");
      try {
        Map<String, Object> r = single("{\"jsonrpc\": \"2.0\", \"method\": \"pause\", \"params\": {\"runtime\": \"orders\","
            + " \"targets\": [{\"kind\": \"topic\", \"name\": \"broken\"}]}, \"id\": 9}");
        assertThat(code(r)).isEqualTo(-32603);
        assertThat(r.toString()).doesNotContain("cp_audit");
      } finally {
        c.createStatement().execute("ALTER TABLE cp_audit_away RENAME TO cp_audit");
      }
    }
    // Nothing of the failed call was stored.
    Map<String, Object> state = server.call("getState", Map.of("runtime", "orders"));
    assertThat(state.toString()).doesNotContain("broken");
  }

  @Test
  void notificationsGetNoResponse() throws Exception {
    long before = auditRows();
    ControlPlaneServer.Result r = server.rpc("{\"jsonrpc\": \"2.0\", \"method\": \"pause\", \"params\": {\"runtime\": \"orders\","
        + " \"targets\": [{\"kind\": \"topic\", \"name\": \"notified\"}]}}");
    assertThat(r.status()).isEqualTo(204);
    assertThat(r.body()).isEmpty();
    assertThat(auditRows()).isEqualTo(before + 1); // it did run
    // A notification with an error is not answered either.
    assertThat(server.rpc("{\"jsonrpc\": \"2.0\", \"method\": \"foobar\"}").status()).isEqualTo(204);
    assertThat(server.rpc("[{\"jsonrpc\": \"2.0\", \"method\": \"listRuntimes\"}, {\"jsonrpc\": \"2.0\", \"method\": \"nope\"}]").status())
        .isEqualTo(204);
    server.call("resume", Map.of("runtime", "orders", "targets", List.of(Map.of("kind", "topic", "name", "notified"))));
  }

  @Test
  @SuppressWarnings("unchecked")
  void batchMixesResultsErrorsAndNotifications() {
    ControlPlaneServer.Result r = server.rpc("""
        [
          {"jsonrpc": "2.0", "method": "listRuntimes", "id": "1"},
          {"jsonrpc": "2.0", "method": "getState", "params": {"runtime": "billing", "namespace": "team-b"}, "id": 2},
          {"jsonrpc": "2.0", "method": "getState", "params": {"runtime": "billing"}},
          {"foo": "boo"},
          {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
          {"jsonrpc": "2.0", "method": "pause", "params": {"runtime": "orders"}, "id": 6}
        ]""");
    assertThat(r.status()).isEqualTo(200);
    List<Map<String, Object>> responses = (List<Map<String, Object>>) r.json();
    assertThat(responses).hasSize(5);
    assertThat(responses.get(0)).containsEntry("id", "1").containsKey("result");
    assertThat(((Map<String, Object>) responses.get(0).get("result")).get("runtimes").toString())
        .contains("orders").contains("billing");
    assertThat(responses.get(1)).containsEntry("id", 2);
    assertThat(responses.get(1).get("result").toString()).contains("team-b").contains("invoices").contains("paused");
    assertThat(code(responses.get(2))).isEqualTo(-32600);
    assertThat(code(responses.get(3))).isEqualTo(-32601);
    assertThat(code(responses.get(4))).isEqualTo(-32602);
  }

  @Test
  @SuppressWarnings("unchecked")
  void pauseStoresARevisionAndAuditEntryUnchangedWritesNothingResetRestoresDefaults() throws Exception {
    Map<String, Object> paused = server.call("pause", Map.of("runtime", "orders",
        "targets", List.of(Map.of("kind", "consumer-group", "name", "orders"))));
    assertThat(paused).containsEntry("changed", true);
    long revision = ((Number) paused.get("revision")).longValue();
    long audits = auditRows();
    long outbox = outboxRows();
    Map<String, Object> again = server.call("pause", Map.of("runtime", "orders",
        "targets", List.of(Map.of("kind", "consumer-group", "name", "orders"))));
    assertThat(again).containsEntry("changed", false);
    assertThat(((Number) again.get("revision")).longValue()).isEqualTo(revision);
    assertThat(auditRows()).isEqualTo(audits);
    assertThat(outboxRows()).isEqualTo(outbox);
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        ResultSet rs = c.createStatement().executeQuery(
            "SELECT actor, method, change::text FROM cp_audit WHERE name = 'orders' AND revision = " + revision)) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("admin");
      assertThat(rs.getString(2)).isEqualTo("pause");
      assertThat(rs.getString(3)).contains("\"consumer-group:orders\": \"paused\"");
    }
    Map<String, Object> reset = server.call("reset", Map.of("runtime", "orders"));
    assertThat(reset).containsEntry("changed", true);
    List<Map<String, Object>> targets = (List<Map<String, Object>>) ((Map<String, Object>) reset.get("state")).get("targets");
    assertThat(targets).allSatisfy(t -> assertThat(t.get("desired")).isEqualTo(t.get("defaultState")));
  }

  @Test
  void aRuntimeInAnotherNamespaceIsControlledAndRegistrationWorks() {
    server.call("registerRuntime", Map.of("runtime", "shipping", "namespace", "team-c", "topic", "cp.team-c.shipping",
        "targets", List.of(Map.of("kind", "topic", "name", "parcels"))));
    Map<String, Object> paused = server.call("pause", Map.of("runtime", "shipping", "namespace", "team-c",
        "targets", List.of(Map.of("kind", "topic", "name", "parcels"))));
    assertThat(paused.get("state").toString()).contains("team-c").contains("paused");
    // The same name in the default namespace is another runtime.
    assertThat(code(single("{\"jsonrpc\": \"2.0\", \"method\": \"getState\", \"params\": {\"runtime\": \"shipping\"}, \"id\": 1}")))
        .isEqualTo(-32001);
  }

  @Test
  void concurrentWritersNeverLoseAnUpdate() throws Exception {
    int writers = 8;
    List<Thread> threads = new java.util.ArrayList<>();
    for (int i = 0; i < writers; i++) {
      int n = i;
      Thread t = new Thread(() -> server.call("pause", Map.of("runtime", "orders",
          "targets", List.of(Map.of("kind", "pipeline", "name", "p" + n)))));
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join(30_000);
    }
    String state = server.call("getState", Map.of("runtime", "orders")).toString();
    for (int i = 0; i < writers; i++) {
      assertThat(state).contains("name=p" + i + ",");
    }
  }

  @Test
  void securityUnauthenticated401PlatformOrGarbage401Or403() {
    assertThat(server.rpc("{\"jsonrpc\": \"2.0\", \"method\": \"listRuntimes\", \"id\": 1}", null).status()).isEqualTo(401);
    assertThat(server.rpc("{\"jsonrpc\": \"2.0\", \"method\": \"listRuntimes\", \"id\": 1}", "Bearer not-a-jwt").status())
        .isEqualTo(401);
    assertThat(server.get("/control-plane/metrics", null).status()).isEqualTo(401);
    assertThat(server.get("/control-plane/", null).status()).isEqualTo(200);
    assertThat(server.get("/control-plane/health", null).status()).isEqualTo(200);
  }

  @Test
  void metricsArePrometheusText() {
    server.call("listRuntimes", Map.of());
    ControlPlaneServer.Result r = server.get("/control-plane/metrics", "Bearer " + server.adminToken());
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.contentType()).startsWith("text/plain");
    assertThat(r.body()).contains("control_plane_commands_total{method=\"listRuntimes\",outcome=\"ok\"}")
        .contains("control_plane_publish_lag_seconds ").contains("control_plane_reconcile_errors_total ");
  }

  @Test
  void withoutKafkaCommandsAreStoredPublishingWaitsAndTheLogSaysSoOnce() throws Exception {
    server.call("pause", Map.of("runtime", "billing", "namespace", "team-b",
        "targets", List.of(Map.of("kind", "pipeline", "name", "waiting"))));
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        ResultSet rs = c.createStatement().executeQuery(
            "SELECT count(*), count(*) FILTER (WHERE published_at IS NULL) FROM cp_outbox")) {
      rs.next();
      assertThat(rs.getLong(1)).isPositive();
      assertThat(rs.getLong(2)).isEqualTo(rs.getLong(1));
    }
    assertThat(logs.list.stream().filter(e -> e.getFormattedMessage().contains("no Kafka bootstrap servers configured")))
        .hasSize(1);
    ControlPlaneServer.Result health = server.get("/control-plane/health", null);
    assertThat(health.body()).contains("\"stateChannel\":\"NOT_CONFIGURED\"");
  }

  @Test
  void secretsAndTokensAreNeverLogged() {
    String token = server.adminToken();
    server.rpc("{\"jsonrpc\": \"2.0\", \"method\": \"pause\", \"params\": {\"runtime\": \"orders\"}, \"id\": 1}");
    server.rpc("not json at all " + token);
    assertThat(logs.list).noneMatch(e -> e.getFormattedMessage().contains(token)
        || e.getFormattedMessage().contains(ControlPlaneServer.ADMIN_SECRET));
  }

  private long auditRows() throws Exception {
    return count("cp_audit");
  }

  private long outboxRows() throws Exception {
    return count("cp_outbox");
  }

  private long count(String table) throws Exception {
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        ResultSet rs = c.createStatement().executeQuery("SELECT count(*) FROM " + table)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}

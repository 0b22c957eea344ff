package dev.servicemanager.compass;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Webhooks and CONFIGURATION_CHANGED deliveries, on the real server, to an HTTP server of this test
 * on 127.0.0.1. Delivery runs with short intervals: poll 100ms, timeout 1s, backoff 100ms capped at
 * 200ms, 4 attempts; the retention is the default 7 days.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhooksIT {
  static final String HOOK = "id applicationID runtimeID type url createdAt";
  static final String DELIVERIES = "deliveries { id webhookID status attempts lastStatusCode lastError createdAt"
      + " lastAttemptAt nextAttemptAt deliveredAt payload }";
  static final String ADD_TO_APP = "mutation($a: ID!, $in: WebhookInput!) { addWebhook(applicationID: $a, in: $in) { " + HOOK + " } }";
  static final String ADD_TO_RUNTIME = "mutation($r: ID!, $in: WebhookInput!) { addWebhook(runtimeID: $r, in: $in) { " + HOOK + " } }";
  static final String SET_RUNTIME_SCENARIOS =
      "mutation($r: ID!, $v: Any!) { setRuntimeLabel(runtimeID: $r, key: \"scenarios\", value: $v) { key } }";
  static final String SET_APP_SCENARIOS =
      "mutation($a: ID!, $v: Any!) { setApplicationLabel(applicationID: $a, key: \"scenarios\", value: $v) { key } }";
  static final String WEBHOOK_DELIVERIES = "query($a: ID!) { application(id: $a) { webhooks { id " + DELIVERIES + " } } }";
  private CompassServer sm;
  private HttpServer receiver;
  private final java.util.concurrent.ExecutorService handlers = Executors.newCachedThreadPool();
  private String base;
  /** Bodies received per path, with the time they arrived. */
  private final Map<String, List<Received>> received = new ConcurrentHashMap<>();
  private final AtomicInteger flakyCalls = new AtomicInteger();
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch heldEntered = new CountDownLatch(1);
  private final CountDownLatch stalledRelease = new CountDownLatch(1);

  record Received(Instant at, JsonNode body, String contentType, String event, String deliveryId) {}

  @BeforeAll
  void start() throws IOException {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.setExecutor(handlers);
    receiver.createContext("/ok", ex -> answer(ex, 200));
    receiver.createContext("/fail", ex -> answer(ex, 500));
    receiver.createContext("/flaky", ex -> answer(ex, flakyCalls.incrementAndGet() <= 2 ? 503 : 204));
    receiver.createContext("/slow", ex -> {
      try {
        Thread.sleep(3000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      answer(ex, 200);
    });
    // Headers and a tenth of the announced body, then nothing: the request timeout has stopped counting.
    receiver.createContext("/stalled", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.sendResponseHeaders(200, 100);
      ex.getResponseBody().write(new byte[10]);
      ex.getResponseBody().flush();
      try {
        stalledRelease.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ex.close();
    });
    receiver.createContext("/held", ex -> {
      heldEntered.countDown();
      try {
        release.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      answer(ex, 200);
    });
    receiver.start();
    base = "http://127.0.0.1:" + receiver.getAddress().getPort();
    sm = new CompassServer(Map.of("compass.webhooks.poll-interval", "100ms", "compass.webhooks.timeout", "1s",
        "compass.webhooks.initial-backoff", "100ms", "compass.webhooks.max-backoff", "200ms",
        "compass.webhooks.max-attempts", 4));
  }

  private void answer(HttpExchange ex, int status) throws IOException {
    byte[] body = ex.getRequestBody().readAllBytes();
    received.computeIfAbsent(ex.getRequestURI().getPath(), k -> new CopyOnWriteArrayList<>())
        .add(new Received(Instant.now(), CompassServer.JSON.readTree(new String(body, StandardCharsets.UTF_8)),
            ex.getRequestHeaders().getFirst("Content-Type"), ex.getRequestHeaders().getFirst("X-Compass-Event"),
            ex.getRequestHeaders().getFirst("X-Compass-Delivery")));
    ex.sendResponseHeaders(status, -1);
    ex.close();
  }

  @AfterAll
  void stop() {
    release.countDown();
    stalledRelease.countDown();
    sm.close();
    receiver.stop(0);
    handlers.shutdownNow();
  }

  private static JsonNode ok(CompassServer.Response r, String field) {
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().path("errors").isMissingNode()).as(r.body()).isTrue();
    return r.data(field);
  }

  private List<Received> at(String path) {
    return received.getOrDefault(path, List.of());
  }

  /** A tenant whose scenarios are DEFAULT, PROD and DEV, with one application in PROD. */
  private String tenantWithApp(String tenant, String appName) {
    ok(sm.director(tenant, "mutation($in: LabelDefinitionInput!) { updateLabelDefinition(in: $in) { key } }",
        Map.of("in", Map.of("key", "scenarios", "schema",
            "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"enum\":[\"DEFAULT\",\"PROD\",\"DEV\"]}}"))),
        "updateLabelDefinition");
    return ok(sm.director(tenant, ApplicationsIT.REGISTER, Map.of("in", Map.of("name", appName,
        "labels", Map.of("scenarios", List.of("PROD"))))), "registerApplication").path("id").asText();
  }

  private String addHook(String tenant, String appId, String path) {
    return ok(sm.director(tenant, ADD_TO_APP, Map.of("a", appId, "in", Map.of("type", "CONFIGURATION_CHANGED",
        "url", base + path))), "addWebhook").path("id").asText();
  }

  private String registerRuntime(String tenant, String name, List<String> scenarios) {
    Map<String, Object> in = scenarios == null ? Map.of("name", name)
        : Map.of("name", name, "labels", Map.of("scenarios", scenarios));
    return ok(sm.director(tenant, RuntimesIT.REGISTER, Map.of("in", in)), "registerRuntime").path("id").asText();
  }

  private JsonNode deliveries(String tenant, String appId) {
    return ok(sm.director(tenant, WEBHOOK_DELIVERIES, Map.of("a", appId)), "application").path("webhooks").get(0).path("deliveries");
  }

  private long deliveryRows() throws Exception {
    try (Connection c = sm.database(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM compass_webhook_deliveries")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void webhooksAreAddedUpdatedListedAndDeleted() throws Exception {
    String tenant = "t-hooks-crud";
    String app = tenantWithApp(tenant, "crud-app");
    String runtime = registerRuntime(tenant, "crud-rt", null);
    JsonNode hook = ok(sm.director(tenant, ADD_TO_APP, Map.of("a", app, "in",
        Map.of("type", "CONFIGURATION_CHANGED", "url", "https://hooks.example.com/a"))), "addWebhook");
    assertThat(hook.path("applicationID").asText()).isEqualTo(app);
    assertThat(hook.path("runtimeID").isNull()).isTrue();
    assertThat(hook.path("url").asText()).isEqualTo("https://hooks.example.com/a");
    JsonNode rtHook = ok(sm.director(tenant, ADD_TO_RUNTIME, Map.of("r", runtime, "in",
        Map.of("type", "CONFIGURATION_CHANGED", "url", "https://hooks.example.com/r"))), "addWebhook");
    assertThat(rtHook.path("runtimeID").asText()).isEqualTo(runtime);

    JsonNode appHooks = ok(sm.director(tenant, "query($a: ID!) { application(id: $a) { webhooks { id url } } }",
        Map.of("a", app)), "application").path("webhooks");
    assertThat(appHooks.findValuesAsText("id")).containsExactly(hook.path("id").asText());
    JsonNode rtHooks = ok(sm.director(tenant, "query($r: ID!) { runtime(id: $r) { webhooks { id url } } }",
        Map.of("r", runtime)), "runtime").path("webhooks");
    assertThat(rtHooks.findValuesAsText("id")).containsExactly(rtHook.path("id").asText());

    String update = "mutation($w: ID!, $in: WebhookInput!) { updateWebhook(webhookID: $w, in: $in) { " + HOOK + " } }";
    assertThat(ok(sm.director(tenant, update, Map.of("w", hook.path("id").asText(), "in",
        Map.of("type", "CONFIGURATION_CHANGED", "url", "http://hooks.example.com/b"))), "updateWebhook")
        .path("url").asText()).isEqualTo("http://hooks.example.com/b");

    // refusals: clear errors, nothing written
    assertThat(sm.director(tenant, ADD_TO_APP, Map.of("a", app, "in", Map.of("type", "CONFIGURATION_CHANGED",
        "url", "ftp://x"))).firstError()).isEqualTo("invalid input: url must be an absolute http or https URL");
    assertThat(sm.director(tenant, update, Map.of("w", hook.path("id").asText(), "in", Map.of("type", "CONFIGURATION_CHANGED",
        "url", "not a url"))).firstError()).isEqualTo("invalid input: url must be an absolute http or https URL");
    assertThat(sm.director(tenant, "mutation { addWebhook(in: {type: CONFIGURATION_CHANGED, url: \"https://x.example.com\"}) { id } }",
        null).firstError()).isEqualTo("invalid input: give exactly one of applicationID or runtimeID");
    assertThat(sm.director(tenant, "mutation($a: ID!, $r: ID!) { addWebhook(applicationID: $a, runtimeID: $r,"
        + " in: {type: CONFIGURATION_CHANGED, url: \"https://x.example.com\"}) { id } }", Map.of("a", app, "r", runtime))
        .firstError()).isEqualTo("invalid input: give exactly one of applicationID or runtimeID");
    assertThat(sm.director(tenant, ADD_TO_APP, Map.of("a", "nope", "in", Map.of("type", "CONFIGURATION_CHANGED",
        "url", "https://x.example.com"))).firstError()).isEqualTo("application with id 'nope' not found");
    assertThat(sm.director(tenant, ADD_TO_APP, Map.of("a", app, "in", Map.of("type", "REGISTER_APPLICATION",
        "url", "https://x.example.com"))).firstError()).isNotNull();
    // another tenant sees nothing
    assertThat(sm.director("t-hooks-other", update, Map.of("w", hook.path("id").asText(), "in",
        Map.of("type", "CONFIGURATION_CHANGED", "url", "https://evil.example.com"))).firstError())
        .isEqualTo("webhook with id '" + hook.path("id").asText() + "' not found");
    assertThat(sm.director("t-hooks-other", ADD_TO_APP, Map.of("a", app, "in", Map.of("type", "CONFIGURATION_CHANGED",
        "url", "https://evil.example.com"))).firstError()).isEqualTo("application with id '" + app + "' not found");
    // read-only tokens cannot add
    assertThat(sm.director("Bearer " + sm.token(tenant, "compass.read"), tenant, ADD_TO_APP, Map.of("a", app, "in",
        Map.of("type", "CONFIGURATION_CHANGED", "url", "https://x.example.com"))).status()).isEqualTo(403);
    try (Connection c = sm.database(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM compass_webhooks WHERE tenant = '" + tenant + "'")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(2);
    }

    String delete = "mutation($w: ID!) { deleteWebhook(webhookID: $w) { id url } }";
    assertThat(ok(sm.director(tenant, delete, Map.of("w", hook.path("id").asText())), "deleteWebhook").path("url").asText())
        .isEqualTo("http://hooks.example.com/b");
    assertThat(sm.director(tenant, delete, Map.of("w", hook.path("id").asText())).firstError())
        .isEqualTo("webhook with id '" + hook.path("id").asText() + "' not found");
    // unregistering the runtime removes its webhooks
    ok(sm.director(tenant, "mutation($r: ID!) { unregisterRuntime(id: $r) { id } }", Map.of("r", runtime)), "unregisterRuntime");
    try (Connection c = sm.database(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM compass_webhooks WHERE tenant = '" + tenant + "'")) {
      rs.next();
      assertThat(rs.getLong(1)).isZero();
    }
  }

  @Test
  void runtimesJoiningAndLeavingTheApplicationsScenariosAreSentToItsWebhook() throws Exception {
    String tenant = "t-hooks-events";
    String app = tenantWithApp(tenant, "events-app");
    addHook(tenant, app, "/ok");
    String other = tenantWithApp(tenant + "-x", "unrelated-app");
    addHook(tenant + "-x", other, "/ok");

    // a runtime registered into PROD joins the application
    String runtime = registerRuntime(tenant, "events-rt", List.of("PROD", "DEV"));
    await().atMost(Duration.ofSeconds(10)).until(() -> at("/ok").size() == 1);
    Received joined = at("/ok").get(0);
    assertThat(joined.contentType()).isEqualTo("application/json");
    assertThat(joined.event()).isEqualTo("CONFIGURATION_CHANGED");
    JsonNode body = joined.body();
    assertThat(body.path("eventType").asText()).isEqualTo("CONFIGURATION_CHANGED");
    assertThat(body.path("tenant").asText()).isEqualTo(tenant);
    assertThat(body.path("application").path("id").asText()).isEqualTo(app);
    assertThat(body.path("application").path("name").asText()).isEqualTo("events-app");
    assertThat(body.path("runtime").path("id").asText()).isEqualTo(runtime);
    assertThat(body.path("runtime").path("name").asText()).isEqualTo("events-rt");
    assertThat(body.path("change").asText()).isEqualTo("RUNTIME_JOINED");
    assertThat(body.path("scenariosJoined").toString()).isEqualTo("[\"PROD\"]");
    assertThat(body.path("scenariosLeft").toString()).isEqualTo("[]");
    assertThat(body.path("sharedScenarios").toString()).isEqualTo("[\"PROD\"]");
    await().atMost(Duration.ofSeconds(10)).until(() -> "DELIVERED".equals(deliveries(tenant, app).path(0).path("status").asText()));
    JsonNode delivery = deliveries(tenant, app).get(0);
    assertThat(delivery.path("attempts").asInt()).isEqualTo(1);
    assertThat(delivery.path("lastStatusCode").asInt()).isEqualTo(200);
    assertThat(delivery.path("lastError").isNull()).isTrue();
    assertThat(delivery.path("id").asText()).isEqualTo(joined.deliveryId());

    // changes that do not touch the shared scenarios write no delivery (the outbox row is written in the mutation)
    long rows = deliveryRows();
    ok(sm.director(tenant, SET_RUNTIME_SCENARIOS, Map.of("r", runtime, "v", List.of("PROD", "DEFAULT"))), "setRuntimeLabel");
    ok(sm.director(tenant, "mutation($r: ID!) { setRuntimeLabel(runtimeID: $r, key: \"region\", value: \"eu\") { key } }",
        Map.of("r", runtime)), "setRuntimeLabel");
    assertThat(deliveryRows()).isEqualTo(rows);
    // a refused change writes none either
    assertThat(sm.director(tenant, SET_RUNTIME_SCENARIOS, Map.of("r", runtime, "v", List.of("NOPE"))).firstError()).isNotNull();
    assertThat(deliveryRows()).isEqualTo(rows);

    // the application's side: joining DEFAULT as well, which the runtime has
    ok(sm.director(tenant, SET_APP_SCENARIOS, Map.of("a", app, "v", List.of("PROD", "DEFAULT"))), "setApplicationLabel");
    await().atMost(Duration.ofSeconds(10)).until(() -> at("/ok").size() == 2);
    body = at("/ok").get(1).body();
    assertThat(body.path("change").asText()).isEqualTo("SCENARIOS_CHANGED");
    assertThat(body.path("scenariosJoined").toString()).isEqualTo("[\"DEFAULT\"]");
    assertThat(body.path("runtime").path("id").asText()).isEqualTo(runtime);

    // the runtime leaves PROD, then is unregistered
    ok(sm.director(tenant, SET_RUNTIME_SCENARIOS, Map.of("r", runtime, "v", List.of("DEFAULT"))), "setRuntimeLabel");
    await().atMost(Duration.ofSeconds(10)).until(() -> at("/ok").size() == 3);
    assertThat(at("/ok").get(2).body().path("scenariosLeft").toString()).isEqualTo("[\"PROD\"]");
    ok(sm.director(tenant, "mutation($r: ID!) { unregisterRuntime(id: $r) { id } }", Map.of("r", runtime)), "unregisterRuntime");
    await().atMost(Duration.ofSeconds(10)).until(() -> at("/ok").size() == 4);
    body = at("/ok").get(3).body();
    assertThat(body.path("change").asText()).isEqualTo("RUNTIME_LEFT");
    assertThat(body.path("scenariosLeft").toString()).isEqualTo("[\"DEFAULT\"]");
    assertThat(body.path("sharedScenarios").toString()).isEqualTo("[]");
    // the other tenant's application heard nothing
    assertThat(at("/ok")).allSatisfy(r -> assertThat(r.body().path("tenant").asText()).isEqualTo(tenant));
    assertThat(deliveries(tenant, app).findValuesAsText("status")).containsOnly("DELIVERED").hasSize(4);
  }

  @Test
  void updateRuntimeAndDeletingTheApplicationsScenariosLabelAreChangesToo() {
    String tenant = "t-hooks-more";
    String app = tenantWithApp(tenant, "more-app");
    String runtime = registerRuntime(tenant, "more-rt", List.of("DEV"));
    receiver.createContext("/more", ex -> answer(ex, 200));
    addHook(tenant, app, "/more");
    ok(sm.director(tenant, "mutation($r: ID!, $in: RuntimeUpdateInput!) { updateRuntime(id: $r, in: $in) { id } }",
        Map.of("r", runtime, "in", Map.of("name", "more-rt", "labels", Map.of("scenarios", List.of("PROD", "DEV"))))),
        "updateRuntime");
    await().atMost(Duration.ofSeconds(10)).until(() -> at("/more").size() == 1);
    assertThat(at("/more").get(0).body().path("change").asText()).isEqualTo("RUNTIME_JOINED");
    ok(sm.director(tenant, "mutation($a: ID!) { deleteApplicationLabel(applicationID: $a, key: \"scenarios\") { key } }",
        Map.of("a", app)), "deleteApplicationLabel");
    await().atMost(Duration.ofSeconds(10)).until(() -> at("/more").size() == 2);
    JsonNode body = at("/more").get(1).body();
    assertThat(body.path("change").asText()).isEqualTo("RUNTIME_LEFT");
    assertThat(body.path("scenariosLeft").toString()).isEqualTo("[\"PROD\"]");
  }

  @Test
  void concurrentChangesOnBothSidesAreNotMissed() throws Exception {
    String tenant = "t-hooks-race";
    tenantWithApp(tenant, "race-setup");
    receiver.createContext("/race", ex -> answer(ex, 200));
    java.util.concurrent.ExecutorService two = Executors.newFixedThreadPool(2);
    try {
      for (int i = 0; i < 5; i++) {
        String app = ok(sm.director(tenant, ApplicationsIT.REGISTER, Map.of("in", Map.of("name", "race-app-" + i,
            "labels", Map.of("scenarios", List.of("DEV"))))), "registerApplication").path("id").asText();
        String hook = addHook(tenant, app, "/race");
        String runtime = registerRuntime(tenant, "race-rt-" + i, List.of("DEFAULT"));
        // they share nothing; each side joins PROD at the same time: exactly one of the two sees the pair join
        // (runtimes of earlier rounds are in PROD too, so only this round's runtime is counted)
        var a = two.submit(() -> sm.director(tenant, SET_APP_SCENARIOS, Map.of("a", app, "v", List.of("PROD"))));
        var r = two.submit(() -> sm.director(tenant, SET_RUNTIME_SCENARIOS, Map.of("r", runtime, "v", List.of("PROD"))));
        ok(a.get(30, TimeUnit.SECONDS), "setApplicationLabel");
        ok(r.get(30, TimeUnit.SECONDS), "setRuntimeLabel");
        try (Connection c = sm.database(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
            "SELECT count(*), min(payload->>'change') FROM compass_webhook_deliveries WHERE webhook_id = '" + hook + "'"
            + " AND payload->'runtime'->>'id' = '" + runtime + "'")) {
          rs.next();
          assertThat(rs.getLong(1)).as("round " + i).isEqualTo(1);
          assertThat(rs.getString(2)).isEqualTo("RUNTIME_JOINED");
        }
      }
    } finally {
      two.shutdownNow();
    }
  }

  @Test
  void finishedDeliveriesOlderThanTheRetentionAreForgottenPendingOnesAreKept() throws Exception {
    String tenant = "t-hooks-retention";
    String app = tenantWithApp(tenant, "retention-app");
    String hook = addHook(tenant, app, "/never-called");
    try (Connection c = sm.database(); Statement s = c.createStatement()) {
      // PENDING with a far next attempt, so the loop leaves it alone
      s.executeUpdate("INSERT INTO compass_webhook_deliveries (id, webhook_id, payload, status, next_attempt_at, created_at) VALUES"
          + " ('old-delivered', '" + hook + "', '{}', 'DELIVERED', now(), now() - interval '30 days'),"
          + " ('old-failed', '" + hook + "', '{}', 'FAILED', now(), now() - interval '8 days'),"
          + " ('recent-delivered', '" + hook + "', '{}', 'DELIVERED', now(), now() - interval '6 days'),"
          + " ('old-pending', '" + hook + "', '{}', 'PENDING', now() + interval '1 day', now() - interval '30 days')");
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> ids(hook).size() == 2);
    assertThat(ids(hook)).containsExactlyInAnyOrder("recent-delivered", "old-pending");
  }

  private List<String> ids(String hook) throws Exception {
    List<String> ids = new java.util.ArrayList<>();
    try (Connection c = sm.database(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id FROM compass_webhook_deliveries WHERE webhook_id = '" + hook + "'")) {
      while (rs.next()) {
        ids.add(rs.getString(1));
      }
    }
    return ids;
  }

  @Test
  void theMutationDoesNotWaitForTheDelivery() throws Exception {
    String tenant = "t-hooks-async";
    String app = tenantWithApp(tenant, "async-app");
    addHook(tenant, app, "/held");
    // the endpoint holds the call until this thread releases it: had the mutation waited for the
    // call, this thread could not release it before the 1s timeout, and the first attempt would fail
    registerRuntime(tenant, "async-rt", List.of("PROD"));
    assertThat(heldEntered.await(10, TimeUnit.SECONDS)).isTrue();
    release.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> "DELIVERED".equals(deliveries(tenant, app).path(0).path("status").asText()));
    assertThat(deliveries(tenant, app).path(0).path("attempts").asInt()).isEqualTo(1);
  }

  @Test
  void aFailingEndpointIsRetriedWithBackoffUntilTheLastAttemptAndTheFailureIsVisible() {
    String tenant = "t-hooks-fail";
    String app = tenantWithApp(tenant, "fail-app");
    addHook(tenant, app, "/fail");
    registerRuntime(tenant, "fail-rt", List.of("PROD"));
    await().atMost(Duration.ofSeconds(15)).until(() -> "FAILED".equals(deliveries(tenant, app).path(0).path("status").asText()));
    JsonNode d = deliveries(tenant, app).get(0);
    assertThat(d.path("attempts").asInt()).isEqualTo(4);
    assertThat(d.path("lastStatusCode").asInt()).isEqualTo(500);
    assertThat(d.path("lastError").asText()).isEqualTo("HTTP 500");
    assertThat(d.path("deliveredAt").isNull()).isTrue();
    List<Received> calls = at("/fail");
    assertThat(calls).hasSize(4);
    assertThat(calls).extracting(Received::deliveryId).containsOnly(d.path("id").asText());
    // backoff 100ms, 200ms, then capped at 200ms (lower bounds; the poll interval adds to them)
    assertThat(Duration.between(calls.get(0).at(), calls.get(1).at())).isGreaterThanOrEqualTo(Duration.ofMillis(100));
    assertThat(Duration.between(calls.get(1).at(), calls.get(2).at())).isGreaterThanOrEqualTo(Duration.ofMillis(200));
    assertThat(Duration.between(calls.get(2).at(), calls.get(3).at())).isGreaterThanOrEqualTo(Duration.ofMillis(200));
  }

  @Test
  void anEndpointThatRecoversGetsTheDeliveryOnALaterAttempt() {
    String tenant = "t-hooks-flaky";
    String app = tenantWithApp(tenant, "flaky-app");
    addHook(tenant, app, "/flaky");
    registerRuntime(tenant, "flaky-rt", List.of("PROD"));
    await().atMost(Duration.ofSeconds(15)).until(() -> "DELIVERED".equals(deliveries(tenant, app).path(0).path("status").asText()));
    JsonNode d = deliveries(tenant, app).get(0);
    assertThat(d.path("attempts").asInt()).isEqualTo(3);
    assertThat(d.path("lastStatusCode").asInt()).isEqualTo(204);
    assertThat(d.path("lastError").isNull()).isTrue();
    assertThat(at("/flaky")).hasSize(3);
  }

  @Test
  void aSlowEndpointTimesOut() {
    String tenant = "t-hooks-slow";
    String app = tenantWithApp(tenant, "slow-app");
    addHook(tenant, app, "/slow");
    registerRuntime(tenant, "slow-rt", List.of("PROD"));
    await().atMost(Duration.ofSeconds(10)).until(() -> deliveries(tenant, app).path(0).path("attempts").asInt() >= 1);
    JsonNode d = deliveries(tenant, app).get(0);
    assertThat(d.path("lastError").asText()).startsWith("HttpTimeoutException");
    assertThat(d.path("lastStatusCode").isNull()).isTrue();
  }

  @Test
  void anEndpointThatStallsInTheMiddleOfItsAnswerTimesOutToo() {
    String tenant = "t-hooks-stalled";
    String app = tenantWithApp(tenant, "stalled-app");
    addHook(tenant, app, "/stalled");
    registerRuntime(tenant, "stalled-rt", List.of("PROD"));
    // timeout 1 s: without a bound on the whole exchange the attempt would wait for the receiver (20 s)
    await().atMost(Duration.ofSeconds(8)).until(() -> deliveries(tenant, app).path(0).path("attempts").asInt() >= 1);
    JsonNode d = deliveries(tenant, app).get(0);
    assertThat(d.path("lastError").asText()).startsWith("TimeoutException");
    assertThat(d.path("lastStatusCode").isNull()).isTrue();
  }
}

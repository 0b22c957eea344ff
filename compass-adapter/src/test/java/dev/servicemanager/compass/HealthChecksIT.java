package dev.servicemanager.compass;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * healthCheckURL polling on the real server, against an HTTP server of this test on 127.0.0.1;
 * interval 200ms, timeout 3s (long enough that "GraphQL answers while a check hangs" has margin on a loaded machine).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HealthChecksIT {
  static final String REGISTER =
      "mutation($in: ApplicationRegisterInput!) { registerApplication(in: $in) { id status { condition timestamp message } } }";
  static final String UPDATE =
      "mutation($id: ID!, $in: ApplicationUpdateInput!) { updateApplication(id: $id, in: $in) { id healthCheckURL } }";
  static final String STATUS = "query($id: ID!) { application(id: $id) { id status { condition timestamp message } } }";
  private CompassServer sm;
  private HttpServer target;
  private final ExecutorService handlers = Executors.newCachedThreadPool();
  private String base;
  private final Map<String, AtomicInteger> statusByPath = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> callsByPath = new java.util.concurrent.ConcurrentHashMap<>();
  private final CountDownLatch release = new CountDownLatch(1);

  @BeforeAll
  void start() throws IOException {
    target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    target.setExecutor(handlers);
    target.createContext("/", this::answer);
    target.start();
    base = "http://127.0.0.1:" + target.getAddress().getPort();
    sm = new CompassServer(Map.of("compass.health-checks.interval", "200ms", "compass.health-checks.timeout", "3s"));
  }

  @AfterAll
  void stop() {
    release.countDown();
    sm.close();
    target.stop(0);
    handlers.shutdownNow();
  }

  private void answer(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    callsByPath.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
    if (path.startsWith("/slow")) {
      try {
        release.await(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (path.startsWith("/redirect")) {
      ex.getResponseHeaders().add("Location", base + "/redirected");
      ex.sendResponseHeaders(302, -1);
      ex.close();
      return;
    }
    int status = statusByPath.getOrDefault(path, new AtomicInteger(200)).get();
    byte[] body = "{\"status\":\"whatever-body-secret\"}".getBytes();
    if (status == 204) {
      ex.sendResponseHeaders(status, -1);
    } else {
      ex.sendResponseHeaders(status, body.length);
      ex.getResponseBody().write(body);
    }
    ex.close();
  }

  private static JsonNode ok(CompassServer.Response r, String field) {
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().path("errors").isMissingNode()).as(r.body()).isTrue();
    return r.data(field);
  }

  private String register(String tenant, String name, String healthCheckUrl, String condition) {
    Map<String, Object> in = new HashMap<>();
    in.put("name", name);
    if (healthCheckUrl != null) {
      in.put("healthCheckURL", healthCheckUrl);
    }
    if (condition != null) {
      in.put("statusCondition", condition);
    }
    return ok(sm.director(tenant, REGISTER, Map.of("in", in)), "registerApplication").path("id").asText();
  }

  private JsonNode status(String tenant, String id) {
    return ok(sm.director(tenant, STATUS, Map.of("id", id)), "application").path("status");
  }

  private void awaitCondition(String tenant, String id, String condition) {
    await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
        .until(() -> status(tenant, id).path("condition").asText(), condition::equals);
  }

  private int calls(String path) {
    return callsByPath.getOrDefault(path, new AtomicInteger()).get();
  }

  @Test
  void healthyThenFailingThenRecovering() throws Exception {
    statusByPath.put("/flip", new AtomicInteger(200));
    String id = register("t-health", "flip", base + "/flip?token=query-secret", null);
    awaitCondition("t-health", id, "CONNECTED");
    JsonNode connected = status("t-health", id);
    assertThat(connected.path("message").isNull()).isTrue();
    // the next check is stored, an interval ahead
    try (Connection c = sm.database(); PreparedStatement ps = c.prepareStatement(
        "SELECT next_health_check_at, health_checked_at FROM compass_applications WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getTimestamp(1)).isNotNull();
        assertThat(rs.getTimestamp(2)).isNotNull();
        assertThat(rs.getTimestamp(1).toInstant()).isAfter(rs.getTimestamp(2).toInstant());
      }
    }
    // polled on a period, not once
    int before = calls("/flip");
    await().atMost(Duration.ofSeconds(10)).until(() -> calls("/flip") >= before + 2);

    statusByPath.get("/flip").set(500);
    awaitCondition("t-health", id, "FAILED");
    JsonNode failed = status("t-health", id);
    assertThat(failed.path("message").asText()).isEqualTo("HTTP 500");
    assertThat(Instant.parse(failed.path("timestamp").asText()))
        .isAfterOrEqualTo(Instant.parse(connected.path("timestamp").asText()));

    statusByPath.get("/flip").set(204);
    awaitCondition("t-health", id, "CONNECTED");
    assertThat(status("t-health", id).path("message").isNull()).isTrue();
  }

  @Test
  void unreachablePortFails() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    String id = register("t-health", "unreachable", "http://127.0.0.1:" + port + "/health", null);
    awaitCondition("t-health", id, "FAILED");
    assertThat(status("t-health", id).path("message").asText()).isEqualTo("connection refused or unreachable");
  }

  @Test
  void redirectsAreNotFollowed() {
    String id = register("t-health", "redirect", base + "/redirect", null);
    awaitCondition("t-health", id, "FAILED");
    assertThat(status("t-health", id).path("message").asText()).isEqualTo("HTTP 302");
    assertThat(calls("/redirected")).isZero();
  }

  @Test
  void slowEndpointTimesOutAndDoesNotBlockGraphQL() {
    String id = register("t-slow", "slow", base + "/slow", null);
    await().atMost(Duration.ofSeconds(10)).until(() -> calls("/slow") >= 1);
    // a check is in flight: GraphQL calls on that application still answer at once
    long started = System.nanoTime();
    ok(sm.director("t-slow", UPDATE, Map.of("id", id, "in", Map.of("description", "still answering",
        "healthCheckURL", base + "/slow"))), "updateApplication");
    status("t-slow", id);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(2500));
    awaitCondition("t-slow", id, "FAILED");
    assertThat(status("t-slow", id).path("message").asText()).isEqualTo("timeout after 3000ms");
  }

  @Test
  void changedUrlIsCheckedAndApplicationsWithoutUrlKeepTheirStatus() {
    String plain = register("t-plain", "plain", null, null);
    String given = register("t-plain", "given", null, "CREATE_SUCCEEDED");
    statusByPath.put("/bad", new AtomicInteger(503));
    String moving = register("t-plain", "moving", base + "/bad", null);
    awaitCondition("t-plain", moving, "FAILED");
    // several rounds have passed for the others
    int before = calls("/bad");
    await().atMost(Duration.ofSeconds(10)).until(() -> calls("/bad") >= before + 2);
    assertThat(status("t-plain", plain).path("condition").asText()).isEqualTo("INITIAL");
    assertThat(status("t-plain", plain).path("message").isNull()).isTrue();
    assertThat(status("t-plain", given).path("condition").asText()).isEqualTo("CREATE_SUCCEEDED");
    // a new URL is checked
    ok(sm.director("t-plain", UPDATE, Map.of("id", moving, "in", Map.of("healthCheckURL", base + "/good"))),
        "updateApplication");
    awaitCondition("t-plain", moving, "CONNECTED");
    // no URL any more: no more checks, the status stays as it was last set
    ok(sm.director("t-plain", UPDATE, Map.of("id", moving, "in", Map.of("description", "no url"))), "updateApplication");
    int good = calls("/good");
    await().pollDelay(Duration.ofMillis(800)).atMost(Duration.ofSeconds(2)).until(() -> true);
    assertThat(calls("/good")).isLessThanOrEqualTo(good + 1);
    assertThat(status("t-plain", moving).path("condition").asText()).isEqualTo("CONNECTED");
  }

  @Test
  void tenantsStayIsolated() {
    statusByPath.put("/tenant-a", new AtomicInteger(500));
    String a = register("t-iso-a", "same-name", base + "/tenant-a", null);
    String b = register("t-iso-b", "same-name", null, null);
    awaitCondition("t-iso-a", a, "FAILED");
    // the other tenant neither sees the application nor is its own same-named one touched
    CompassServer.Response other = sm.director("t-iso-b", STATUS, Map.of("id", a));
    assertThat(other.json().path("data").path("application").isNull() || other.firstError() != null).isTrue();
    assertThat(other.body()).doesNotContain("HTTP 500");
    assertThat(status("t-iso-b", b).path("condition").asText()).isEqualTo("INITIAL");
  }

  @Test
  void urlsQueriesAndBodiesAreNotLogged() {
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
        new ch.qos.logback.core.read.ListAppender<>();
    logs.start();
    root.addAppender(logs);
    try {
      statusByPath.put("/logged", new AtomicInteger(500));
      String id = register("t-logs", "logged", base + "/logged?apikey=log-secret", null);
      awaitCondition("t-logs", id, "FAILED");
      statusByPath.get("/logged").set(200);
      awaitCondition("t-logs", id, "CONNECTED");
      assertThat(logs.list).extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
          .anyMatch(m -> m.contains(id) && m.contains("FAILED (HTTP 500)"));
      for (ch.qos.logback.classic.spi.ILoggingEvent event : logs.list) {
        String text = event.getFormattedMessage() + (event.getThrowableProxy() == null ? "" : event.getThrowableProxy().getMessage());
        assertThat(text).doesNotContain("log-secret").doesNotContain("whatever-body-secret").doesNotContain("/logged");
      }
    } finally {
      root.detachAppender(logs);
    }
  }

  @Test
  void disabledChecksCallNothing() {
    try (CompassServer off = new CompassServer(Map.of("compass.health-checks.enabled", "false",
        "compass.health-checks.interval", "200ms"))) {
      String id = ok(off.director("t-off", REGISTER, Map.of("in", Map.of("name", "off", "healthCheckURL", base + "/off"))),
          "registerApplication").path("id").asText();
      await().pollDelay(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> true);
      assertThat(calls("/off")).isZero();
      assertThat(ok(off.director("t-off", STATUS, Map.of("id", id)), "application").path("status").path("condition").asText())
          .isEqualTo("INITIAL");
    }
  }

  @Test
  void aRowLockedByAnotherServerIsSkippedNotWaitedFor() throws Exception {
    statusByPath.put("/locked", new AtomicInteger(200));
    statusByPath.put("/free", new AtomicInteger(200));
    String locked = register("t-lock", "locked", null, null);
    String free = register("t-lock", "free", base + "/free", null);
    try (Connection c = sm.database()) {
      // a URL, due in 1.5 s (so no check of it can be in flight when it is locked below)
      try (PreparedStatement ps = c.prepareStatement("UPDATE compass_applications SET health_check_url = ?,"
          + " next_health_check_at = now() + interval '1500 milliseconds' WHERE id = ?")) {
        ps.setString(1, base + "/locked");
        ps.setString(2, locked);
        ps.executeUpdate();
      }
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement("SELECT id FROM compass_applications WHERE id = ? FOR UPDATE")) {
        ps.setString(1, locked);
        ps.executeQuery().close();
      }
      Instant due = Instant.now().plusMillis(1500);
      awaitCondition("t-lock", free, "CONNECTED");
      // well after the locked row is due, the checker keeps checking the other one and skips it
      await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(due.plusMillis(200)));
      int before = calls("/free");
      await().atMost(Duration.ofSeconds(10)).until(() -> calls("/free") >= before + 2);
      assertThat(calls("/locked")).isZero();
      assertThat(status("t-lock", locked).path("condition").asText()).isEqualTo("INITIAL");
      c.commit();
      awaitCondition("t-lock", locked, "CONNECTED");
    }
  }
}

package dev.servicemanager.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.servicemanager.testkit.FakeBroker;
import dev.servicemanager.testkit.Responder;
import dev.servicemanager.testkit.Route;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real dist jar in its own process on the embedded database: crashes, a second start, a
 * stop by SIGTERM and a PostgreSQL killed under a running server (docs/reliability.md).
 */
class LifecycleIT {
  private static final Duration START = Duration.ofSeconds(120);
  @TempDir Path dataDir;
  private final List<AutoCloseable> cleanup = new ArrayList<>();

  @AfterEach
  void stopEverything() throws Exception {
    for (int i = cleanup.size() - 1; i >= 0; i--) {
      cleanup.get(i).close();
    }
    // Whatever a failed test left running on the temp dir must not outlive it.
    Postgres.processesOn(dataDir).forEach(ProcessHandle::destroyForcibly);
  }

  @Test
  void restartsQuicklyOnTheSameDataDirAfterKillMinus9AndKeepsTheData() {
    SmProcess first = started("kill9-first");
    String platformId = registerPlatform(SmClient.admin(first.awaitReady(START)), "before-the-crash");
    long orphan = Postgres.recordedPid(dataDir).orElseThrow();

    first.process.destroyForcibly();
    assertThat(first.awaitExit(Duration.ofSeconds(10))).contains(137);
    assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive))
        .as("the precondition: the killed server's PostgreSQL outlives it")
        .contains(true);

    long begin = System.nanoTime();
    SmProcess second = started("kill9-second");
    // Without the orphan handling this start waits 30 s for its own PostgreSQL and exits.
    String url = second.awaitReady(Duration.ofSeconds(60));
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
    System.out.printf("restart after kill -9 ready in %d ms%n", tookMs);

    assertThat(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThat(second.output()).contains("left by a Service Manager that is gone");
    SmClient admin = SmClient.admin(url);
    SmClient.Answer platform = admin.get("/v1/platforms/" + platformId);
    assertThat(platform.status()).isEqualTo(200);
    assertThat(platform.string("name")).isEqualTo("before-the-crash");
  }

  @Test
  void aSecondStartOnADataDirInUseFailsAtOnceWithOneLine() {
    SmProcess owner = started("in-use-owner");
    String url = owner.awaitReady(START);

    long begin = System.nanoTime();
    SmProcess intruder = started("in-use-intruder");
    Optional<Integer> exit = intruder.awaitExit(Duration.ofSeconds(10));
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin);
    System.out.printf("second start refused in %d ms%n", tookMs);

    assertThat(exit).as("exits by itself within 10 s").isPresent();
    assertThat(exit.get()).isNotZero();
    List<String> errors = intruder.lines().stream().filter(l -> l.contains("ERROR")).toList();
    assertThat(errors).hasSize(1);
    assertThat(errors.get(0))
        .contains("Data directory " + dataDir.toAbsolutePath().normalize() + " is in use by a running Service Manager (pid " + owner.process.pid() + ")");
    assertThat(intruder.output()).doesNotContain("\tat ").doesNotContain(SmProcess.ADMIN_SECRET);
    assertThat(SmClient.health(url, Duration.ofSeconds(10)).status()).as("the owner is untouched").isEqualTo(200);
  }

  @Test
  void sigtermFinishesRequestsInFlightSaysGoingAwayToAgentsStopsPostgresAndExitsZero() throws Exception {
    FakeBroker broker = FakeBroker.start();
    cleanup.add(broker);
    SmProcess sm = started("sigterm");
    String url = sm.awaitReady(START);
    SmClient admin = SmClient.admin(url);
    SmClient.Answer platform = admin.post("/v1/platforms", Map.of("name", "cf-eu", "type", "cloudfoundry"));
    assertThat(platform.status()).isEqualTo(201);
    @SuppressWarnings("unchecked")
    Map<String, Object> basic = (Map<String, Object>) ((Map<String, Object>) platform.json().get("credentials")).get("basic");
    CloseRecorder agent = new CloseRecorder();
    HttpClient.newHttpClient()
        .newWebSocketBuilder()
        .header("Authorization", SmClient.basic((String) basic.get("username"), (String) basic.get("password")))
        .buildAsync(URI.create(url.replaceFirst("^http", "ws") + "/v1/notifications"), agent)
        .get(10, TimeUnit.SECONDS);

    // A naturally slow request: registering a broker waits for its catalog.
    broker.on(Route.CATALOG, Responder.delay(Duration.ofSeconds(4), Responder.defaults()));
    CompletableFuture<SmClient.Answer> slow =
        admin.postAsync(
            "/v1/service_brokers",
            Map.of(
                "name", "slow-broker",
                "broker_url", broker.url(),
                "credentials", Map.of("basic", Map.of("username", broker.username(), "password", broker.password()))));
    await().atMost(Duration.ofSeconds(20)).until(() -> !broker.requests(Route.CATALOG).isEmpty());

    long begin = System.nanoTime();
    sm.process.destroy();

    assertThat(agent.code.get(10, TimeUnit.SECONDS)).as("close code the agent received").isEqualTo(1001);
    SmClient.Answer answer = slow.get(30, TimeUnit.SECONDS);
    assertThat(answer.status()).as("the request in flight completed: " + answer.body()).isEqualTo(201);
    assertThat(sm.awaitExit(Duration.ofSeconds(60))).as("exit code").contains(0);
    System.out.printf("stopped by SIGTERM in %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
    assertThat(Postgres.processesOn(dataDir)).as("no postgres left on the data dir").isEmpty();
    assertThat(Postgres.recordedPid(dataDir)).as("postmaster.pid removed by a clean stop").isEmpty();
  }

  @Test
  void aKilledEmbeddedPostgresIsRestartedHealthIsDownMeanwhileAndTheServerRecovers() throws Exception {
    // The pool's default 30 s connection timeout would make callers wait out the outage instead
    // of seeing it; with 1 s the DOWN answers during it are observable.
    SmProcess sm = started("postgres-killed", Map.of("DATASOURCES_DEFAULT_CONNECTION_TIMEOUT", "1000"));
    String url = sm.awaitReady(START);
    SmClient admin = SmClient.admin(url);
    String before = registerPlatform(admin, "before-the-outage");
    long killed = Postgres.recordedPid(dataDir).orElseThrow();

    ProcessHandle.of(killed).orElseThrow().destroyForcibly();
    List<Integer> statuses = new CopyOnWriteArrayList<>();
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              assertThat(sm.process.isAlive()).as("the server keeps running").isTrue();
              int status = SmClient.health(url, Duration.ofSeconds(5)).status();
              statuses.add(status);
              // DOWN first (the outage is seen), then UP again (the watchdog brought it back).
              return status == 200 && statuses.contains(503);
            });
    System.out.printf("health answers after killing postgres: %s%n", statuses);

    long restarted = Postgres.recordedPid(dataDir).orElseThrow();
    assertThat(restarted).isNotEqualTo(killed);
    assertThat(ProcessHandle.of(restarted).map(ProcessHandle::isAlive)).contains(true);
    assertThat(admin.get("/v1/platforms/" + before).status()).isEqualTo(200);
    registerPlatform(admin, "after-the-outage");
    assertThat(sm.output()).contains("The embedded PostgreSQL is back");
  }

  private SmProcess started(String name) {
    return started(name, Map.of());
  }

  private SmProcess started(String name, Map<String, String> env) {
    SmProcess sm = SmProcess.start(dataDir, name, env);
    cleanup.add(sm);
    return sm;
  }

  private static String registerPlatform(SmClient admin, String name) {
    SmClient.Answer created = admin.post("/v1/platforms", Map.of("name", name, "type", "kubernetes"));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    return created.string("id");
  }

  /** A websocket agent that only wants to know how the server closed the connection. */
  private static final class CloseRecorder implements WebSocket.Listener {
    final CompletableFuture<Integer> code = new CompletableFuture<>();

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      code.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      // 1006 in websocket terms: the connection ended without a close frame.
      code.complete(1006);
    }
  }
}

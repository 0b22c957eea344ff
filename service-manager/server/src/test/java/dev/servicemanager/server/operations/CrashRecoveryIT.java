package dev.servicemanager.server.operations;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.testkit.FakeBroker;
import dev.servicemanager.testkit.Responder;
import dev.servicemanager.testkit.Route;
import dev.servicemanager.testkit.TestDatabases;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The server is a real process started from the built jar and killed with SIGKILL in the middle of
 * an asynchronous provision; a new process on the same database finishes the operation.
 */
class CrashRecoveryIT {
  private static final Path JAR = Path.of("target", "service-manager.jar");
  private final FakeBroker broker = FakeBroker.start();
  private final String jdbcUrl = TestDatabases.newDatabase();
  private Process server;

  @AfterEach
  void stop() throws InterruptedException {
    if (server != null && server.isAlive()) {
      server.destroyForcibly().waitFor();
    }
    broker.close();
  }

  @Test
  void anAsyncProvisionInterruptedByAKillCompletesAfterARestart() throws Exception {
    assertThat(JAR).as("the server jar is built in the package phase").exists();
    int port = EngineHarness.freePort();
    server = start(port, "first");
    Api admin = EngineHarness.admin("http://127.0.0.1:" + port);
    String plan = EngineHarness.registerPublicBroker(admin, broker);

    broker.on(Route.PROVISION, Responder.async("slow-op"));
    broker.on(Route.INSTANCE_LAST_OPERATION, Responder.lastOperationSequence("in progress"));
    Api.Result accepted = admin.post("/v1/service_instances", Map.of("name", "survivor", "service_plan_id", plan));
    assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
    String location = accepted.header("Location");
    String instanceId = location.split("/")[3];
    EngineHarness.eventually("the broker is being polled", Duration.ofSeconds(20),
        () -> broker.requests(Route.INSTANCE_LAST_OPERATION).size() >= 2);

    server.destroyForcibly().waitFor();
    assertThat(EngineHarness.strings(jdbcUrl, "SELECT state FROM operations WHERE resource_id = '" + instanceId + "'"))
        .containsExactly("in progress");

    broker.on(Route.INSTANCE_LAST_OPERATION, Responder.lastOperationSequence("succeeded"));
    server = start(port, "second");
    Api adminAgain = EngineHarness.admin("http://127.0.0.1:" + port);
    EngineHarness.eventually("the operation finished after the restart", Duration.ofSeconds(30),
        () -> !"in progress".equals(adminAgain.get(location).string("state")));

    assertThat(adminAgain.get(location).string("state")).isEqualTo("succeeded");
    Map<String, Object> instance = adminAgain.get("/v1/service_instances/" + instanceId).json();
    assertThat(instance).containsEntry("ready", true).containsEntry("usable", true);
    assertThat(broker.requests(Route.PROVISION)).as("the provision itself was not repeated").hasSize(1);
    assertThat(EngineHarness.count(jdbcUrl, "SELECT count(*) FROM service_instances")).isEqualTo(1);
    assertThat(EngineHarness.count(jdbcUrl, "SELECT count(*) FROM operations")).isEqualTo(1);
    List<String> polls = broker.requests(Route.INSTANCE_LAST_OPERATION).stream().map(r -> r.query().get("operation")).distinct().toList();
    assertThat(polls).containsExactly("slow-op");
  }

  private Process start(int port, String name) throws IOException {
    ProcessBuilder builder =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar", JAR.toString());
    builder.environment().putAll(EngineHarness.env(jdbcUrl, port));
    builder.environment().put("SM_LOG_LEVEL", "WARN");
    File log = Files.createTempFile("sm-crash-" + name, ".log").toFile();
    builder.redirectErrorStream(true).redirectOutput(log);
    Process process = builder.start();
    EngineHarness.eventually("the server on port " + port + " is up (log: " + log + ")", Duration.ofSeconds(60),
        () -> {
          if (!process.isAlive()) {
            throw new AssertionError("the server exited: " + readQuietly(log.toPath()));
          }
          return new Api("http://127.0.0.1:" + port, null).getQuietly("/v1/monitor/health") == 200;
        });
    return process;
  }

  private static String readQuietly(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }
}

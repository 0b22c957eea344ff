package dev.servicemanager.server.operations;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.ServiceManagerLauncher;
import dev.servicemanager.server.support.Api;
import dev.servicemanager.testkit.FakeBroker;
import dev.servicemanager.testkit.RecordedRequest;
import dev.servicemanager.testkit.Responder;
import dev.servicemanager.testkit.Response;
import dev.servicemanager.testkit.Route;
import dev.servicemanager.testkit.TestDatabases;
import io.micronaut.runtime.server.EmbeddedServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two servers on one database share a batch of asynchronous operations without running any step twice. */
class TwoServersIT {
  private static final int INSTANCES = 24;
  private final FakeBroker broker = FakeBroker.start();
  private final String jdbcUrl = TestDatabases.newDatabase();
  private final List<ServiceManagerLauncher.Running> servers = new ArrayList<>();

  @AfterEach
  void stop() {
    servers.forEach(ServiceManagerLauncher.Running::close);
    broker.close();
  }

  @Test
  void eachStepOfABatchRunsExactlyOnceAcrossTwoServers() {
    ServiceManagerLauncher.Running a = ServiceManagerLauncher.start(EngineHarness.properties(jdbcUrl));
    servers.add(a);
    ServiceManagerLauncher.Running b = ServiceManagerLauncher.start(EngineHarness.properties(jdbcUrl));
    servers.add(b);
    Api adminA = EngineHarness.admin(url(a));
    String plan = EngineHarness.registerPublicBroker(adminA, broker);
    String nodeA = a.context().getBean(OperationEngine.class).node();
    String nodeB = b.context().getBean(OperationEngine.class).node();

    // Slow broker calls keep leases held long enough to see who works on what.
    broker.on(Route.PROVISION, Responder.delay(Duration.ofMillis(150), Responder.async(null)));
    Map<String, AtomicInteger> polls = new ConcurrentHashMap<>();
    broker.on(Route.INSTANCE_LAST_OPERATION,
        Responder.delay(Duration.ofMillis(100), request -> {
          int poll = polls.computeIfAbsent(request.instanceId(), id -> new AtomicInteger()).incrementAndGet();
          return Response.json(200, Map.of("state", poll < 3 ? "in progress" : "succeeded"));
        }));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      Api.Result accepted = adminA.post("/v1/service_instances", Map.of("name", "batch-" + i, "service_plan_id", plan));
      assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
      ids.add(accepted.header("Location").split("/")[3]);
    }

    Set<String> owners = new HashSet<>();
    EngineHarness.eventually("every operation finished", Duration.ofSeconds(90), () -> {
      owners.addAll(EngineHarness.strings(jdbcUrl, "SELECT lease_owner FROM operations WHERE lease_owner IS NOT NULL"));
      return EngineHarness.count(jdbcUrl, "SELECT count(*) FROM operations WHERE state = 'in progress'") == 0;
    });

    assertThat(owners).as("both servers took part").contains(nodeA, nodeB);
    assertThat(EngineHarness.count(jdbcUrl, "SELECT count(*) FROM operations WHERE state = 'succeeded'")).isEqualTo(INSTANCES);
    assertThat(EngineHarness.count(jdbcUrl, "SELECT count(*) FROM service_instances WHERE ready")).isEqualTo(INSTANCES);
    Map<String, Long> provisionsPerInstance =
        broker.requests(Route.PROVISION).stream().collect(Collectors.groupingBy(RecordedRequest::instanceId, Collectors.counting()));
    assertThat(provisionsPerInstance.keySet()).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(provisionsPerInstance.values()).as("no provision ran twice").allMatch(n -> n == 1);
    Map<String, Long> pollsPerInstance =
        broker.requests(Route.INSTANCE_LAST_OPERATION).stream()
            .collect(Collectors.groupingBy(RecordedRequest::instanceId, Collectors.counting()));
    // Each instance's script answers "in progress" twice, then "succeeded": exactly three polls each
    // unless a poll step ran twice.
    assertThat(pollsPerInstance.values()).as("no poll step ran twice").allMatch(n -> n == 3);
  }

  private static String url(ServiceManagerLauncher.Running running) {
    return running.context().getBean(EmbeddedServer.class).getURL().toString();
  }
}

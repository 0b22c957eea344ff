package dev.servicemanager.server.instances;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.testkit.FakeCatalog;
import dev.servicemanager.testkit.Responder;
import dev.servicemanager.testkit.Response;
import dev.servicemanager.testkit.Route;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Timing rules of the engine: Retry-After, the plan's maximum_polling_duration, and the cleanup of old operations. */
@MicronautTest(transactional = false)
class OperationScheduleIT extends InstanceTestBase {
  private String planId;

  @Override
  protected Map<String, String> moreProperties() {
    return Map.of("sm.operations.lifespan", "2s", "sm.operations.cleanup-interval", "200ms");
  }

  @BeforeEach
  void setUp() {
    planId = registerPublicBroker();
    broker.reset();
  }

  @Test
  void pollsWaitForTheBrokersRetryAfter() {
    List<Long> pollTimes = Collections.synchronizedList(new ArrayList<>());
    broker.on(Route.PROVISION, Responder.async("op-ra"));
    broker.on(Route.INSTANCE_LAST_OPERATION, request -> {
      pollTimes.add(System.nanoTime());
      String state = pollTimes.size() < 2 ? "in progress" : "succeeded";
      return Response.json(200, Map.of("state", state)).withHeader("Retry-After", "1");
    });
    assertThat(awaitOperation(createInstance("retry-after", planId, ""))).containsEntry("state", "succeeded");
    assertThat(pollTimes).hasSize(2);
    long gapMillis = (pollTimes.get(1) - pollTimes.get(0)) / 1_000_000;
    assertThat(gapMillis).as("the polling interval is 50ms; Retry-After asked for 1s").isGreaterThanOrEqualTo(900);
  }

  @Test
  void pollingStopsAtThePlansMaximumPollingDurationAndTheInstanceIsMitigated() {
    @SuppressWarnings("unchecked")
    Map<String, Object> catalog = FakeCatalog.defaultCatalog();
    @SuppressWarnings("unchecked")
    Map<String, Object> service = (Map<String, Object>) ((List<Object>) catalog.get("services")).get(0);
    @SuppressWarnings("unchecked")
    Map<String, Object> plan = (Map<String, Object>) ((List<Object>) service.get("plans")).get(0);
    plan.put("maximum_polling_duration", 1);
    broker.catalog(catalog);
    assertThat(admin().patch("/v1/service_brokers/" + brokerId, Map.of()).status()).isEqualTo(200);
    broker.reset();
    broker.catalog(catalog);
    broker.on(Route.PROVISION, Responder.async("never-ends"));
    broker.on(Route.INSTANCE_LAST_OPERATION, Responder.lastOperationSequence("in progress"));

    long started = System.nanoTime();
    Map<String, Object> op = awaitOperation(createInstance("endless", planId, ""));
    long tookMillis = (System.nanoTime() - started) / 1_000_000;
    assertThat(op).containsEntry("state", "failed");
    assertThat(map(op.get("errors")).get("description").toString()).contains("maximum polling duration");
    assertThat(op.get("deletion_scheduled")).isNotNull();
    assertThat(tookMillis).isBetween(900L, 15_000L);
    eventually("the instance was deprovisioned", () -> !broker.requests(Route.DEPROVISION).isEmpty());
  }

  @Test
  void finishedOperationsAreDeletedAfterTheirLifespanButUnfinishedOnesAreKept() throws Exception {
    String done = readyInstance("old", planId);
    broker.on(Route.PROVISION, Responder.async("running"));
    broker.on(Route.INSTANCE_LAST_OPERATION, Responder.lastOperationSequence("in progress"));
    createInstance("running", planId, "");
    eventually("the finished operation is cleaned up", () -> countQuietly(
        "SELECT count(*) FROM operations WHERE resource_id = '" + done + "'") == 0);
    assertThat(count("SELECT count(*) FROM operations WHERE state = 'in progress'")).isEqualTo(1);
    assertThat(admin().get("/v1/service_instances/" + done).status()).as("the instance itself stays").isEqualTo(200);
  }

  private long countQuietly(String sql) {
    try {
      return count(sql);
    } catch (java.sql.SQLException e) {
      throw new AssertionError(e);
    }
  }
}

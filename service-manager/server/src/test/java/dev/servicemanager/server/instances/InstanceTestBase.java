package dev.servicemanager.server.instances;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.server.support.ApiTestBase;
import dev.servicemanager.testkit.FakeCatalog;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Instances and bindings tests: a registered fake broker whose plans are public, and fast schedules. */
abstract class InstanceTestBase extends ApiTestBase {
  protected String brokerId;

  @Override
  protected Map<String, String> extraProperties() {
    Map<String, String> props = new HashMap<>();
    props.put("sm.operations.polling-interval", "50ms");
    props.put("sm.operations.retry-min", "50ms");
    props.put("sm.operations.retry-max", "200ms");
    props.put("sm.operations.dispatch-interval", "100ms");
    props.put("sm.broker-client.read-timeout", "2s");
    props.put("sm.broker-client.connect-timeout", "1s");
    props.put("sm.operations.lease", "10s");
    props.put("sm.operations.sync-timeout", "10s");
    props.putAll(moreProperties());
    return props;
  }

  protected Map<String, String> moreProperties() {
    return Map.of();
  }

  /** Registers the fake broker and makes all its plans public; returns the SM plan id of the small plan. */
  protected String registerPublicBroker() {
    brokerId = registerBroker("instances-broker").get("id").toString();
    for (String plan : planIds(brokerId)) {
      assertThat(admin().post("/v1/visibilities", Map.of("service_plan_id", plan)).status()).isEqualTo(201);
    }
    return planIdFor(FakeCatalog.SMALL_PLAN_ID);
  }

  protected String planIdFor(String catalogId) {
    return admin()
        .get("/v1/service_plans?fieldQuery=" + Api.q("catalog_id eq '" + catalogId + "'"))
        .ids()
        .get(0);
  }

  /** Polls the operation behind a 202 until it is no longer in progress (bounded). */
  protected Map<String, Object> awaitOperation(Api.Result accepted) {
    assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
    String location = accepted.header("Location");
    assertThat(location).isNotNull();
    return awaitOperation(location, Duration.ofSeconds(20));
  }

  protected Map<String, Object> awaitOperation(String location, Duration max) {
    Instant deadline = Instant.now().plus(max);
    while (true) {
      Api.Result op = admin().get(location);
      assertThat(op.status()).as(op.toString()).isEqualTo(200);
      if (!"in progress".equals(op.string("state"))) {
        return op.json();
      }
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("operation still in progress after " + max + ": " + op);
      }
      sleep(50);
    }
  }

  /** Waits until the condition holds (bounded), for effects of background work such as orphan mitigation. */
  protected void eventually(String what, java.util.function.BooleanSupplier condition) {
    Instant deadline = Instant.now().plusSeconds(20);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out waiting until " + what);
      }
      sleep(50);
    }
  }

  protected Api.Result createInstance(String name, String planId, String query) {
    return admin().post("/v1/service_instances" + query, Map.of("name", name, "service_plan_id", planId));
  }

  /** Creates an instance synchronously and returns its id. */
  protected String readyInstance(String name, String planId) {
    Api.Result created = createInstance(name, planId, "?async=false");
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    return created.string("id");
  }

  protected static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @SuppressWarnings("unchecked")
  protected static Map<String, Object> map(Object value) {
    return (Map<String, Object>) value;
  }

  protected static List<String> list(String... values) {
    return List.of(values);
  }
}

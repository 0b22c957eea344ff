package dev.servicemanager.server.instances;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.testkit.RecordedRequest;
import dev.servicemanager.testkit.Responder;
import dev.servicemanager.testkit.Response;
import dev.servicemanager.testkit.Route;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Brokers that fail the way real ones do, each ending as OSB 2.17 says (§4 polling limits, §5
 * orphan mitigation) and each visible in the operation's error. The broker client's timeouts are
 * 1 s connect + 2 s read (InstanceTestBase), so a stalled answer ends within 3 s.
 */
@MicronautTest(transactional = false)
class BrokerFaultsIT extends InstanceTestBase {
  private String planId;

  @Override
  protected Map<String, String> moreProperties() {
    // Retry-After is honoured up to retry-max; 2 s leaves room for the 1 s the tests' brokers ask for.
    return Map.of("sm.operations.max-polling-duration", "2s", "sm.operations.retry-max", "2s");
  }

  @BeforeEach
  void setUp() {
    planId = registerPublicBroker();
    broker.reset();
  }

  @Test
  void aBodyThatStallsMidwayEndsAtTheDeadlineAndIsMitigated() throws Exception {
    broker.on(Route.PROVISION, request -> Response.json(201, Map.of("dashboard_url", "http://x/" + "y".repeat(200)))
        .breakingOffAfter(20, false));
    long started = System.nanoTime();
    Map<String, Object> op = awaitMitigated(createInstance("stalled", planId, ""));
    // connect + read timeout = 3 s: the whole exchange had to end by then, not just its headers
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    assertThat(description(op)).contains("did not answer");
  }

  @Test
  void aConnectionResetMidResponseIsMitigated() throws Exception {
    broker.on(Route.PROVISION, request -> Response.json(201, Map.of("dashboard_url", "http://x/" + "y".repeat(200)))
        .breakingOffAfter(20, true));
    Map<String, Object> op = awaitMitigated(createInstance("reset", planId, ""));
    assertThat(description(op)).contains("failed during PUT /v2/service_instances/");
  }

  @Test
  void anOversizedAnswerIsNotReadWholeAndIsMitigated() throws Exception {
    String huge = "{\"dashboard_url\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}";
    broker.on(Route.PROVISION, Responder.respond(201, huge));
    Map<String, Object> op = awaitMitigated(createInstance("huge", planId, ""));
    assertThat(description(op)).contains("not a JSON object").doesNotContain("xxxx");
  }

  @Test
  void anHtmlErrorPageIsABrokerErrorWithoutTheHtml() throws Exception {
    broker.on(Route.PROVISION, request -> Response.of(502, "<html><body><h1>Bad Gateway</h1></body></html>")
        .withHeader("Content-Type", "text/html"));
    Map<String, Object> op = awaitMitigated(createInstance("html", planId, ""));
    assertThat(description(op)).contains("the broker answered 502").doesNotContain("<html>");
  }

  @Test
  void a503WithRetryAfterOnDeprovisionIsRetriedWhenTheBrokerSays() throws Exception {
    String id = readyInstance("retry-after", planId);
    List<Long> seen = new CopyOnWriteArrayList<>();
    broker.on(Route.DEPROVISION, Responder.sequence(
        request -> {
          seen.add(System.nanoTime());
          return Response.error(503, "maintenance").withHeader("Retry-After", "1");
        },
        request -> {
          seen.add(System.nanoTime());
          return Response.json(200, Map.of());
        }));
    Map<String, Object> op = awaitOperation(admin().delete("/v1/service_instances/" + id));
    assertThat(op).containsEntry("state", "succeeded");
    assertThat(seen).hasSize(2);
    // without Retry-After the test's backoff would retry after 50 ms
    assertThat(Duration.ofNanos(seen.get(1) - seen.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(900));
  }

  @Test
  void a429OnProvisionIsRetriedAfterRetryAfterAndThenSucceeds() throws Exception {
    List<Long> seen = new CopyOnWriteArrayList<>();
    broker.on(Route.PROVISION, Responder.sequence(
        request -> {
          seen.add(System.nanoTime());
          return Response.error(429, "slow down").withHeader("Retry-After", "1");
        },
        request -> {
          seen.add(System.nanoTime());
          return Response.json(201, Map.of());
        }));
    Map<String, Object> op = awaitOperation(createInstance("throttled", planId, ""));
    assertThat(op).containsEntry("state", "succeeded").doesNotContainKey("deletion_scheduled");
    assertThat(Duration.ofNanos(seen.get(1) - seen.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(900));
    assertThat(broker.requests(Route.DEPROVISION)).isEmpty();
  }

  @Test
  void a429ThatNeverEndsFailsTheProvisionWithoutMitigation() throws Exception {
    broker.on(Route.PROVISION, Responder.error(429, null, "quota"));
    Map<String, Object> op = awaitOperation(createInstance("quota", planId, ""));
    assertThat(op).containsEntry("state", "failed").doesNotContainKey("deletion_scheduled");
    assertThat(map(op.get("errors"))).containsEntry("error", "TooManyRequests");
    assertThat(description(op)).contains("429: quota");
    assertThat(broker.requests(Route.PROVISION)).hasSize(BrokerVerdict.MAX_REJECTED_ATTEMPTS);
    sleep(300);
    assertThat(broker.requests(Route.DEPROVISION)).isEmpty();
    assertThat(count("SELECT count(*) FROM service_instances")).isZero();
  }

  @Test
  void a422OnDeprovisionFailsAtOnceAndKeepsTheInstance() throws Exception {
    String id = readyInstance("refused", planId);
    broker.on(Route.DEPROVISION, Responder.error(422, "InstanceLocked", "locked by policy"));
    Map<String, Object> op = awaitOperation(admin().delete("/v1/service_instances/" + id));
    assertThat(op).containsEntry("state", "failed");
    assertThat(description(op)).contains("422: locked by policy");
    sleep(300);
    assertThat(broker.requests(Route.DEPROVISION)).as("a refusal is not retried").hasSize(1);
    assertThat(admin().get("/v1/service_instances/" + id).status()).isEqualTo(200);
  }

  @Test
  void a410OnDeprovisionAndOnItsLastOperationAreSuccess() throws Exception {
    String gone = readyInstance("gone", planId);
    broker.on(Route.DEPROVISION, Responder.gone());
    assertThat(awaitOperation(admin().delete("/v1/service_instances/" + gone))).containsEntry("state", "succeeded");

    String async = readyInstance("gone-async", planId);
    broker.on(Route.DEPROVISION, Responder.async("del"));
    broker.on(Route.INSTANCE_LAST_OPERATION, Responder.gone());
    assertThat(awaitOperation(admin().delete("/v1/service_instances/" + async))).containsEntry("state", "succeeded");
    assertThat(admin().get("/v1/service_instances/" + async).status()).isEqualTo(404);
  }

  @Test
  void aBrokerThatAcceptsAndNeverFinishesFailsAtTheMaximumPollingDurationAndIsMitigated() throws Exception {
    broker.on(Route.PROVISION, Responder.async("forever"));
    broker.on(Route.INSTANCE_LAST_OPERATION, Responder.respond(200, Map.of("state", "in progress")));
    long started = System.nanoTime();
    Map<String, Object> op = awaitMitigated(createInstance("forever", planId, ""));
    assertThat(description(op)).contains("maximum polling duration");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void aCascadeDeleteEndsFailedWithTheReasonOfABindingTheBrokerWillNotDelete() throws Exception {
    String instance = readyInstance("cascade", planId);
    Api.Result bound = admin().post("/v1/service_bindings?async=false", Map.of("name", "b", "service_instance_id", instance));
    assertThat(bound.status()).as(bound.toString()).isEqualTo(201);
    broker.on(Route.UNBIND, Responder.error(403, "Forbidden", "binding is pinned"));

    Map<String, Object> op = awaitOperation(admin().delete("/v1/service_instances/" + instance + "?cascade=true"));

    assertThat(op).containsEntry("state", "failed");
    assertThat(map(op.get("errors"))).containsEntry("error", "CascadeFailed");
    assertThat(description(op)).contains("binding is pinned");
    sleep(1500);
    assertThat(broker.requests(Route.UNBIND)).as("one child delete, not one per round").hasSize(1);
    assertThat(broker.requests(Route.DEPROVISION)).isEmpty();
    assertThat(admin().get("/v1/service_instances/" + instance).status()).isEqualTo(200);
  }

  private Map<String, Object> awaitMitigated(Api.Result accepted) {
    String id = accepted.header("Location").split("/")[3];
    Map<String, Object> op = awaitOperation(accepted);
    assertThat(op).containsEntry("state", "failed");
    assertThat(op.get("deletion_scheduled")).as("orphan mitigation is scheduled").isNotNull();
    eventually("the broker got a deprovision", () -> broker.requests(Route.DEPROVISION).stream()
        .map(RecordedRequest::path).anyMatch(p -> p.equals("/v2/service_instances/" + id)));
    eventually("the instance record is gone", () -> admin().get("/v1/service_instances/" + id).status() == 404);
    return op;
  }

  private static String description(Map<String, Object> op) {
    return String.valueOf(map(op.get("errors")).get("description"));
  }
}

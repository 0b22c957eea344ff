package dev.servicemanager.controlplane;

import dev.servicemanager.server.testsupport.KafkaTestBroker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.servicemanager.testkit.TestDatabases;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The reconcilers against real feedback on a real broker (written here as a consumer would): a report
 * that differs keeps the target unreconciled and requeued with capped backoff, the desired state is
 * published again after a few requeues, and a matching report ends the requeues.
 */
@Timeout(180)
class ReconcilerIT {
  private KafkaTestBroker kafka;
  private ControlPlaneServer server;

  @AfterEach
  void stopAll() {
    if (server != null) {
      server.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  private long metric(String name) {
    String body = server.get("/control-plane/metrics", "Bearer " + server.adminToken()).body();
    Matcher m = Pattern.compile("(?m)^" + name + " (\\d+)").matcher(body);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> target() {
    Map<String, Object> state = server.call("getState", Map.of("runtime", "r1"));
    return ((List<Map<String, Object>>) state.get("targets")).get(0);
  }

  private void report(String state) {
    kafka.produce("control-plane.feedback", "default/r1", "{\"runtime\":\"r1\",\"namespace\":\"default\",\"revision\":1,"
        + "\"instance\":\"it\",\"targets\":{\"topic:a\":\"" + state + "\"}}");
  }

  @Test
  void differingReportsRequeueWithCappedBackoffRepublishAndAMatchingReportEndsIt() throws Exception {
    kafka = KafkaTestBroker.start(KafkaTestBroker.freePort());
    Map<String, Object> props = new HashMap<>();
    props.put("control-plane.kafka.bootstrap-servers", kafka.bootstrapServers());
    props.put("control-plane.publish.poll-interval", "100ms");
    props.put("control-plane.reconcile.initial-backoff", "100ms");
    props.put("control-plane.reconcile.max-backoff", "400ms");
    props.put("control-plane.reconcile.republish-after", "3");
    props.put("control-plane.reconcile.resync-interval", "1h");
    props.put("control-plane.runtimes.r1.topic", "cp.default.r1");
    props.put("control-plane.runtimes.r1.running", List.of("topic:a"));
    server = new ControlPlaneServer(TestDatabases.newDatabase(), props);

    kafka.produce("control-plane.feedback", "junk", "{not json");
    report("paused");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(target().get("observed")).isEqualTo("paused"));
    assertThat(target().get("reconciled")).isEqualTo(false);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(metric("control_plane_feedback_invalid_total")).isEqualTo(1));

    // Still differing: requeued, and the desired state (revision 1) goes out again.
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(metric("control_plane_republished_total")).isPositive());
    List<KafkaTestBroker.Received> published = kafka.readUntil("cp.default.r1", r -> r.size() >= 2, Duration.ofSeconds(30));
    assertThat(published).hasSizeGreaterThanOrEqualTo(2).allSatisfy(r -> assertThat(r.value()).contains("\"revision\":1"));
    // Capped backoff: over 3 s at most one run per 400 ms (plus slack), and never a hot loop.
    long before = metric("control_plane_reconcile_runs_total");
    Thread.sleep(3000);
    long runs = metric("control_plane_reconcile_runs_total") - before;
    assertThat(runs).isBetween(3L, 12L);

    // The consumer catches up: reconciled, and the requeues stop.
    report("running");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(target().get("reconciled")).isEqualTo(true));
    long settled = metric("control_plane_reconcile_runs_total");
    Thread.sleep(2000);
    assertThat(metric("control_plane_reconcile_runs_total")).isEqualTo(settled);
  }
}

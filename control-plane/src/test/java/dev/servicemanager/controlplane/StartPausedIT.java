package dev.servicemanager.controlplane;

import dev.servicemanager.server.testsupport.KafkaTestBroker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.servicemanager.testkit.TestDatabases;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * control-plane.client.start-paused: the sample service starts before any state of its runtime
 * exists and handles nothing on its autoStartup=false listener until the control plane publishes
 * the first state; then the backlog is consumed and the observed state is reconciled.
 */
@Timeout(240)
class StartPausedIT {
  private KafkaTestBroker kafka;
  private ControlPlaneServer server;
  private SampleService sample;

  @AfterEach
  void stopAll() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {sample, server, kafka}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void listenersWaitForTheFirstState() throws Exception {
    kafka = KafkaTestBroker.start(KafkaTestBroker.freePort());
    sample = new SampleService(kafka.bootstrapServers(), "late", "cp.default.late", true);
    await().atMost(Duration.ofSeconds(60)).until(() -> sample.output.contains("STARTED"));
    kafka.produce("orders", "k", "early-1");
    kafka.produce("orders", "k", "early-2");
    Thread.sleep(5000); // time enough to join the group and fetch, were it not paused
    assertThat(sample.received).as(sample.log()).noneMatch(r -> r.startsWith("orders "));

    Map<String, Object> props = new HashMap<>();
    props.put("control-plane.kafka.bootstrap-servers", kafka.bootstrapServers());
    props.put("control-plane.publish.poll-interval", "200ms");
    props.put("control-plane.reconcile.initial-backoff", "200ms");
    props.put("control-plane.reconcile.max-backoff", "2s");
    props.put("control-plane.runtimes.late.topic", "cp.default.late");
    props.put("control-plane.runtimes.late.running", List.of("consumer-group:orders"));
    server = new ControlPlaneServer(TestDatabases.newDatabase(), props);
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> assertThat(sample.received).as(sample.log()).contains("orders early-1", "orders early-2"));
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
      Map<String, Object> state = server.call("getState", Map.of("runtime", "late"));
      assertThat(state.get("reconciled")).as(state.toString()).isEqualTo(true);
      assertThat(((List<Map<String, Object>>) state.get("targets")).get(0).get("observed")).isEqualTo("running");
    });
  }
}

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
 * End to end with real parts: an in-process Kafka broker, the real server with the plugin on
 * embedded PostgreSQL, and a sample Micronaut service (own JVM) with two @KafkaListeners and the
 * control-plane-client library.
 */
@Timeout(300)
class StateChannelEndToEndIT {
  private static final String RUNTIME = "shop";
  private static final String TOPIC = "cp.default.shop";
  private static final Map<String, Object> ORDERS = Map.of("kind", "consumer-group", "name", "orders");

  private final int port = KafkaTestBroker.freePort();
  private final String jdbcUrl = TestDatabases.newDatabase();
  private KafkaTestBroker kafka;
  private ControlPlaneServer server;
  private SampleService sample;

  private ControlPlaneServer startServer() {
    Map<String, Object> props = new HashMap<>();
    props.put("control-plane.kafka.bootstrap-servers", "127.0.0.1:" + port);
    props.put("control-plane.kafka.send-timeout", "2s");
    props.put("control-plane.publish.poll-interval", "200ms");
    props.put("control-plane.publish.max-backoff", "1s");
    props.put("control-plane.reconcile.initial-backoff", "200ms");
    props.put("control-plane.reconcile.max-backoff", "2s");
    props.put("control-plane.reconcile.resync-interval", "2s");
    props.put("control-plane.runtimes.shop.topic", TOPIC);
    props.put("control-plane.runtimes.shop.running", List.of("consumer-group:orders", "consumer-group:payments"));
    return new ControlPlaneServer(jdbcUrl, props);
  }

  @AfterEach
  void stopAll() throws Exception {
    if (sample != null) {
      sample.close();
    }
    if (server != null) {
      server.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> target(String name) {
    Map<String, Object> state = server.call("getState", Map.of("runtime", RUNTIME));
    return ((List<Map<String, Object>>) state.get("targets")).stream()
        .filter(t -> name.equals(t.get("name"))).findFirst().orElseThrow();
  }

  private void awaitObserved(String name, String observed) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
      Map<String, Object> t = target(name);
      assertThat(t.get("observed")).as(t + "\n" + sample.log()).isEqualTo(observed);
      assertThat(t.get("reconciled")).as(t.toString()).isEqualTo(true);
    });
  }

  private void awaitReceived(String... values) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> assertThat(sample.received).as(sample.log()).contains(values));
  }

  @Test
  void pauseStopsOneConsumerResumeDrainsTheBacklogAndNoCommandIsLostAcrossRestartAndOutage() throws Exception {
    kafka = KafkaTestBroker.start(port);
    server = startServer();
    sample = new SampleService(kafka.bootstrapServers(), RUNTIME, TOPIC);
    kafka.produce("orders", "k", "o-warm");
    kafka.produce("payments", "k", "p-warm");
    awaitReceived("orders o-warm", "payments p-warm");
    awaitObserved("orders", "running");

    // Pause one target: that consumer stops, the other keeps going.
    assertThat(server.call("pause", Map.of("runtime", RUNTIME, "targets", List.of(ORDERS)))).containsEntry("changed", true);
    awaitObserved("orders", "paused");
    assertThat(target("payments").get("observed")).isEqualTo("running");
    for (int i = 1; i <= 5; i++) {
      kafka.produce("orders", "k", "o-" + i);
      kafka.produce("payments", "k", "p-" + i);
    }
    awaitReceived("payments p-1", "payments p-2", "payments p-3", "payments p-4", "payments p-5");
    Thread.sleep(2000); // the paused consumer had every chance to take them
    assertThat(sample.received).noneMatch(r -> r.matches("orders o-\\d+"));

    // Resume: the backlog is consumed, observed state is reconciled.
    server.call("resume", Map.of("runtime", RUNTIME, "targets", List.of(ORDERS)));
    awaitReceived("orders o-1", "orders o-2", "orders o-3", "orders o-4", "orders o-5");
    awaitObserved("orders", "running");

    // Kafka goes away; a command arrives during the outage and is stored without waiting for Kafka.
    kafka.close();
    kafka = null;
    long start = System.nanoTime();
    assertThat(server.call("pause", Map.of("runtime", RUNTIME, "targets", List.of(ORDERS)))).containsEntry("changed", true);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    // The control plane restarts while Kafka is still down.
    server.close();
    server = startServer();
    assertThat(target("orders").get("desired")).isEqualTo("paused");
    // Kafka is back (a fresh broker on the same port): the stored command is published and applied.
    kafka = KafkaTestBroker.start(port);
    awaitObserved("orders", "paused");
    kafka.produce("payments", "k", "p-after");
    kafka.produce("orders", "k", "o-after");
    awaitReceived("payments p-after");
    Thread.sleep(2000);
    assertThat(sample.received).doesNotContain("orders o-after");
    server.call("resume", Map.of("runtime", RUNTIME, "targets", List.of(ORDERS)));
    awaitReceived("orders o-after");
    awaitObserved("orders", "running");
  }
}

package dev.servicemanager.server.events;

import dev.servicemanager.server.testsupport.KafkaTestBroker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.servicemanager.server.support.Api;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Kafka down never blocks the API: the server starts before Kafka exists, and Kafka goes away
 * again later; each time the relay catches up once a broker listens on the configured port.
 */
@MicronautTest(transactional = false)
class KafkaRelayOutageIT extends NotificationTestBase {
  static final String TOPIC = "sm-outage.changes";
  private final int port = KafkaTestBroker.freePort();
  private KafkaTestBroker kafka;
  @Inject KafkaRelay relay;

  @Override
  protected Map<String, String> extraProperties() {
    // Short producer timeouts (passed through from kafka.producer.*) so sends fail while Kafka is down.
    return Map.of(
        "kafka.bootstrap.servers", "127.0.0.1:" + port,
        "sm.kafka.topic", TOPIC,
        "sm.kafka.poll-interval", "200ms",
        "kafka.producer.max.block.ms", "500",
        "kafka.producer.request.timeout.ms", "500",
        "kafka.producer.delivery.timeout.ms", "1000",
        // Aggressive retention: it must still keep every row the relay has not published.
        "sm.notifications.keep-for", "1s",
        "sm.notifications.clean-interval", "300ms");
  }

  @AfterAll
  void stopKafka() {
    if (kafka != null) {
      kafka.close();
    }
  }

  /** Platform creates and updates while Kafka is down; each answers normally and fast. */
  private List<String> changesWhileDown(String prefix) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      long start = System.nanoTime();
      Map<String, Object> created = createPlatform(prefix + "-" + i, "kubernetes");
      String id = (String) created.get("id");
      Api.Result patched = admin().patch("/v1/platforms/" + id, Map.of("description", "while kafka is down"));
      assertThat(patched.status()).isEqualTo(200);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
      ids.add(id);
    }
    return ids;
  }

  private Set<Long> revisionsOf(List<String> ids) throws Exception {
    String in = ids.stream().map(id -> "'" + id + "'").collect(Collectors.joining(","));
    Set<Long> revisions = new TreeSet<>();
    try (var c = java.sql.DriverManager.getConnection(jdbcUrl(), "postgres", "");
        var rs = c.createStatement().executeQuery("SELECT revision FROM changes WHERE resource_id IN (" + in + ")")) {
      while (rs.next()) {
        revisions.add(rs.getLong(1));
      }
    }
    return revisions;
  }

  /** The relay tried, failed and did not advance past what Kafka never acknowledged. */
  private void assertRelayFailsWhileDown(Set<Long> revisions) throws Exception {
    long failuresBefore = relay.failures();
    await().atMost(Duration.ofSeconds(20)).until(() -> relay.failures() >= failuresBefore + 2);
    long lowest = revisions.stream().min(Long::compare).orElseThrow();
    assertThat(count("SELECT revision FROM relay_positions WHERE name = 'kafka'")).isLessThan(lowest);
    // Older than keep-for, several cleanups later, and still there: not published yet.
    String old = "SELECT count(*) FROM changes WHERE revision >= " + lowest + " AND created_at < now() - interval '1 second'";
    await().atMost(Duration.ofSeconds(10)).until(() -> count(old) == revisions.size());
    Thread.sleep(1_000);
    assertThat(count(old)).isEqualTo(revisions.size());
  }

  private void assertCaughtUp(Set<Long> expected) {
    List<KafkaTestBroker.Received> received = kafka.readUntil(
        TOPIC,
        got -> got.stream().map(KafkaTestBroker.Received::revisionHeader).collect(Collectors.toSet()).containsAll(expected),
        Duration.ofSeconds(60));
    Set<Long> revisions = received.stream().map(KafkaTestBroker.Received::revisionHeader).collect(Collectors.toSet());
    assertThat(revisions).containsAll(expected);
    // Every record is a valid envelope whose revision matches its header (duplicates are allowed).
    for (KafkaTestBroker.Received r : received) {
      assertThat(((Number) KafkaRelayIT.parse(r.value()).get("revision")).longValue()).isEqualTo(r.revisionHeader());
    }
  }

  @Test
  void changesMadeWhileKafkaIsDownArePublishedWhenItReturns() throws Exception {
    // 1. Kafka has never been up since the server started.
    Set<Long> first = revisionsOf(changesWhileDown("before-kafka"));
    assertThat(first).hasSize(10);
    assertThat(count("SELECT count(*) FROM relay_positions WHERE revision >= " + first.stream().max(Long::compare).orElseThrow()))
        .isZero();
    assertRelayFailsWhileDown(first);
    kafka = KafkaTestBroker.start(port);
    assertCaughtUp(first);

    // 2. Kafka goes away and comes back on the same port (a fresh broker: the relay resends what was
    // not acknowledged, so the new broker receives every change made meanwhile).
    kafka.close();
    kafka = null;
    Set<Long> second = revisionsOf(changesWhileDown("kafka-gone"));
    assertThat(second).hasSize(10);
    assertRelayFailsWhileDown(second);
    kafka = KafkaTestBroker.start(port);
    assertCaughtUp(second);
    // Once published, retention deletes them as usual.
    await().atMost(Duration.ofSeconds(20)).until(() -> count("SELECT count(*) FROM changes") == 0);
  }
}

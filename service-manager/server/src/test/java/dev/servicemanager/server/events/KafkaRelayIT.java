package dev.servicemanager.server.events;

import dev.servicemanager.server.testsupport.KafkaTestBroker;
import static org.assertj.core.api.Assertions.assertThat;

import io.micronaut.core.type.Argument;
import io.micronaut.serde.ObjectMapper;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** With kafka.bootstrap.servers set, every change-log row reaches the topic as a JSON envelope. */
@MicronautTest(transactional = false)
class KafkaRelayIT extends NotificationTestBase {
  static final String TOPIC = "sm-it.changes";
  private KafkaTestBroker kafka;

  @Override
  protected Map<String, String> extraProperties() {
    kafka = KafkaTestBroker.start(KafkaTestBroker.freePort());
    return Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(), "sm.kafka.topic", TOPIC, "sm.kafka.poll-interval", "200ms");
  }

  @AfterAll
  void stopKafka() {
    kafka.close();
  }

  static Map<String, Object> parse(String json) {
    try {
      return ObjectMapper.getDefault().readValue(json, Argument.mapOf(String.class, Object.class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  record Row(long revision, String type, String resourceType, String resourceId) {}

  List<Row> changes() throws Exception {
    List<Row> rows = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(jdbcUrl(), "postgres", "");
        ResultSet rs = c.createStatement().executeQuery(
            "SELECT revision, change_type, resource_type, resource_id FROM changes ORDER BY revision")) {
      while (rs.next()) {
        rows.add(new Row(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)));
      }
    }
    return rows;
  }

  @Test
  void brokerAndVisibilityChangesArePublishedInRevisionOrder() throws Exception {
    String brokerId = (String) registerBroker("kafka-broker").get("id");
    String visibilityId = visibility(null, planIds(brokerId).get(0));
    assertThat(admin().delete("/v1/visibilities/" + visibilityId).status()).isEqualTo(200);
    List<Row> expected = changes().stream()
        .filter(r -> r.resourceId().equals(brokerId) || r.resourceId().equals(visibilityId))
        .toList();
    assertThat(expected).extracting(r -> r.resourceType() + " " + r.type())
        .containsExactly("/v1/service_brokers CREATED", "/v1/visibilities CREATED", "/v1/visibilities DELETED");

    List<KafkaTestBroker.Received> received = kafka.readUntil(
        TOPIC, got -> got.stream().filter(r -> r.key().equals(visibilityId)).count() >= 2, Duration.ofSeconds(30));
    List<KafkaTestBroker.Received> ours = received.stream()
        .filter(r -> r.key().equals(brokerId) || r.key().equals(visibilityId))
        .toList();
    assertThat(ours).hasSize(3);
    for (int i = 0; i < ours.size(); i++) {
      Row row = expected.get(i);
      KafkaTestBroker.Received record = ours.get(i);
      Map<String, Object> envelope = parse(record.value());
      assertThat(record.key()).isEqualTo(row.resourceId());
      assertThat(record.revisionHeader()).isEqualTo(row.revision());
      assertThat(((Number) envelope.get("revision")).longValue()).isEqualTo(row.revision());
      assertThat(envelope).containsEntry("type", row.type())
          .containsEntry("resource_type", row.resourceType())
          .containsEntry("resource_id", row.resourceId())
          .containsKeys("platform_id", "correlation_id");
      assertThat(Instant.parse((String) envelope.get("time"))).isBefore(Instant.now().plusSeconds(1));
      assertThat(map(envelope.get("resource"))).containsEntry("id", row.resourceId());
    }
    assertThat(map(parse(ours.get(0).value()).get("resource"))).containsEntry("name", "kafka-broker")
        .doesNotContainKey("credentials");
    // The position follows what Kafka acknowledged.
    assertThat(count("SELECT revision FROM relay_positions WHERE name = 'kafka'")).isGreaterThanOrEqualTo(expected.get(2).revision());
  }

  /** Opens a transaction that takes a revision (a direct change-log insert) and keeps it open. */
  private Connection openChange(String resourceId) throws Exception {
    Connection c = DriverManager.getConnection(jdbcUrl(), "postgres", "");
    c.setAutoCommit(false);
    c.createStatement().executeUpdate(
        "INSERT INTO changes (resource_type, resource_id, change_type, payload) VALUES ('/v1/platforms', '"
            + resourceId + "', 'CREATED', '{\"new\": {\"resource\": {\"id\": \"" + resourceId + "\"}}}')");
    return c;
  }

  private long published(String key) {
    return kafka.readUntil(TOPIC, got -> false, Duration.ofSeconds(2)).stream().filter(r -> r.key().equals(key)).count();
  }

  @Test
  void aRevisionCommittedLateIsNotSkippedAndARolledBackOneDoesNotBlock() throws Exception {
    // Revision r is taken first and committed last: r+1 must wait for it.
    try (Connection late = openChange("late-commit")) {
      String platformId = (String) createPlatform("after-the-gap", "kubernetes").get("id");
      assertThat(published(platformId)).isZero();
      late.commit();
      List<KafkaTestBroker.Received> received = kafka.readUntil(
          TOPIC, got -> got.stream().anyMatch(r -> r.key().equals(platformId)), Duration.ofSeconds(30));
      List<String> keys = received.stream().map(KafkaTestBroker.Received::key)
          .filter(k -> k.equals("late-commit") || k.equals(platformId)).toList();
      assertThat(keys).containsExactly("late-commit", platformId);
    }
    // A revision taken and rolled back leaves a gap that is skipped quickly (well before gap-timeout).
    try (Connection rolledBack = openChange("rolled-back")) {
      String platformId = (String) createPlatform("after-a-rollback", "kubernetes").get("id");
      rolledBack.rollback();
      List<KafkaTestBroker.Received> received = kafka.readUntil(
          TOPIC, got -> got.stream().anyMatch(r -> r.key().equals(platformId)), Duration.ofSeconds(15));
      assertThat(received).extracting(KafkaTestBroker.Received::key).contains(platformId).doesNotContain("rolled-back");
    }
  }
}

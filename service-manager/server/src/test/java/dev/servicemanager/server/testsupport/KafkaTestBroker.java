package dev.servicemanager.server.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import kafka.testkit.KafkaClusterTestKit;
import kafka.testkit.TestKitNodes;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A real in-process Kafka broker (one combined KRaft node) on a fixed 127.0.0.1 port, a reader and a
 * writer. Shared with other modules' tests through the server's test-jar.
 */
public final class KafkaTestBroker implements AutoCloseable {
  public final int port;
  private final KafkaClusterTestKit cluster;

  private KafkaTestBroker(int port, KafkaClusterTestKit cluster) {
    this.port = port;
    this.cluster = cluster;
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static KafkaTestBroker start(int port) {
    try {
      KafkaClusterTestKit cluster =
          new KafkaClusterTestKit.Builder(
                  new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
              .setConfigProp("listeners", "EXTERNAL://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:0")
              .setConfigProp("offsets.topic.replication.factor", "1")
              .setConfigProp("group.initial.rebalance.delay.ms", "0")
              .build();
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
      return new KafkaTestBroker(port, cluster);
    } catch (Exception e) {
      throw new IllegalStateException("Kafka test broker did not start on port " + port, e);
    }
  }

  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  public record Received(String key, String value, long revisionHeader, long offset) {}

  /** Reads the topic from the beginning until {@code done} holds for what was read, or the time is up. */
  public List<Received> readUntil(String topic, Predicate<List<Received>> done, Duration timeout) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrapServers());
    p.put("group.id", "it-" + UUID.randomUUID());
    p.put("auto.offset.reset", "earliest");
    p.put("enable.auto.commit", "false");
    List<Received> received = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      long end = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < end && !done.test(received)) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(300))) {
          var header = r.headers().lastHeader("sm-revision");
          long revision = header == null ? -1 : Long.parseLong(new String(header.value(), StandardCharsets.UTF_8));
          received.add(new Received(r.key(), r.value(), revision, r.offset()));
        }
      }
    }
    return received;
  }

  @Override
  public void close() {
    try {
      cluster.close();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Produces one record and waits for the broker's acknowledgement. */
  public void produce(String topic, String key, String value) {
    Properties p = new Properties();
    p.put("bootstrap.servers", bootstrapServers());
    p.put("acks", "all");
    try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(
        p, new org.apache.kafka.common.serialization.StringSerializer(), new org.apache.kafka.common.serialization.StringSerializer())) {
      producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, key, value)).get(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}

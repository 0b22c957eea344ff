package dev.servicemanager.controlplane.client;

import io.micronaut.configuration.kafka.ConsumerRegistry;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the one gap of pausing from outside: the poll that (re)assigns partitions can return records
 * before anyone could pause them (at start, and after every rebalance, e.g. when Kafka comes back). A
 * listener that implements Kafka's {@code ConsumerRebalanceListener} and Micronaut's {@code
 * ConsumerAware} hands its assignments here; the gate pauses them inside that poll, before any fetch,
 * when the runtime's state (or start-paused) says so:
 *
 * <pre>{@code
 * @KafkaListener(groupId = "orders", clientId = "orders-listener")
 * class OrdersListener implements ConsumerRebalanceListener, ConsumerAware<String, String> {
 *   private final PauseGate gate;
 *   private Consumer<String, String> consumer;
 *   OrdersListener(PauseGate gate) { this.gate = gate; }
 *   public void setKafkaConsumer(Consumer<String, String> consumer) { this.consumer = consumer; }
 *   public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
 *     gate.onPartitionsAssigned("orders-listener", consumer, partitions);
 *   }
 *   public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}
 *   @Topic("orders") void receive(String value) { ... }
 * }
 * }</pre>
 */
@Singleton
@Requires(property = "control-plane.client.runtime")
public final class PauseGate {
  private static final Logger LOG = LoggerFactory.getLogger(PauseGate.class);
  private final StateFollower follower;
  private final ConsumerRegistry registry;

  PauseGate(StateFollower follower, ConsumerRegistry registry) {
    this.follower = follower;
    this.registry = registry;
  }

  /** Call from {@code onPartitionsAssigned} (the consumer's own poll thread, so touching it is safe). */
  public void onPartitionsAssigned(String consumerId, Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
    if (partitions.isEmpty() || !follower.wantsPaused(consumerId)) {
      return;
    }
    consumer.pause(partitions); // effective for this very poll
    try {
      // Also as Micronaut's pause request, so that its bookkeeping knows them and a resume releases them.
      registry.pause(consumerId, partitions);
    } catch (RuntimeException e) {
      LOG.debug("control-plane client: consumer {} not registered yet: {}", consumerId, e.toString());
    }
  }
}

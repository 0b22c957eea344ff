package dev.servicemanager.controlplane.sample;

import dev.servicemanager.controlplane.client.PauseGate;
import io.micronaut.configuration.kafka.ConsumerAware;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.configuration.kafka.annotation.OffsetReset;
import io.micronaut.configuration.kafka.annotation.Topic;
import io.micronaut.context.ApplicationContext;
import java.io.BufferedReader;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import java.io.InputStreamReader;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * A sample Micronaut service with two @KafkaListeners and the control-plane-client library, run by
 * the end-to-end test in its own JVM (without the server on its classpath). It prints each record it
 * handles as {@code RECEIVED <topic> <value>} and stops when its stdin closes.
 */
public final class SampleConsumerService {
  private SampleConsumerService() {}

  // autoStartup = false: Micronaut starts it paused; the control-plane client resumes it once the
  // runtime's state says it runs (what a service does to start strictly paused). Its assignments go
  // through the PauseGate, so a rebalance never lets a record through while it should be paused.
  @KafkaListener(groupId = "orders", clientId = "orders-listener", offsetReset = OffsetReset.EARLIEST, autoStartup = false)
  static final class OrdersListener implements ConsumerRebalanceListener, ConsumerAware<String, String> {
    private final PauseGate gate;
    private volatile Consumer<String, String> consumer;

    OrdersListener(PauseGate gate) {
      this.gate = gate;
    }

    @Override
    public void setKafkaConsumer(Consumer<String, String> consumer) {
      this.consumer = consumer;
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      gate.onPartitionsAssigned("orders-listener", consumer, partitions);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      // nothing to hand over
    }

    @Topic("orders")
    void receive(String value) {
      System.out.println("RECEIVED orders " + value);
    }
  }

  @KafkaListener(groupId = "payments", clientId = "payments-listener", offsetReset = OffsetReset.EARLIEST)
  static final class PaymentsListener {
    @Topic("payments")
    void receive(String value) {
      System.out.println("RECEIVED payments " + value);
    }
  }

  /** args: bootstrap servers, runtime, state topic, optionally "start-paused". */
  public static void main(String[] args) throws Exception {
    Map<String, Object> props = new HashMap<>();
    props.put("kafka.bootstrap.servers", args[0]);
    props.put("kafka.consumers.default.metadata.max.age.ms", "2000");
    props.put("control-plane.client.runtime", args[1]);
    props.put("control-plane.client.state-topic", args[2]);
    props.put("control-plane.client.report-interval", "1s");
    props.put("control-plane.client.start-paused", args.length > 3 && args[3].equals("start-paused"));
    try (ApplicationContext context = ApplicationContext.run(props)) {
      System.out.println("STARTED");
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
      while (in.readLine() != null) {
        // wait for the test to close stdin
      }
    }
    System.exit(0);
  }
}

package dev.servicemanager.controlplane.channel;

import dev.servicemanager.controlplane.ControlPlaneSettings;
import dev.servicemanager.controlplane.state.Json;
import dev.servicemanager.controlplane.state.RuntimeId;
import dev.servicemanager.controlplane.state.Target;
import dev.servicemanager.controlplane.web.Metrics;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads what the runtimes' consumers report on the feedback topic (see control-plane-client) and
 * hands each valid report on. A malformed report is counted and skipped, never retried forever.
 */
@Singleton
@Requires(property = "control-plane.enabled", notEquals = "false")
public final class FeedbackListener implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(FeedbackListener.class);

  /** One report: the runtime, the revision its consumers applied, the state of each target. */
  public record Report(RuntimeId runtime, long revision, Map<String, String> targets, String instance) {}

  private final ControlPlaneSettings settings;
  private final Metrics metrics;
  private final AtomicBoolean running = new AtomicBoolean();
  private volatile KafkaConsumer<String, String> consumer;
  private volatile Consumer<Report> sink;
  private Thread thread;

  public FeedbackListener(ControlPlaneSettings settings, Metrics metrics) {
    this.settings = settings;
    this.metrics = metrics;
  }

  public synchronized void start(Consumer<Report> sink) {
    if (!settings.kafkaConfigured() || !running.compareAndSet(false, true)) {
      return;
    }
    this.sink = sink;
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.feedbackGroup());
    // A new group reads what was reported while no control plane ran; afterwards the committed offsets.
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "true");
    p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "5000");
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "control-plane-feedback");
    consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    thread = new Thread(this, "control-plane-feedback");
    thread.setDaemon(true);
    thread.start();
  }

  public synchronized void stop() {
    if (running.compareAndSet(true, false)) {
      consumer.wakeup();
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void run() {
    try {
      consumer.subscribe(List.of(settings.feedbackTopic()));
      while (running.get()) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          Report report = parse(record.value());
          metrics.feedback(report != null);
          if (report == null) {
            LOG.debug("control-plane: skipping a malformed feedback record at offset {}", record.offset());
            continue;
          }
          try {
            sink.accept(report);
          } catch (RuntimeException e) {
            // Storage failed: the next report (clients repeat theirs periodically) will carry it again.
            LOG.warn("control-plane: could not store feedback of {}: {}", report.runtime().key(), e.toString());
          }
        }
      }
    } catch (WakeupException e) {
      // stop() asked us to leave
    } catch (RuntimeException e) {
      LOG.error("control-plane: the feedback listener stopped", e);
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  static Report parse(String value) {
    try {
      Map<String, Object> doc = Json.readObject(value);
      if (!(doc.get("runtime") instanceof String name) || !(doc.get("revision") instanceof Number revision)
          || !(doc.get("targets") instanceof Map<?, ?> targets)) {
        return null;
      }
      String namespace = doc.get("namespace") instanceof String ns ? ns : RuntimeId.DEFAULT_NAMESPACE;
      Map<String, String> states = new TreeMap<>();
      for (Map.Entry<?, ?> e : targets.entrySet()) {
        String key = String.valueOf(e.getKey());
        if (Target.parse(key).isPresent() && e.getValue() instanceof String state) {
          states.put(key, state);
        }
      }
      String instance = doc.get("instance") instanceof String i ? i : "";
      return new Report(new RuntimeId(namespace, name), revision.longValue(), states, instance);
    } catch (Exception e) {
      return null;
    }
  }
}

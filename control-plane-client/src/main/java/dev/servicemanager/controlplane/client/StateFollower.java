package dev.servicemanager.controlplane.client;

import io.micronaut.configuration.kafka.ConsumerRegistry;
import io.micronaut.context.BeanContext;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.type.Argument;
import io.micronaut.serde.ObjectMapper;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows this service's runtime on its state topic and makes the service's own {@code @KafkaListener}
 * consumers match it: a consumer is paused while any paused target names it, resumed otherwise.
 *
 * <p>One thread does everything: it polls the state topic (from the beginning, in a throw-away group,
 * keeping the highest revision of this runtime's key), and every tick it enforces the desired state
 * through Micronaut's {@link ConsumerRegistry} (pause and resume are requests the consumers' own poll
 * loops carry out; re-checking every tick also re-pauses after a rebalance). It reports what it
 * observes on the feedback topic when that changes and every {@code report-interval}.
 *
 * <p>With {@code start-paused: true} every listener stays paused until the first state arrives.
 * Strict for listeners declared with {@code @KafkaListener(autoStartup = false)} (Micronaut starts
 * them paused and this follower resumes them when the state says so); best effort for the others: a
 * consumer is paused as soon as it has partitions, so a record fetched by its very first poll may
 * still be handled. Listeners that pass their partition assignments to {@link PauseGate} close that
 * gap, also after every rebalance.
 */
@Context
@Requires(property = "control-plane.client.runtime")
final class StateFollower implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(StateFollower.class);
  private static final Argument<Map<String, Object>> MAP = Argument.mapOf(String.class, Object.class);

  private final ClientSettings settings;
  private final ListenerTargets targets;
  private final ConsumerRegistry registry;
  private final ObjectMapper mapper = ObjectMapper.getDefault();
  private final AtomicBoolean running = new AtomicBoolean();
  private KafkaConsumer<String, String> consumer;
  private KafkaProducer<String, String> producer;
  private Thread thread;

  // Only the follower thread touches these.
  private long revision = -1;
  // Replaced (never mutated) by the follower thread; read by PauseGate on consumers' poll threads.
  private volatile Map<String, String> desired;
  private Map<String, String> lastReported;
  private Instant lastReport = Instant.EPOCH;
  // Consumers this follower resumed at least once: a listener declared with autoStartup = false is
  // paused by Micronaut without the registry reporting it as paused, so the first resume is unconditional.
  private final Set<String> released = new HashSet<>();

  StateFollower(ClientSettings settings, BeanContext context, ConsumerRegistry registry) {
    this.settings = settings;
    this.registry = registry;
    this.targets = new ListenerTargets(context, registry, settings.pipelines);
  }

  @PostConstruct
  void start() {
    Properties c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, "control-plane-client-" + settings.key().replace('/', '.') + "-" + UUID.randomUUID());
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "5000");
    consumer = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer());
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "5000");
    producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    running.set(true);
    thread = new Thread(this, "control-plane-client");
    thread.setDaemon(true);
    thread.start();
    LOG.info("control-plane client: following {} on {}{}", settings.key(), settings.stateTopic,
        settings.startPaused ? " (listeners paused until the first state arrives)" : "");
  }

  @PreDestroy
  void stop() {
    if (running.compareAndSet(true, false)) {
      consumer.wakeup();
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      producer.close(Duration.ofSeconds(2));
    }
  }

  @Override
  public void run() {
    try {
      consumer.subscribe(List.of(settings.stateTopic));
      while (running.get()) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          if (settings.key().equals(record.key())) {
            accept(record.value());
          }
        }
        enforce();
        report();
      }
    } catch (WakeupException e) {
      // stop() asked us to leave
    } catch (RuntimeException e) {
      LOG.error("control-plane client: the state follower stopped", e);
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  /** A state document: kept when its revision is not older than the one applied (at-least-once input). */
  private void accept(String value) {
    try {
      Map<String, Object> doc = mapper.readValue(value, MAP);
      long rev = ((Number) doc.get("revision")).longValue();
      if (rev < revision) {
        return;
      }
      Map<String, String> next = new TreeMap<>();
      ((Map<?, ?>) doc.get("targets")).forEach((k, v) -> next.put(String.valueOf(k), String.valueOf(v)));
      if (rev == revision) {
        lastReport = Instant.EPOCH; // the control plane sent it again: it wants to hear from us
      }
      revision = rev;
      desired = next;
      LOG.info("control-plane client: desired state revision {}: {}", rev, next);
    } catch (Exception e) {
      LOG.warn("control-plane client: skipping a malformed state document: {}", e.toString());
    }
  }

  private void enforce() {
    for (String id : targets.consumerIds()) {
      Boolean pause = shouldPause(id);
      if (pause == null) {
        continue; // no target names it: not ours to control
      }
      try {
        boolean paused = registry.isPaused(id);
        if (pause && !paused) {
          registry.pause(id);
        } else if (!pause && (paused || !released.contains(id))) {
          registry.resume(id);
          released.add(id);
        }
      } catch (RuntimeException e) {
        LOG.debug("control-plane client: consumer {} not ready: {}", id, e.toString());
      }
    }
  }

  /** Whether this consumer should be paused now (for {@link PauseGate}, on a consumer's poll thread). */
  boolean wantsPaused(String consumerId) {
    return Boolean.TRUE.equals(shouldPause(consumerId));
  }

  /** True/false when the state controls this consumer, null when it does not. */
  private Boolean shouldPause(String consumerId) {
    Map<String, String> desired = this.desired;
    if (desired == null) {
      return settings.startPaused ? Boolean.TRUE : null;
    }
    Boolean result = null;
    for (Map.Entry<String, String> e : desired.entrySet()) {
      if (targets.matches(consumerId, e.getKey())) {
        if ("paused".equals(e.getValue())) {
          return Boolean.TRUE;
        }
        result = Boolean.FALSE;
      }
    }
    // Paused only because of start-paused: the first state released it.
    return result == null && settings.startPaused ? Boolean.FALSE : result;
  }

  private void report() {
    if (desired == null) {
      return;
    }
    Map<String, String> observed = new TreeMap<>();
    Set<String> ids = new HashSet<>(targets.consumerIds());
    for (String key : desired.keySet()) {
      int paused = 0;
      int matching = 0;
      for (String id : ids) {
        if (targets.matches(id, key)) {
          matching++;
          try {
            paused += registry.isPaused(id) ? 1 : 0;
          } catch (RuntimeException e) {
            // not ready yet: counts as running
          }
        }
      }
      observed.put(key, matching == 0 ? "absent" : paused == matching ? "paused" : paused == 0 ? "running" : "partial");
    }
    Instant now = Instant.now();
    if (observed.equals(lastReported) && now.isBefore(lastReport.plus(settings.reportInterval))) {
      return;
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("runtime", settings.runtime);
    doc.put("namespace", settings.namespace);
    doc.put("revision", revision);
    doc.put("instance", settings.instance);
    doc.put("targets", observed);
    doc.put("at", now.toString());
    try {
      producer.send(new ProducerRecord<>(settings.feedbackTopic, settings.key(), mapper.writeValueAsString(doc)));
      lastReported = observed;
      lastReport = now;
    } catch (Exception e) {
      LOG.debug("control-plane client: feedback not sent (retried next tick): {}", e.toString());
    }
  }
}

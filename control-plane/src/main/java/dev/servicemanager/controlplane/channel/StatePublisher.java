package dev.servicemanager.controlplane.channel;

import dev.servicemanager.controlplane.ControlPlaneSettings;
import dev.servicemanager.controlplane.web.Metrics;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state channel: one thread that publishes outbox rows (the whole desired state of a runtime,
 * key = {@code namespace/name}, header {@code cp-revision}) to the runtime's topic, at least once.
 *
 * <p>Independent of the writes: the RPC endpoint only inserts outbox rows, this loop sends them later.
 * Rows are claimed with {@code FOR UPDATE SKIP LOCKED} (several server replicas share the work) and
 * marked published only after Kafka acknowledged the whole batch (acks=all, idempotent producer); a
 * failure rolls back, backs off (capped) and retries the same rows, so a Kafka outage loses nothing.
 * Consumers keep the highest revision they have seen, so a duplicate is harmless.
 */
@Singleton
@Requires(property = "control-plane.enabled", notEquals = "false")
public final class StatePublisher implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(StatePublisher.class);
  private static final int BATCH = 100;
  private static final long MIN_BACKOFF_MS = 200;

  private final ControlPlaneSettings settings;
  private final Metrics metrics;
  private final AtomicBoolean running = new AtomicBoolean();
  private volatile DataSource dataSource;
  private volatile Thread thread;
  private volatile String lastError;
  private volatile Instant lastSuccess;
  private KafkaProducer<String, String> producer;
  private Instant lastCleanup = Instant.EPOCH;

  public StatePublisher(ControlPlaneSettings settings, Metrics metrics) {
    this.settings = settings;
    this.metrics = metrics;
  }

  /** Starts the loop; without a bootstrap server it says so once and leaves the rows waiting. */
  public synchronized void start(DataSource dataSource) {
    this.dataSource = dataSource;
    if (!settings.kafkaConfigured()) {
      LOG.warn("control-plane: no Kafka bootstrap servers configured (control-plane.kafka.bootstrap-servers or"
          + " kafka.bootstrap.servers); commands are stored and publishing waits until Kafka is configured");
      return;
    }
    if (running.compareAndSet(false, true)) {
      thread = new Thread(this, "control-plane-publisher");
      thread.setDaemon(true);
      thread.start();
      LOG.info("control-plane: publishing desired states to Kafka at {}", settings.bootstrapServers());
    }
  }

  /** A new outbox row exists: publish now instead of at the next poll. */
  public void wake() {
    Thread t = thread;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  public boolean enabled() {
    return running.get();
  }

  /** The last publishing failure since the last success, for the health indicator; null when fine. */
  public String lastError() {
    return lastError;
  }

  public synchronized void stop() {
    if (running.compareAndSet(true, false)) {
      Thread t = thread;
      LockSupport.unpark(t);
      try {
        t.join(settings.sendTimeout().toMillis() + 2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      closeProducer();
    }
  }

  @Override
  public void run() {
    long backoff = MIN_BACKOFF_MS;
    boolean outage = false;
    while (running.get()) {
      try {
        int sent = publishBatch();
        if (outage) {
          LOG.info("control-plane: Kafka reachable again, publishing resumed");
          outage = false;
        }
        lastError = null;
        backoff = MIN_BACKOFF_MS;
        cleanup();
        if (sent < BATCH) {
          LockSupport.parkNanos(settings.publishInterval().toNanos());
        }
      } catch (Exception e) {
        metrics.publishFailed();
        lastError = e.getClass().getSimpleName();
        if (!outage) {
          // Once per outage, not once per retry.
          LOG.warn("control-plane: publishing failed ({}); retrying with backoff, nothing is lost", e.toString());
          outage = true;
        }
        closeProducer(); // a fresh producer after a failure: no stuck in-flight state
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(backoff));
        backoff = Math.min(backoff * 2, settings.publishMaxBackoff().toMillis());
      }
    }
  }

  private record Pending(long id, String topic, String key, long revision, String document) {}

  private int publishBatch() throws Exception {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        List<Pending> rows = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
            "SELECT id, topic, namespace, name, revision, document FROM cp_outbox WHERE published_at IS NULL"
                + " ORDER BY id LIMIT " + BATCH + " FOR UPDATE SKIP LOCKED");
            ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            rows.add(new Pending(rs.getLong(1), rs.getString(2), rs.getString(3) + "/" + rs.getString(4),
                rs.getLong(5), rs.getString(6)));
          }
        }
        if (rows.isEmpty()) {
          c.commit();
          return 0;
        }
        KafkaProducer<String, String> p = producer();
        List<Future<?>> acks = new ArrayList<>();
        for (Pending row : rows) {
          ProducerRecord<String, String> record = new ProducerRecord<>(row.topic(), row.key(), row.document());
          record.headers().add("cp-revision", Long.toString(row.revision()).getBytes(StandardCharsets.UTF_8));
          acks.add(p.send(record));
        }
        p.flush();
        long deadline = System.nanoTime() + settings.sendTimeout().toNanos() * 2;
        for (Future<?> ack : acks) {
          ack.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        Long[] ids = rows.stream().map(Pending::id).toArray(Long[]::new);
        try (PreparedStatement ps = c.prepareStatement("UPDATE cp_outbox SET published_at = ? WHERE id = ANY(?)")) {
          Array array = c.createArrayOf("bigint", ids);
          ps.setTimestamp(1, Timestamp.from(Instant.now()));
          ps.setArray(2, array);
          ps.executeUpdate();
        }
        c.commit();
        metrics.published(rows.size());
        lastSuccess = Instant.now();
        return rows.size();
      } catch (Exception e) {
        c.rollback();
        throw e;
      }
    }
  }

  /** Published rows are kept for a while (audit of what went out), then deleted. */
  private void cleanup() throws Exception {
    Instant now = Instant.now();
    if (now.isBefore(lastCleanup.plusSeconds(60))) {
      return;
    }
    lastCleanup = now;
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "DELETE FROM cp_outbox WHERE published_at IS NOT NULL AND published_at < ?")) {
      ps.setTimestamp(1, Timestamp.from(now.minus(settings.outboxKeepFor())));
      ps.executeUpdate();
    }
  }

  private KafkaProducer<String, String> producer() {
    if (producer == null) {
      long timeout = settings.sendTimeout().toMillis();
      Properties props = new Properties();
      props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
      props.put(ProducerConfig.ACKS_CONFIG, "all");
      props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
      props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(timeout));
      props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(timeout));
      props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(timeout * 2));
      props.put(ProducerConfig.LINGER_MS_CONFIG, "0");
      props.put(ProducerConfig.CLIENT_ID_CONFIG, "control-plane-publisher");
      producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }
    return producer;
  }

  private void closeProducer() {
    if (producer != null) {
      try {
        producer.close(java.time.Duration.ofSeconds(1));
      } catch (RuntimeException e) {
        LOG.debug("closing the producer failed", e);
      }
      producer = null;
    }
  }
}

package dev.servicemanager.server.events;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.env.Environment;
import io.micronaut.core.naming.conventions.StringConvention;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.annotation.PreDestroy;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes every change-log row to a Kafka topic (at least once, in revision order; key = resource
 * id; the revision de-duplicates). Enabled only when {@code kafka.bootstrap.servers} is set.
 *
 * <p>One thread with one dedicated database connection. That connection holds a session advisory
 * lock, so only one server publishes at a time (the others wait and take over when it goes away).
 * The position ({@code relay_positions}) advances only after Kafka acknowledged every record of a
 * batch (acks=all, idempotent producer). The thread wakes on {@code sm_changes} NOTIFY or after
 * {@code sm.kafka.poll-interval}; when Kafka or the database is unavailable it retries with backoff,
 * never on a request thread, so the API never waits for Kafka.
 *
 * <p>Commit-order gaps: a revision taken earlier may commit after a higher one. Rows are published
 * in revision order up to the first missing revision. A missing revision is skipped (rolled back or
 * deleted) once no transaction of this database that started before the gap was first seen is still
 * running (so the inserting transaction has ended, and a commit would now be visible), or at the
 * latest after {@code sm.kafka.gap-timeout}.
 */
@Context
@Requires(property = "kafka.bootstrap.servers")
final class KafkaRelay implements Runnable {
  static final String NAME = "kafka";
  private static final Logger LOG = LoggerFactory.getLogger(KafkaRelay.class);
  private static final long LOCK_KEY = 0x534D_4B41_4641L; // "SMKAFA"
  private static final long MIN_BACKOFF_MS = 200;
  private static final long MAX_BACKOFF_MS = 10_000;

  private final DataSource dataSource;
  private final String topic;
  private final Duration pollInterval;
  private final int batchSize;
  private final Duration gapTimeout;
  private final Properties producerConfig;
  private final Thread thread;
  private final Map<Long, Instant> gapsSeen = new TreeMap<>();
  private final AtomicLong failures = new AtomicLong();
  private volatile boolean running = true;
  private KafkaProducer<String, String> producer;

  KafkaRelay(
      DataSource dataSource,
      Environment environment,
      @Value("${kafka.bootstrap.servers}") String bootstrapServers,
      @Value("${sm.kafka.topic:service-manager.changes}") String topic,
      @Value("${sm.kafka.poll-interval:1s}") Duration pollInterval,
      @Value("${sm.kafka.batch-size:500}") int batchSize,
      @Value("${sm.kafka.gap-timeout:60s}") Duration gapTimeout) {
    this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
    this.topic = topic;
    this.pollInterval = pollInterval;
    this.batchSize = Math.max(1, batchSize);
    this.gapTimeout = gapTimeout;
    this.producerConfig = producerConfig(environment, bootstrapServers);
    this.thread = new Thread(this, "sm-kafka-relay");
    thread.setDaemon(true);
    thread.start();
  }

  private static Properties producerConfig(Environment environment, String bootstrapServers) {
    Properties p = new Properties();
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
    p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "2000");
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "service-manager-relay");
    // Anything under kafka.producer.* (security, SASL, compression ...) goes to the producer as it is.
    Map<String, Object> extra = environment.getProperties("kafka.producer", StringConvention.RAW);
    extra.forEach((k, v) -> p.put(k, String.valueOf(v)));
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return p;
  }

  @Override
  public void run() {
    long backoff = MIN_BACKOFF_MS;
    while (running) {
      try (Connection c = dataSource.getConnection()) {
        c.setAutoCommit(true);
        try {
          if (!tryLock(c)) {
            sleep(pollInterval.toMillis()); // another server publishes; take over when it stops
            continue;
          }
          try (Statement s = c.createStatement()) {
            s.execute("LISTEN sm_changes");
          }
          long position = position(c);
          LOG.info("Kafka relay publishing to topic {} after revision {}", topic, position);
          PGConnection pg = c.unwrap(PGConnection.class);
          while (running) {
            int published = publishBatch(c, position);
            backoff = MIN_BACKOFF_MS;
            if (published > 0) {
              position = position(c);
              continue; // there may be more
            }
            pg.getNotifications((int) Math.max(1, pollInterval.toMillis()));
          }
        } finally {
          release(c);
        }
      } catch (SQLException | RuntimeException e) {
        if (!running) {
          return;
        }
        failures.incrementAndGet();
        LOG.warn("Kafka relay failed ({}); retrying in {} ms", e.toString(), backoff);
        closeProducer();
        sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  /** How many rounds failed (Kafka or the database unavailable) since start. */
  long failures() {
    return failures.get();
  }

  private record Row(long revision, String key, String envelope) {}

  /** Publishes the next publishable rows; returns how many, after Kafka acknowledged all. */
  private int publishBatch(Connection c, long position) throws SQLException {
    Instant oldestTransaction = oldestOtherTransaction(c);
    List<Row> rows = read(c, position);
    Instant now = dbNow(c);
    List<Row> publishable = new ArrayList<>();
    long expected = position + 1;
    for (Row row : rows) {
      if (row.revision() > expected && !gapResolved(expected, oldestTransaction, now)) {
        break;
      }
      publishable.add(row);
      expected = row.revision() + 1;
    }
    if (publishable.isEmpty()) {
      return 0;
    }
    send(publishable);
    long last = publishable.get(publishable.size() - 1).revision();
    try (PreparedStatement ps =
        c.prepareStatement("UPDATE relay_positions SET revision = ?, updated_at = now() WHERE name = ?")) {
      ps.setLong(1, last);
      ps.setString(2, NAME);
      ps.executeUpdate();
    }
    gapsSeen.keySet().removeIf(start -> start <= last);
    return publishable.size();
  }

  /**
   * A gap starting at {@code start}, first seen in an earlier round, is final when every transaction
   * running then has ended before this round's read (its row would be visible now), or it is too old.
   */
  private boolean gapResolved(long start, Instant oldestTransaction, Instant now) {
    Instant seen = gapsSeen.get(start);
    if (seen == null) {
      gapsSeen.put(start, now);
      return false;
    }
    return oldestTransaction == null
        || oldestTransaction.isAfter(seen)
        || Duration.between(seen, now).compareTo(gapTimeout) >= 0;
  }

  private void send(List<Row> rows) {
    if (producer == null) {
      producer = new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer());
    }
    List<Future<RecordMetadata>> sent = new ArrayList<>(rows.size());
    for (Row row : rows) {
      ProducerRecord<String, String> record = new ProducerRecord<>(topic, row.key(), row.envelope());
      record.headers().add("sm-revision", Long.toString(row.revision()).getBytes(StandardCharsets.UTF_8));
      sent.add(producer.send(record));
    }
    producer.flush();
    for (Future<RecordMetadata> f : sent) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for Kafka", e);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException("Kafka did not acknowledge: " + e.getCause(), e.getCause());
      }
    }
  }

  private List<Row> read(Connection c, long position) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT revision, resource_id, jsonb_build_object("
                + "'revision', revision, 'type', change_type, 'resource_type', resource_type,"
                + " 'resource_id', resource_id, 'platform_id', platform_id, 'correlation_id', correlation_id,"
                + " 'time', to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
                + " 'resource', coalesce(payload->'new'->'resource', payload->'old'->'resource'))::text"
                + " FROM changes WHERE revision > ? ORDER BY revision LIMIT ?")) {
      ps.setLong(1, position);
      ps.setInt(2, batchSize);
      try (ResultSet rs = ps.executeQuery()) {
        List<Row> rows = new ArrayList<>();
        while (rs.next()) {
          rows.add(new Row(rs.getLong(1), rs.getString(2), rs.getString(3)));
        }
        return rows;
      }
    }
  }

  /** The connection goes back to the pool: drop the session's lock and LISTEN (a broken one is gone anyway). */
  private static void release(Connection c) {
    if (c == null) {
      return;
    }
    try (Statement s = c.createStatement()) {
      s.execute("UNLISTEN *");
      s.execute("SELECT pg_advisory_unlock_all()");
    } catch (SQLException | RuntimeException e) {
      LOG.debug("Could not reset the relay connection", e);
    }
  }

  private static boolean tryLock(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
      ps.setLong(1, LOCK_KEY);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  /** The stored position; on first start, just before the oldest retained row. */
  private static long position(Connection c) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO relay_positions (name, revision)"
                + " SELECT ?, coalesce(min(revision) - 1, 0) FROM changes ON CONFLICT (name) DO NOTHING")) {
      ps.setString(1, NAME);
      ps.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement("SELECT revision FROM relay_positions WHERE name = ?")) {
      ps.setString(1, NAME);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static Instant oldestOtherTransaction(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT min(xact_start) FROM pg_stat_activity"
                    + " WHERE datname = current_database() AND pid <> pg_backend_pid()")) {
      rs.next();
      Timestamp t = rs.getTimestamp(1);
      return t == null ? null : t.toInstant();
    }
  }

  private static Instant dbNow(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT clock_timestamp()")) {
      rs.next();
      return rs.getTimestamp(1).toInstant();
    }
  }

  private void closeProducer() {
    if (producer != null) {
      try {
        producer.close(Duration.ofSeconds(1));
      } catch (RuntimeException e) {
        LOG.debug("Closing the Kafka producer failed", e);
      }
      producer = null;
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @PreDestroy
  void stop() throws InterruptedException {
    running = false;
    thread.interrupt();
    thread.join(5_000);
    closeProducer();
  }
}

package dev.servicemanager.controlplane.state;

import io.micronaut.context.annotation.Requires;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The state adapter: every write compares the request with the latest stored state under a row lock
 * ({@code SELECT ... FOR UPDATE}), so concurrent writers of one runtime queue up and none loses an
 * update. A changed state is stored with the next revision, an audit row and an outbox row, all in one
 * transaction; an unchanged state writes nothing.
 *
 * <p>Plain JDBC on the server's PostgreSQL: the plugin owns its transactions explicitly.
 */
@Singleton
@Requires(property = "control-plane.enabled", notEquals = "false")
public final class StateStore {
  public static final String PAUSED = "paused";
  public static final String RUNNING = "running";
  public static final String ABSENT = "absent";

  private static final String COLUMNS =
      "namespace, name, topic, source, default_state::text, desired::text, revision, updated_at, observed::text,"
          + " observed_revision, observed_instance, observed_at, reconciled::text";

  private final DataSource dataSource;

  public StateStore(DataSource dataSource) {
    // The raw pool: the plugin runs its own transactions outside Micronaut Data's connection context.
    this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
  }

  public DataSource dataSource() {
    return dataSource;
  }

  /** The plugin's own migrations and history table; never touches the core's. */
  public void migrate() {
    Flyway.configure()
        .dataSource(dataSource)
        .locations("classpath:db/control-plane")
        .table("control_plane_schema_history")
        // The schema already holds the core's tables: start our own history at version 0.
        .baselineOnMigrate(true)
        .baselineVersion("0")
        .load()
        .migrate();
  }

  /** The outcome of a write: whether anything was stored, and the runtime afterwards. */
  public record Change(boolean changed, RuntimeView view) {}

  /** Thrown when a runtime does not exist. */
  public static final class NotFound extends RuntimeException {
    public NotFound(RuntimeId id) {
      super("runtime " + id.key() + " is not known");
    }
  }

  /** Row of cp_runtimes. */
  record Row(
      RuntimeId id,
      String topic,
      String source,
      Map<String, String> defaults,
      Map<String, String> desired,
      long revision,
      Instant updatedAt,
      Map<String, String> observed,
      Long observedRevision,
      String observedInstance,
      Instant observedAt,
      Map<String, Boolean> reconciled) {}

  public Optional<RuntimeView> find(RuntimeId id) {
    return inTransaction(c -> row(c, id, false).map(StateStore::view));
  }

  public List<RuntimeView> list(Optional<String> namespace) {
    return inTransaction(
        c -> {
          String sql = "SELECT " + COLUMNS + " FROM cp_runtimes"
              + (namespace.isPresent() ? " WHERE namespace = ?" : "") + " ORDER BY namespace, name";
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (namespace.isPresent()) {
              ps.setString(1, namespace.get());
            }
            List<RuntimeView> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(view(read(rs)));
              }
            }
            return out;
          }
        });
  }

  public List<RuntimeId> ids() {
    return list(Optional.empty()).stream().map(RuntimeView::id).toList();
  }

  /**
   * Patches the desired state of an existing runtime.
   *
   * @param patch gets the desired state and the default state, returns the new desired state
   */
  public Change update(RuntimeId id, Patch patch, String actor, String method) {
    return inTransaction(
        c -> {
          Row row = row(c, id, true).orElseThrow(() -> new NotFound(id));
          Map<String, String> next = new TreeMap<>(patch.apply(row.desired(), row.defaults()));
          if (next.equals(row.desired())) {
            return new Change(false, view(row));
          }
          long revision = row.revision() + 1;
          Instant now = Instant.now();
          try (PreparedStatement ps = c.prepareStatement(
              "UPDATE cp_runtimes SET desired = ?::jsonb, revision = ?, updated_at = ?, reconciled = '{}'::jsonb WHERE namespace = ? AND name = ?")) {
            ps.setString(1, Json.write(next));
            ps.setLong(2, revision);
            ps.setTimestamp(3, Timestamp.from(now));
            ps.setString(4, id.namespace());
            ps.setString(5, id.name());
            ps.executeUpdate();
          }
          audit(c, id, revision, actor, method, row.desired(), next, now);
          enqueue(c, id, row.topic(), revision, next, now);
          return new Change(true, view(row(c, id, false).orElseThrow()));
        });
  }

  /** A change of the desired state, given the current desired and default states. */
  @FunctionalInterface
  public interface Patch {
    Map<String, String> apply(Map<String, String> desired, Map<String, String> defaults);
  }

  /**
   * Creates a runtime (desired = its defaults, revision 1) or updates its topic and defaults. Targets
   * new in the defaults join the desired state; an update that changes nothing writes nothing.
   */
  public Change register(RuntimeId id, String topic, Map<String, String> defaults, String source, String actor) {
    Map<String, String> defaultState = new TreeMap<>(defaults);
    return inTransaction(
        c -> {
          Instant now = Instant.now();
          // Serialises concurrent registrations of a new runtime as well (the row lock does not exist yet).
          try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
            lock.setString(1, "cp:" + id.key());
            lock.execute();
          }
          Optional<Row> existing = row(c, id, true);
          if (existing.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO cp_runtimes (namespace, name, topic, source, default_state, desired, revision, updated_at)"
                    + " VALUES (?, ?, ?, ?, ?::jsonb, ?::jsonb, 1, ?)")) {
              ps.setString(1, id.namespace());
              ps.setString(2, id.name());
              ps.setString(3, topic);
              ps.setString(4, source);
              ps.setString(5, Json.write(defaultState));
              ps.setString(6, Json.write(defaultState));
              ps.setTimestamp(7, Timestamp.from(now));
              ps.executeUpdate();
            }
            audit(c, id, 1, actor, "register", Map.of(), defaultState, now);
            enqueue(c, id, topic, 1, defaultState, now);
            return new Change(true, view(row(c, id, false).orElseThrow()));
          }
          Row row = existing.get();
          Map<String, String> desired = new TreeMap<>(row.desired());
          defaultState.forEach(desired::putIfAbsent);
          boolean sameDesired = desired.equals(row.desired());
          if (row.topic().equals(topic) && row.defaults().equals(defaultState) && sameDesired
              && row.source().equals(source)) {
            return new Change(false, view(row));
          }
          boolean publish = !sameDesired || !row.topic().equals(topic);
          long revision = publish ? row.revision() + 1 : row.revision();
          try (PreparedStatement ps = c.prepareStatement(
              "UPDATE cp_runtimes SET topic = ?, source = ?, default_state = ?::jsonb, desired = ?::jsonb, revision = ?,"
                  + " updated_at = ?, reconciled = CASE WHEN ? THEN '{}'::jsonb ELSE reconciled END"
                  + " WHERE namespace = ? AND name = ?")) {
            ps.setString(1, topic);
            ps.setString(2, source);
            ps.setString(3, Json.write(defaultState));
            ps.setString(4, Json.write(desired));
            ps.setLong(5, revision);
            ps.setTimestamp(6, Timestamp.from(publish ? now : row.updatedAt()));
            ps.setBoolean(7, publish);
            ps.setString(8, id.namespace());
            ps.setString(9, id.name());
            ps.executeUpdate();
          }
          if (publish) {
            audit(c, id, revision, actor, "register", row.desired(), desired, now);
            enqueue(c, id, topic, revision, desired, now);
          }
          return new Change(true, view(row(c, id, false).orElseThrow()));
        });
  }

  /**
   * Stores what a runtime's consumers reported, unless a report of a newer revision is already stored
   * (feedback arrives at least once and may be reordered across instances).
   */
  public Optional<RuntimeView> observe(RuntimeId id, long revision, Map<String, String> observed, String instance) {
    return inTransaction(
        c -> {
          try (PreparedStatement ps = c.prepareStatement(
              "UPDATE cp_runtimes SET observed = ?::jsonb, observed_revision = ?, observed_instance = ?, observed_at = ?"
                  + " WHERE namespace = ? AND name = ? AND (observed_revision IS NULL OR observed_revision <= ?)")) {
            ps.setString(1, Json.write(new TreeMap<>(observed)));
            ps.setLong(2, revision);
            ps.setString(3, instance);
            ps.setTimestamp(4, Timestamp.from(Instant.now()));
            ps.setString(5, id.namespace());
            ps.setString(6, id.name());
            ps.setLong(7, revision);
            if (ps.executeUpdate() == 0) {
              return Optional.empty();
            }
          }
          return row(c, id, false).map(StateStore::view);
        });
  }

  /** Stores the reconcilers' verdict per target; writes only when it changed. */
  public Optional<RuntimeView> markReconciled(RuntimeId id, Map<String, Boolean> reconciled) {
    return inTransaction(
        c -> {
          Optional<Row> row = row(c, id, true);
          if (row.isEmpty() || row.get().reconciled().equals(reconciled)) {
            return Optional.empty();
          }
          try (PreparedStatement ps = c.prepareStatement(
              "UPDATE cp_runtimes SET reconciled = ?::jsonb WHERE namespace = ? AND name = ?")) {
            ps.setString(1, Json.write(reconciled));
            ps.setString(2, id.namespace());
            ps.setString(3, id.name());
            ps.executeUpdate();
          }
          return row(c, id, false).map(StateStore::view);
        });
  }

  /** Publishes the current desired state again (same revision), unless one is already waiting. */
  public boolean republish(RuntimeId id) {
    return inTransaction(
        c -> {
          Optional<Row> row = row(c, id, true);
          if (row.isEmpty()) {
            return false;
          }
          try (PreparedStatement ps = c.prepareStatement(
              "SELECT 1 FROM cp_outbox WHERE namespace = ? AND name = ? AND published_at IS NULL")) {
            ps.setString(1, id.namespace());
            ps.setString(2, id.name());
            try (ResultSet rs = ps.executeQuery()) {
              if (rs.next()) {
                return false;
              }
            }
          }
          Row r = row.get();
          enqueue(c, id, r.topic(), r.revision(), r.desired(), Instant.now());
          return true;
        });
  }

  /** The desired and observed states side by side, for the reconcilers. */
  public record Snapshot(
      RuntimeId id, long revision, Map<String, String> desired, Map<String, String> observed, Long observedRevision,
      Map<String, Boolean> reconciled) {}

  public Optional<Snapshot> snapshot(RuntimeId id) {
    return inTransaction(
        c -> row(c, id, false).map(r -> new Snapshot(id, r.revision(), r.desired(), r.observed(), r.observedRevision(),
            r.reconciled())));
  }

  /** Outbox rows not yet published, and the age of the oldest one (publish lag). */
  public record Pending(long count, double oldestAgeSeconds) {}

  public Pending pending() {
    return inTransaction(
        c -> {
          try (PreparedStatement ps = c.prepareStatement(
              "SELECT count(*), COALESCE(EXTRACT(EPOCH FROM (now() - min(created_at))), 0)"
                  + " FROM cp_outbox WHERE published_at IS NULL");
              ResultSet rs = ps.executeQuery()) {
            rs.next();
            return new Pending(rs.getLong(1), Math.max(0, rs.getDouble(2)));
          }
        });
  }

  /** Audit entries of a runtime, newest first (who, when, what). */
  public record AuditEntry(long revision, String actor, String method, String change, String at) {}

  public List<AuditEntry> audit(RuntimeId id, int limit) {
    return inTransaction(
        c -> {
          try (PreparedStatement ps = c.prepareStatement(
              "SELECT revision, actor, method, change::text, at FROM cp_audit WHERE namespace = ? AND name = ?"
                  + " ORDER BY id DESC LIMIT ?")) {
            ps.setString(1, id.namespace());
            ps.setString(2, id.name());
            ps.setInt(3, limit);
            List<AuditEntry> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(new AuditEntry(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                    rs.getTimestamp(5).toInstant().toString()));
              }
            }
            return out;
          }
        });
  }

  /** The document published on the state channel: the whole desired state of the runtime. */
  public static String document(RuntimeId id, long revision, Map<String, String> desired, Instant at) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("runtime", id.name());
    doc.put("namespace", id.namespace());
    doc.put("revision", revision);
    doc.put("targets", new TreeMap<>(desired));
    doc.put("updatedAt", at.toString());
    return Json.write(doc);
  }

  private static void enqueue(Connection c, RuntimeId id, String topic, long revision, Map<String, String> desired,
      Instant now) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO cp_outbox (namespace, name, topic, revision, document, created_at) VALUES (?, ?, ?, ?, ?, ?)")) {
      ps.setString(1, id.namespace());
      ps.setString(2, id.name());
      ps.setString(3, topic);
      ps.setLong(4, revision);
      ps.setString(5, document(id, revision, desired, now));
      ps.setTimestamp(6, Timestamp.from(now));
      ps.executeUpdate();
    }
  }

  private static void audit(Connection c, RuntimeId id, long revision, String actor, String method,
      Map<String, String> before, Map<String, String> after, Instant now) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO cp_audit (namespace, name, revision, actor, method, change, at) VALUES (?, ?, ?, ?, ?, ?::jsonb, ?)")) {
      ps.setString(1, id.namespace());
      ps.setString(2, id.name());
      ps.setLong(3, revision);
      ps.setString(4, actor);
      ps.setString(5, method);
      ps.setString(6, Json.write(Map.of("before", new TreeMap<>(before), "after", new TreeMap<>(after))));
      ps.setTimestamp(7, Timestamp.from(now));
      ps.executeUpdate();
    }
  }

  private static Optional<Row> row(Connection c, RuntimeId id, boolean lock) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT " + COLUMNS + " FROM cp_runtimes WHERE namespace = ? AND name = ?" + (lock ? " FOR UPDATE" : ""))) {
      ps.setString(1, id.namespace());
      ps.setString(2, id.name());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
    }
  }

  private static Row read(ResultSet rs) throws SQLException {
    Timestamp observedAt = rs.getTimestamp(12);
    long observedRevision = rs.getLong(10);
    Long observedRev = rs.wasNull() ? null : observedRevision;
    return new Row(
        new RuntimeId(rs.getString(1), rs.getString(2)),
        rs.getString(3),
        rs.getString(4),
        Json.states(rs.getString(5)),
        Json.states(rs.getString(6)),
        rs.getLong(7),
        rs.getTimestamp(8).toInstant(),
        Json.states(rs.getString(9)),
        observedRev,
        rs.getString(11),
        observedAt == null ? null : observedAt.toInstant(),
        Json.flags(rs.getString(13)));
  }

  static RuntimeView view(Row r) {
    TreeSet<String> keys = new TreeSet<>(r.desired().keySet());
    if (r.observed() != null) {
      keys.addAll(r.observed().keySet());
    }
    List<TargetView> targets = new ArrayList<>();
    boolean all = true;
    for (String key : keys) {
      Optional<Target> target = Target.parse(key);
      if (target.isEmpty()) {
        continue;
      }
      String desired = r.desired().get(key);
      if (desired == null) {
        continue; // reported by a consumer but not controlled here
      }
      String observed = r.observed() == null ? null : r.observed().get(key);
      boolean reconciled = Boolean.TRUE.equals(r.reconciled().get(key));
      all &= reconciled;
      targets.add(new TargetView(target.get().kind(), target.get().name(), desired, observed, reconciled,
          r.defaults().get(key)));
    }
    return new RuntimeView(r.id().name(), r.id().namespace(), r.topic(), r.source(), r.revision(),
        r.updatedAt().toString(), r.observedRevision(), r.observedAt() == null ? null : r.observedAt().toString(),
        r.observedInstance(), all, targets);
  }

  /** Reconciled means: observed state equals desired, and the report is of the current revision. */
  public static Map<String, Boolean> reconciled(Snapshot s) {
    Map<String, Boolean> out = new TreeMap<>();
    boolean current = s.observedRevision() != null && s.observedRevision() >= s.revision();
    for (Map.Entry<String, String> e : s.desired().entrySet()) {
      String observed = s.observed() == null ? null : s.observed().get(e.getKey());
      out.put(e.getKey(), current && Objects.equals(observed, e.getValue()));
    }
    return out;
  }

  @FunctionalInterface
  interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  private <T> T inTransaction(Work<T> work) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        T result = work.run(c);
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StorageException(e);
    }
  }

  /** The database failed; the RPC layer answers -32603 without the driver's text. */
  public static final class StorageException extends RuntimeException {
    StorageException(SQLException cause) {
      super("database error: " + cause.getSQLState(), cause);
    }

    /** The caller's value cannot be stored (U+0000, no UTF-8 form, too long): invalid params, not a failure. */
    public boolean invalidInput() {
      String state = ((SQLException) getCause()).getSQLState();
      return state != null && java.util.Set.of("22021", "22P05", "22001", "54000").contains(state);
    }
  }
}

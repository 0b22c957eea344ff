package dev.servicemanager.server.operations;

import dev.servicemanager.server.query.FieldType;
import dev.servicemanager.server.store.Json;
import dev.servicemanager.server.store.ResourceType;
import dev.servicemanager.server.store.Sql;
import jakarta.inject.Singleton;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** The operations table: creation, reads for the API, and the engine's claim and fenced updates. */
@Singleton
public final class OperationStore {
  // The database's clock is the only one operations are scheduled by (several servers, one clock).
  private static final String DB_NOW = "now() AS db_now";
  private final Sql sql;
  private final Json json;
  private final ResourceType<Operation> type;

  public OperationStore(Sql sql, Json json) {
    this.sql = sql;
    this.json = json;
    this.type =
        new ResourceType<>(
            "operation",
            "/v1/operations",
            "operations",
            null,
            ResourceType.fields(
                ResourceType.field("type", FieldType.STRING, false),
                ResourceType.field("state", FieldType.STRING, false),
                ResourceType.field("resource_id", FieldType.STRING, false),
                ResourceType.field("resource_type", FieldType.STRING, false),
                ResourceType.field("platform_id", FieldType.STRING, true),
                ResourceType.field("correlation_id", FieldType.STRING, true)),
            this::map,
            (operation, labels) -> operation);
  }

  public ResourceType<Operation> type() {
    return type;
  }

  /** What a new operation needs; the engine fills in the rest. */
  public record NewOperation(
      String type,
      String resourceId,
      String resourceType,
      String platformId,
      String correlationId,
      String step,
      Map<String, Object> context) {}

  /**
   * Inserts an operation that is due now and is given up {@code giveUpAfter} from now (database
   * time). With {@code leaseOwner} the caller runs it itself first (a synchronous request);
   * without, any server's dispatcher may take it.
   */
  public Operation insert(NewOperation op, Duration giveUpAfter, String leaseOwner, Duration lease) {
    return insert(op, null, giveUpAfter, leaseOwner, lease);
  }

  /** As {@link #insert(NewOperation, Duration, String, Duration)}, given up at {@code giveUpAt} (a database time). */
  public Operation insert(NewOperation op, Instant giveUpAt, String leaseOwner, Duration lease) {
    return insert(op, giveUpAt, null, leaseOwner, lease);
  }

  private Operation insert(NewOperation op, Instant giveUpAt, Duration giveUpAfter, String leaseOwner, Duration lease) {
    String id = UUID.randomUUID().toString();
    return sql.queryOne(
            "INSERT INTO operations (id, type, state, resource_id, resource_type, platform_id, correlation_id,"
                + " step, context, next_attempt_at, give_up_at, lease_owner, lease_until, created_at, updated_at)"
                + " VALUES (?, ?, 'in progress', ?, ?, ?, ?, ?, ?::jsonb, now(),"
                + " COALESCE(CAST(? AS timestamptz), now() + make_interval(secs => CAST(? AS double precision))), ?,"
                + " CASE WHEN CAST(? AS text) IS NULL THEN NULL ELSE now() + make_interval(secs => ?) END, now(), now())"
                + " RETURNING *, " + DB_NOW,
            Arrays.asList(
                id, op.type(), op.resourceId(), op.resourceType(), op.platformId(), op.correlationId(),
                op.step(), json.write(op.context()), giveUpAt, giveUpAfter == null ? null : seconds(giveUpAfter),
                leaseOwner, leaseOwner, seconds(lease)),
            this::map)
        .orElseThrow();
  }

  private static double seconds(Duration d) {
    return (double) d.toMillis() / 1000;
  }

  public Optional<Operation> find(String id) {
    return sql.queryOne("SELECT *, " + DB_NOW + " FROM operations WHERE id = ?", List.of(id), this::map);
  }

  public Optional<Operation> findForResource(String resourceId, String operationId) {
    return sql.queryOne(
        "SELECT * FROM operations WHERE id = ? AND resource_id = ?", List.of(operationId, resourceId), this::map);
  }

  /** The newest operation of a resource. */
  public Optional<Operation> last(String resourceId) {
    return sql.queryOne(
        "SELECT * FROM operations WHERE resource_id = ? ORDER BY paging_sequence DESC LIMIT 1",
        List.of(resourceId),
        this::map);
  }

  /** The newest operation of each of the given resources. */
  public Map<String, Operation> last(List<String> resourceIds) {
    Map<String, Operation> result = new HashMap<>();
    if (resourceIds.isEmpty()) {
      return result;
    }
    for (Operation op :
        sql.query(
            "SELECT DISTINCT ON (resource_id) * FROM operations WHERE resource_id = ANY(?)"
                + " ORDER BY resource_id, paging_sequence DESC",
            List.of((Object) resourceIds.toArray(String[]::new)),
            this::map)) {
      result.put(op.resourceId(), op);
    }
    return result;
  }

  /** Active (unfinished or mitigating) operations of a resource, oldest first, locked. */
  public List<Operation> activeForUpdate(String resourceId) {
    return sql.query(
        "SELECT *, " + DB_NOW + " FROM operations WHERE resource_id = ? AND (state = 'in progress' OR next_attempt_at IS NOT NULL)"
            + " ORDER BY paging_sequence FOR UPDATE",
        List.of(resourceId),
        this::map);
  }

  /**
   * Takes up to {@code limit} due operations nobody holds. SKIP LOCKED lets several servers claim
   * at once without waiting on each other; the lease keeps a claimed row away from the others
   * after this statement's transaction ends, for as long as the step may take.
   */
  public List<Operation> claimDue(String owner, int limit, Duration lease) {
    return sql.query(
        "UPDATE operations SET lease_owner = ?, lease_until = now() + make_interval(secs => ?)"
            + " WHERE id IN (SELECT id FROM operations WHERE next_attempt_at IS NOT NULL AND next_attempt_at <= now()"
            + " AND (lease_until IS NULL OR lease_until < now()) ORDER BY next_attempt_at LIMIT ?"
            + " FOR UPDATE SKIP LOCKED) RETURNING *, " + DB_NOW,
        List.of(owner, (double) lease.toMillis() / 1000, limit),
        this::map);
  }

  /** Re-takes one operation the caller already holds (or that is free and due), for a sync request's loop. */
  public Optional<Operation> reclaim(String id, String owner, Duration lease) {
    return sql.queryOne(
        "UPDATE operations SET lease_owner = ?, lease_until = now() + make_interval(secs => ?)"
            + " WHERE id = ? AND next_attempt_at IS NOT NULL"
            + " AND (lease_owner = ? OR lease_until IS NULL OR lease_until < now()) RETURNING *, " + DB_NOW,
        List.of(owner, (double) lease.toMillis() / 1000, id, owner),
        this::map);
  }

  /** Locks the operation if {@code owner} still holds it; empty when the lease was lost. */
  public Optional<Operation> lockIfOwned(String id, String owner) {
    return sql.queryOne(
        "SELECT *, " + DB_NOW + " FROM operations WHERE id = ? AND lease_owner = ? FOR UPDATE", List.of(id, owner), this::map);
  }

  /** Writes the engine's decision; releases the lease unless {@code keepLeaseFor} is given. */
  public void record(
      Operation op,
      String state,
      String step,
      Instant nextAttemptAt,
      int attempts,
      Map<String, Object> errors,
      String description,
      Instant deletionScheduled,
      Instant pollDeadline,
      Instant giveUpAt,
      Map<String, Object> context,
      String externalId,
      String keepLeaseFor) {
    sql.update(
        "UPDATE operations SET state = ?, step = ?, next_attempt_at = ?, attempts = ?, errors = ?::jsonb,"
            + " description = ?, deletion_scheduled = ?, poll_deadline = ?, give_up_at = ?, context = ?::jsonb,"
            + " external_id = ?, lease_owner = ?, lease_until = CASE WHEN CAST(? AS text) IS NULL THEN NULL ELSE lease_until END,"
            + " updated_at = now() WHERE id = ?",
        state, step, nextAttemptAt, attempts, errors == null ? null : json.write(errors), description,
        deletionScheduled, pollDeadline, giveUpAt, json.write(context), externalId, keepLeaseFor, keepLeaseFor,
        op.id());
  }

  /** Gives a lease back without changing anything else (a sync request stops waiting). */
  public void release(String id, String owner) {
    sql.update("UPDATE operations SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?", id, owner);
  }

  /** Records an operation that is already finished (for example a synchronous PATCH of names and labels). */
  public Operation finished(NewOperation op, String state, String description) {
    Operation inserted = insert(op, (Instant) null, null, Duration.ZERO);
    sql.update(
        "UPDATE operations SET state = ?, description = ?, next_attempt_at = NULL, updated_at = now() WHERE id = ?",
        state, description, inserted.id());
    return find(inserted.id()).orElseThrow();
  }

  /** Deletes finished operations last updated longer than {@code age} ago; returns how many. */
  public int deleteFinishedOlderThan(Duration age, int batch) {
    return sql.update(
        "DELETE FROM operations WHERE id IN (SELECT id FROM operations WHERE state <> 'in progress'"
            + " AND next_attempt_at IS NULL AND updated_at < now() - make_interval(secs => ?) LIMIT ?)",
        seconds(age), batch);
  }

  /**
   * Deletions started for the children of a cascade ({@code cascade_parent}) that have ended
   * failed and are not retried any more: the parent cannot finish without them.
   */
  public List<Operation> failedCascadeChildren(String parentId, List<String> childIds) {
    return sql.query(
        "SELECT *, " + DB_NOW + " FROM operations WHERE resource_id = ANY(?) AND context->>'cascade_parent' = ?"
            + " AND type = 'delete' AND state = 'failed' AND next_attempt_at IS NULL ORDER BY paging_sequence",
        List.of((Object) childIds.toArray(String[]::new), parentId),
        this::map);
  }

  private Operation map(ResultSet rs) throws SQLException {
    Map<String, Object> context = json.readMap(rs.getString("context"));
    return new Operation(
        rs.getString("id"),
        rs.getString("type"),
        rs.getString("state"),
        rs.getString("resource_id"),
        rs.getString("resource_type"),
        rs.getString("platform_id"),
        rs.getString("correlation_id"),
        rs.getString("description"),
        json.readMap(rs.getString("errors")),
        Sql.instant(rs, "deletion_scheduled"),
        Sql.instant(rs, "created_at"),
        Sql.instant(rs, "updated_at"),
        rs.getString("external_id"),
        rs.getString("step"),
        context == null ? Map.of() : context,
        Sql.instant(rs, "next_attempt_at"),
        rs.getInt("attempts"),
        Sql.instant(rs, "poll_deadline"),
        Sql.instant(rs, "give_up_at"),
        rs.getString("lease_owner"),
        hasColumn(rs, "db_now") ? Sql.instant(rs, "db_now") : null);
  }

  private static boolean hasColumn(ResultSet rs, String name) throws SQLException {
    var meta = rs.getMetaData();
    for (int i = meta.getColumnCount(); i > 0; i--) {
      if (name.equals(meta.getColumnLabel(i))) {
        return true;
      }
    }
    return false;
  }
}

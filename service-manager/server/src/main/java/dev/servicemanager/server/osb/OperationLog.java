package dev.servicemanager.server.osb;

import dev.servicemanager.server.operations.OperationEngine;
import dev.servicemanager.server.operations.OperationSettings;
import dev.servicemanager.server.store.Json;
import dev.servicemanager.server.store.Sql;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Operation rows for what platforms do through the OSB endpoint. They only record: the platform
 * drives the work and polls, so {@code next_attempt_at} stays NULL (the background workers pick up
 * only rows that have one) and the step is {@code tracked}. All methods run inside the caller's
 * write transaction.
 */
@Singleton
class OperationLog {
  static final String INSTANCES = "/v1/service_instances";
  static final String BINDINGS = "/v1/service_bindings";
  static final String IN_PROGRESS = "in progress";
  static final String SUCCEEDED = "succeeded";
  static final String FAILED = "failed";

  /** The unfinished operation of a resource. */
  record Pending(String id, String type) {}

  private final Sql sql;
  private final Json json;
  private final OperationSettings settings;

  OperationLog(Sql sql, Json json, OperationSettings settings) {
    this.sql = sql;
    this.json = json;
    this.settings = settings;
  }

  /**
   * A create the broker answered 201/202 with a malformed body: failed, and the resource may exist
   * at the broker (OSB section 5). The row is what the operations engine's own failed provisions
   * leave: state failed, step {@code mitigate}, due now, so any server's dispatcher runs the
   * instance's or binding's handler, which deprovisions (unbinds) until the broker confirms or the
   * reconciliation timeout passes.
   *
   * @param context what the handler's mitigate step reads: {@code plan_id} (SM id), and for a
   *     binding {@code broker_instance_id}
   */
  void scheduleMitigation(String resourceId, String resourceType, OsbCall call, Map<String, Object> context,
      Map<String, Object> errors) {
    sql.update(
        "INSERT INTO operations (id, type, state, resource_id, resource_type, platform_id, correlation_id,"
            + " description, errors, step, context, next_attempt_at, deletion_scheduled, give_up_at, created_at,"
            + " updated_at) VALUES (?, 'create', 'failed', ?, ?, ?, ?, ?, ?::jsonb, ?, ?::jsonb, now(), now(),"
            + " now() + make_interval(secs => ?), now(), now())",
        UUID.randomUUID().toString(),
        resourceId,
        resourceType,
        call.platformId(),
        call.requestIdentity(),
        errors.get("description"),
        json.write(errors),
        OperationEngine.MITIGATE,
        json.write(context),
        (double) settings.getReconciliationTimeout().toSeconds());
  }

  void record(
      String type, String state, String resourceId, String resourceType, OsbCall call, String externalId,
      String description, Map<String, Object> errors) {
    sql.update(
        "INSERT INTO operations (id, type, state, resource_id, resource_type, platform_id, correlation_id,"
            + " description, errors, external_id, step, next_attempt_at, created_at, updated_at)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, 'tracked', NULL, now(), now())",
        UUID.randomUUID().toString(),
        type,
        state,
        resourceId,
        resourceType,
        call.platformId(),
        call.requestIdentity(),
        description,
        errors == null ? null : json.write(errors),
        externalId);
  }

  /** The newest unfinished operation of the resource, locked until the transaction ends. */
  Optional<Pending> pending(String resourceId, String resourceType) {
    return sql.queryOne(
        "SELECT id, type FROM operations WHERE resource_id = ? AND resource_type = ? AND state = 'in progress'"
            + " ORDER BY created_at DESC, paging_sequence DESC LIMIT 1 FOR UPDATE",
        List.of(resourceId, resourceType),
        rs -> new Pending(rs.getString(1), rs.getString(2)));
  }

  /** A re-sent request answered 202 again: keep one operation, with the broker's latest operation id. */
  void stillRunning(String id, String externalId, String description) {
    sql.update(
        "UPDATE operations SET external_id = COALESCE(?, external_id), description = COALESCE(?, description),"
            + " updated_at = now() WHERE id = ?",
        externalId,
        description,
        id);
  }

  void finish(String id, String state, String description, Map<String, Object> errors) {
    sql.update(
        "UPDATE operations SET state = ?, description = COALESCE(?, description), errors = ?::jsonb,"
            + " updated_at = now() WHERE id = ?",
        state,
        description,
        errors == null ? null : json.write(errors),
        id);
  }

  /** Closes whatever was still running on a resource that is now gone (e.g. a create halted by a delete). */
  void finishAll(String resourceId, String resourceType, String state) {
    sql.update(
        "UPDATE operations SET state = ?, updated_at = now() WHERE resource_id = ? AND resource_type = ?"
            + " AND state = 'in progress'",
        state,
        resourceId,
        resourceType);
  }
}

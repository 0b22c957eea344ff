package dev.servicemanager.server.osb;

import static dev.servicemanager.server.osb.OperationLog.FAILED;
import static dev.servicemanager.server.osb.OperationLog.INSTANCES;
import static dev.servicemanager.server.osb.OperationLog.IN_PROGRESS;
import static dev.servicemanager.server.osb.OperationLog.SUCCEEDED;

import dev.servicemanager.server.store.Json;
import dev.servicemanager.server.store.Sql;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Mirrors instances that platforms provision, update and deprovision through the OSB endpoint
 * (Peripli's osb store plugin, reference 3.4). The broker has already answered when this runs, so
 * every method only records what the answer means, each in one transaction; answers that change
 * nothing (4xx, 5xx, an invalid body) record nothing.
 */
@Singleton
class InstanceTracker {
  private final Sql sql;
  private final Json json;
  private final OperationLog operations;
  private final TrackingWrites writes;

  InstanceTracker(Sql sql, Json json, OperationLog operations, TrackingWrites writes) {
    this.sql = sql;
    this.json = json;
    this.operations = operations;
    this.writes = writes;
  }

  void provisioned(Exchange e) {
    int status = e.status();
    if (e.reply() == null && (status == 201 || status == 202)) {
      mitigate(e);
      return;
    }
    if (e.reply() == null || (status != 200 && status != 201 && status != 202)) {
      return;
    }
    String id = e.call().instanceId();
    if (insertedNew(e, status)) {
      return;
    }
    writes.write(
        s -> {
          boolean exists = lock(id);
          Optional<OperationLog.Pending> pending = operations.pending(id, INSTANCES);
          if (status == 202) {
            if (!exists) {
              insert(e, false);
            }
            // A PUT re-sent while the provision runs gets 202 again (OSB 3.2): still one operation.
            if (pending.isPresent() && pending.get().type().equals("create")) {
              operations.stillRunning(pending.get().id(), e.replyString("operation"), null);
            } else {
              operations.record("create", IN_PROGRESS, id, INSTANCES, e.call(), e.replyString("operation"), null, null);
            }
          } else if (status == 201 || !exists) {
            if (exists) {
              sql.update(
                  "UPDATE service_instances SET ready = true, dashboard_url = COALESCE(?, dashboard_url),"
                      + " updated_at = now() WHERE id = ?",
                  e.replyString("dashboard_url"),
                  id);
            } else {
              insert(e, true);
            }
            if (pending.isPresent() && pending.get().type().equals("create")) {
              operations.finish(pending.get().id(), SUCCEEDED, null, null);
            } else {
              operations.record("create", SUCCEEDED, id, INSTANCES, e.call(), null, null, null);
            }
          }
          // 200 for an instance we already track: an idempotent re-provision, nothing changed.
          return null;
        });
  }

  /**
   * OSB section 5: a provision answered 201/202 with a malformed body failed, and the instance may
   * exist at the broker. The platform got a 502; SM records the instance as unusable with a failed
   * create and has its operations engine deprovision it. A provision of the same id is refused
   * meanwhile (OsbProxyService), so the mitigation cannot delete a newer instance. An id that is
   * tracked already (a re-sent provision) keeps its record: its own operation decides.
   */
  private void mitigate(Exchange e) {
    String id = e.call().instanceId();
    writes.write(
        s -> {
          if (lock(id)) {
            return null;
          }
          List<Object> values = new ArrayList<>(instanceValues(e, false));
          sql.update(INSERT_INSTANCE + " ON CONFLICT (id) DO NOTHING", values);
          sql.update("UPDATE service_instances SET usable = false WHERE id = ?", id);
          Map<String, Object> errors = Map.of(
              "error", "BrokerError",
              "description", "the broker answered " + e.status() + " with a body that is not a JSON object;"
                  + " orphan mitigation deprovisions the instance");
          operations.scheduleMitigation(id, INSTANCES, e.call(), Map.of("plan_id", e.planId()), errors);
          return null;
        });
  }

  void updated(Exchange e) {
    int status = e.status();
    String id = e.call().instanceId();
    writes.write(
        s -> {
          if (!lock(id)) {
            return null; // not provisioned through SM: nothing to mirror
          }
          String context = e.context() == null ? null : json.write(e.context());
          String maintenance = e.requestValue("maintenance_info") == null ? null : json.write(e.requestValue("maintenance_info"));
          if (e.reply() != null && status == 200) {
            sql.update(
                "UPDATE service_instances SET service_plan_id = COALESCE(?, service_plan_id),"
                    + " context = COALESCE(?::jsonb, context), dashboard_url = COALESCE(?, dashboard_url),"
                    + " maintenance_info = COALESCE(?::jsonb, maintenance_info), previous_values = NULL,"
                    + " usable = true, updated_at = now() WHERE id = ?",
                e.planId(), context, e.replyString("dashboard_url"), maintenance, id);
            operations.record("update", SUCCEEDED, id, INSTANCES, e.call(), null, null, null);
          } else if (e.reply() != null && status == 202) {
            // The new values are shown at once; previous_values lets a failed update roll them back.
            // (In an UPDATE every right-hand side sees the old row, so previous_values gets the old values.)
            sql.update(
                "UPDATE service_instances SET previous_values = jsonb_build_object('service_plan_id', service_plan_id,"
                    + " 'context', context, 'dashboard_url', dashboard_url, 'maintenance_info', maintenance_info),"
                    + " service_plan_id = COALESCE(?, service_plan_id), context = COALESCE(?::jsonb, context),"
                    + " dashboard_url = COALESCE(?, dashboard_url), maintenance_info = COALESCE(?::jsonb, maintenance_info),"
                    + " updated_at = now() WHERE id = ?",
                e.planId(), context, e.replyString("dashboard_url"), maintenance, id);
            Optional<OperationLog.Pending> pending = operations.pending(id, INSTANCES);
            if (pending.isPresent() && pending.get().type().equals("update")) {
              operations.stillRunning(pending.get().id(), e.replyString("operation"), null);
            } else {
              operations.record("update", IN_PROGRESS, id, INSTANCES, e.call(), e.replyString("operation"), null, null);
            }
          } else if (status >= 400 && !e.instanceUsable()) {
            // OSB 3.4: a failed update may leave the instance unusable, and the broker says so.
            sql.update("UPDATE service_instances SET usable = false, updated_at = now() WHERE id = ?", id);
          }
          return null;
        });
  }

  void deprovisioned(Exchange e) {
    int status = e.status();
    String id = e.call().instanceId();
    writes.write(
        s -> {
          if (!lock(id)) {
            return null;
          }
          // 410: the broker no longer knows the instance, which OSB says to treat as deleted.
          if (status == 410 || (status == 200 && e.reply() != null)) {
            Optional<OperationLog.Pending> pending = operations.pending(id, INSTANCES);
            delete(id);
            if (pending.isPresent() && pending.get().type().equals("delete")) {
              operations.finish(pending.get().id(), SUCCEEDED, null, null);
            } else {
              // A delete during a provision halts it (OSB 3.5): the create did not complete.
              operations.finishAll(id, INSTANCES, FAILED);
              operations.record("delete", SUCCEEDED, id, INSTANCES, e.call(), null, null, null);
            }
          } else if (status == 202 && e.reply() != null) {
            Optional<OperationLog.Pending> pending = operations.pending(id, INSTANCES);
            if (pending.isPresent() && pending.get().type().equals("delete")) {
              operations.stillRunning(pending.get().id(), e.replyString("operation"), null);
            } else {
              operations.record("delete", IN_PROGRESS, id, INSTANCES, e.call(), e.replyString("operation"), null, null);
            }
          } else if (status >= 400 && !e.instanceUsable()) {
            sql.update("UPDATE service_instances SET usable = false, updated_at = now() WHERE id = ?", id);
          }
          return null;
        });
  }

  /** A last_operation answer moves the pending operation (OSB 3.9; 410 ends a delete). */
  void polled(Exchange e) {
    String id = e.call().instanceId();
    writes.write(
        s -> {
          if (!lock(id)) {
            return null;
          }
          Optional<OperationLog.Pending> found = operations.pending(id, INSTANCES);
          if (found.isEmpty()) {
            return null;
          }
          OperationLog.Pending op = found.get();
          String state = e.status() == 200 ? e.replyString("state") : null;
          String description = e.replyString("description");
          if (e.status() == 410 && op.type().equals("delete")) {
            state = SUCCEEDED;
          }
          if (SUCCEEDED.equals(state)) {
            switch (op.type()) {
              case "create" -> sql.update("UPDATE service_instances SET ready = true, updated_at = now() WHERE id = ?", id);
              case "update" ->
                  sql.update(
                      "UPDATE service_instances SET previous_values = NULL, usable = true, updated_at = now() WHERE id = ?", id);
              default -> delete(id);
            }
            operations.finish(op.id(), SUCCEEDED, description, null);
          } else if (FAILED.equals(state)) {
            switch (op.type()) {
              case "create" -> delete(id);
              case "update" -> rollBack(id, e.instanceUsable());
              default -> sql.update("UPDATE service_instances SET usable = ?, updated_at = now() WHERE id = ?", e.instanceUsable(), id);
            }
            operations.finish(op.id(), FAILED, description, e.errors());
          } else if (IN_PROGRESS.equals(state)) {
            operations.stillRunning(op.id(), null, description);
          }
          return null;
        });
  }

  private void rollBack(String id, boolean usable) {
    sql.update(
        "UPDATE service_instances SET service_plan_id = previous_values->>'service_plan_id',"
            + " context = previous_values->'context', dashboard_url = previous_values->>'dashboard_url',"
            + " maintenance_info = NULLIF(previous_values->'maintenance_info', 'null'::jsonb), previous_values = NULL"
            + " WHERE id = ? AND previous_values IS NOT NULL",
        id);
    sql.update("UPDATE service_instances SET usable = ?, updated_at = now() WHERE id = ?", usable, id);
  }

  private boolean lock(String id) {
    return sql.queryOne("SELECT id FROM service_instances WHERE id = ? FOR UPDATE", List.of(id), rs -> rs.getString(1))
        .isPresent();
  }

  /**
   * The common case, a new instance, in one statement (one round trip, one commit): the instance and
   * its operation, {@code succeeded} for 200/201 and {@code in progress} with the broker's operation
   * for 202. False when the id is already stored; the caller then takes the general path.
   */
  private boolean insertedNew(Exchange e, int status) {
    boolean finished = status != 202;
    List<Object> params = new ArrayList<>(instanceValues(e, finished));
    params.addAll(
        Arrays.asList(
            UUID.randomUUID().toString(),
            finished ? SUCCEEDED : IN_PROGRESS,
            INSTANCES,
            e.call().platformId(),
            e.call().requestIdentity(),
            finished ? null : e.replyString("operation")));
    return writes.update(
            "WITH i AS (" + INSERT_INSTANCE + " ON CONFLICT (id) DO NOTHING RETURNING id)"
                + " INSERT INTO operations (id, type, state, resource_id, resource_type, platform_id, correlation_id,"
                + " external_id, step, next_attempt_at, created_at, updated_at)"
                + " SELECT ?, 'create', ?, i.id, ?, ?, ?, ?, 'tracked', NULL, now(), now() FROM i",
            params.toArray())
        == 1;
  }

  private static String name(Exchange e) {
    return e.context() != null && e.context().get("instance_name") instanceof String n && !n.isBlank()
        ? n
        : e.call().instanceId();
  }

  private static final String INSERT_INSTANCE =
      "INSERT INTO service_instances (id, name, service_plan_id, platform_id, context, dashboard_url,"
          + " maintenance_info, usable, ready, created_at, updated_at)"
          + " VALUES (?, ?, ?, ?, ?::jsonb, ?, ?::jsonb, true, ?, now(), now())";

  private void insert(Exchange e, boolean ready) {
    sql.update(INSERT_INSTANCE, instanceValues(e, ready));
  }

  /** The parameters of {@link #INSERT_INSTANCE}: what the platform's request and the broker's answer say. */
  private List<Object> instanceValues(Exchange e, boolean ready) {
    return Arrays.asList(
        e.call().instanceId(),
        name(e),
        e.planId(),
        e.call().platformId(),
        json.write(e.context() == null ? Map.of() : e.context()),
        e.replyString("dashboard_url"),
        e.requestValue("maintenance_info") == null ? null : json.write(e.requestValue("maintenance_info")),
        ready);
  }

  // Bindings first: they reference the instance (ON DELETE RESTRICT), and OSB deletes them with it.
  private void delete(String id) {
    sql.update("DELETE FROM service_bindings WHERE service_instance_id = ?", id);
    sql.update("DELETE FROM service_instances WHERE id = ?", id);
  }
}

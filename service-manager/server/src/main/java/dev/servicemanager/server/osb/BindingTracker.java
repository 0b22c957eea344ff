package dev.servicemanager.server.osb;

import static dev.servicemanager.server.osb.OperationLog.BINDINGS;
import static dev.servicemanager.server.osb.OperationLog.FAILED;
import static dev.servicemanager.server.osb.OperationLog.IN_PROGRESS;
import static dev.servicemanager.server.osb.OperationLog.SUCCEEDED;

import dev.servicemanager.server.crypto.Encryptor;
import dev.servicemanager.server.store.Json;
import dev.servicemanager.server.store.Sql;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Mirrors bindings created and deleted through the OSB endpoint, like {@link InstanceTracker}.
 * A binding is kept only for an instance SM tracks (the row references it). Credentials are stored
 * encrypted with the binding id as associated data, the same string the REST API decrypts with.
 */
@Singleton
class BindingTracker {
  private final Sql sql;
  private final Json json;
  private final Encryptor encryptor;
  private final OperationLog operations;
  private final TrackingWrites writes;

  BindingTracker(Sql sql, Json json, Encryptor encryptor, OperationLog operations, TrackingWrites writes) {
    this.sql = sql;
    this.json = json;
    this.encryptor = encryptor;
    this.operations = operations;
    this.writes = writes;
  }

  /**
   * OSB section 5: a bind answered 201/202 with a malformed body failed, and the binding may exist
   * at the broker. For an instance SM tracks, its operations engine unbinds it (no binding row is
   * kept: nothing usable was created). The shared-instance path is left to the platform.
   */
  private void mitigate(Exchange e) {
    String id = e.call().bindingId();
    writes.write(
        s -> {
          Optional<String> plan =
              sql.queryOne(
                  "SELECT service_plan_id FROM service_instances WHERE id = ? AND referenced_instance_id IS NULL",
                  List.of(e.call().instanceId()),
                  rs -> rs.getString(1));
          if (plan.isEmpty() || lock(id)) {
            return null;
          }
          Map<String, Object> errors = Map.of(
              "error", "BrokerError",
              "description", "the broker answered " + e.status() + " with a body that is not a JSON object;"
                  + " orphan mitigation unbinds the binding");
          operations.scheduleMitigation(id, BINDINGS, e.call(),
              Map.of("plan_id", plan.get(), "broker_instance_id", e.call().instanceId()), errors);
          return null;
        });
  }

  static String credentialsContext(String bindingId) {
    return "binding-credentials:" + bindingId;
  }

  void bound(Exchange e) {
    int status = e.status();
    if (e.reply() == null && (status == 201 || status == 202)) {
      mitigate(e);
      return;
    }
    if (e.reply() == null || (status != 200 && status != 201 && status != 202)) {
      return;
    }
    String id = e.call().bindingId();
    writes.write(
        s -> {
          Optional<String> instanceContext =
              sql.queryOne(
                  "SELECT context::text FROM service_instances WHERE id = ? FOR UPDATE",
                  List.of(e.call().instanceId()),
                  rs -> rs.getString(1));
          if (instanceContext.isEmpty()) {
            return null; // the instance is not tracked, so neither is the binding
          }
          boolean exists = lock(id);
          Optional<OperationLog.Pending> pending = operations.pending(id, BINDINGS);
          if (status == 202) {
            if (!exists) {
              insert(e, instanceContext.get(), false);
            }
            if (pending.isPresent() && pending.get().type().equals("create")) {
              operations.stillRunning(pending.get().id(), e.replyString("operation"), null);
            } else {
              operations.record("create", IN_PROGRESS, id, BINDINGS, e.call(), e.replyString("operation"), null, null);
            }
          } else if (status == 201 || !exists) {
            if (exists) {
              sql.update("UPDATE service_bindings SET ready = true, updated_at = now() WHERE id = ?", id);
              storeCredentials(id, e);
            } else {
              insert(e, instanceContext.get(), true);
            }
            if (pending.isPresent() && pending.get().type().equals("create")) {
              operations.finish(pending.get().id(), SUCCEEDED, null, null);
            } else {
              operations.record("create", SUCCEEDED, id, BINDINGS, e.call(), null, null, null);
            }
          }
          return null;
        });
  }

  void unbound(Exchange e) {
    int status = e.status();
    String id = e.call().bindingId();
    writes.write(
        s -> {
          if (!lock(id)) {
            return null;
          }
          Optional<OperationLog.Pending> pending = operations.pending(id, BINDINGS);
          if (status == 410 || (status == 200 && e.reply() != null)) {
            sql.update("DELETE FROM service_bindings WHERE id = ?", id);
            if (pending.isPresent() && pending.get().type().equals("delete")) {
              operations.finish(pending.get().id(), SUCCEEDED, null, null);
            } else {
              operations.finishAll(id, BINDINGS, FAILED);
              operations.record("delete", SUCCEEDED, id, BINDINGS, e.call(), null, null, null);
            }
          } else if (status == 202 && e.reply() != null) {
            if (pending.isPresent() && pending.get().type().equals("delete")) {
              operations.stillRunning(pending.get().id(), e.replyString("operation"), null);
            } else {
              operations.record("delete", IN_PROGRESS, id, BINDINGS, e.call(), e.replyString("operation"), null, null);
            }
          }
          return null;
        });
  }

  void polled(Exchange e) {
    String id = e.call().bindingId();
    writes.write(
        s -> {
          if (!lock(id)) {
            return null;
          }
          Optional<OperationLog.Pending> found = operations.pending(id, BINDINGS);
          if (found.isEmpty()) {
            return null;
          }
          OperationLog.Pending op = found.get();
          String state = e.status() == 200 ? e.replyString("state") : null;
          if (e.status() == 410 && op.type().equals("delete")) {
            state = SUCCEEDED;
          }
          String description = e.replyString("description");
          boolean creating = op.type().equals("create");
          if (SUCCEEDED.equals(state)) {
            if (creating) {
              sql.update("UPDATE service_bindings SET ready = true, updated_at = now() WHERE id = ?", id);
            } else {
              sql.update("DELETE FROM service_bindings WHERE id = ?", id);
            }
            operations.finish(op.id(), SUCCEEDED, description, null);
          } else if (FAILED.equals(state)) {
            if (creating) {
              sql.update("DELETE FROM service_bindings WHERE id = ?", id);
            }
            operations.finish(op.id(), FAILED, description, e.errors());
          } else if (IN_PROGRESS.equals(state)) {
            operations.stillRunning(op.id(), null, description);
          }
          return null;
        });
  }

  /** An async binding's credentials arrive with the first fetch (OSB 3.7); keep them when they do. */
  void fetched(Exchange e) {
    if (e.status() != 200 || e.reply() == null || e.reply().get("credentials") == null) {
      return;
    }
    writes.write(
        s -> {
          if (lock(e.call().bindingId())) {
            storeCredentials(e.call().bindingId(), e);
          }
          return null;
        });
  }

  private boolean lock(String id) {
    return sql.queryOne("SELECT id FROM service_bindings WHERE id = ? FOR UPDATE", List.of(id), rs -> rs.getString(1))
        .isPresent();
  }

  private void insert(Exchange e, String instanceContext, boolean ready) {
    String id = e.call().bindingId();
    // A binding's context defaults to its instance's (reference 3.4).
    String context = e.context() == null ? instanceContext : json.write(e.context());
    sql.update(
        "INSERT INTO service_bindings (id, name, service_instance_id, credentials_encrypted, context,"
            + " syslog_drain_url, route_service_url, volume_mounts, endpoints, bind_resource, ready,"
            + " created_at, updated_at) VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?, now(), now())",
        id,
        id,
        e.call().instanceId(),
        credentials(id, e),
        context,
        e.replyString("syslog_drain_url"),
        e.replyString("route_service_url"),
        jsonOrNull(e.reply().get("volume_mounts")),
        jsonOrNull(e.reply().get("endpoints")),
        jsonOrNull(e.requestValue("bind_resource")),
        ready);
  }

  private void storeCredentials(String id, Exchange e) {
    String encrypted = credentials(id, e);
    if (encrypted != null) {
      sql.update(
          "UPDATE service_bindings SET credentials_encrypted = ?, updated_at = now() WHERE id = ?", encrypted, id);
    }
  }

  private String credentials(String id, Exchange e) {
    Object credentials = e.reply().get("credentials");
    return credentials == null ? null : encryptor.encrypt(json.write(credentials), credentialsContext(id));
  }

  private String jsonOrNull(Object value) {
    return value == null ? null : json.write(value);
  }
}

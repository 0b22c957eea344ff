package dev.servicemanager.compass.director;

import dev.servicemanager.compass.CompassAccess;
import dev.servicemanager.compass.CompassException;
import dev.servicemanager.compass.Db;
import dev.servicemanager.compass.Json;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Webhooks of applications and runtimes, and the outbox of their calls: a scenario change writes one
 * {@code compass_webhook_deliveries} row per webhook to call in the transaction of the change, and
 * {@link WebhookDispatcher} delivers them later.
 */
@Singleton
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
final class WebhookStore {
  static final String CONFIGURATION_CHANGED = "CONFIGURATION_CHANGED";
  /** Deliveries kept in memory per webhook when objects are read (newest first). */
  static final int DELIVERIES_SHOWN = 20;
  private static final String COLUMNS = "w.id, w.application_id, w.runtime_id, w.type, w.url, w.created_at";
  private final Json json;

  WebhookStore(Json json) {
    this.json = json;
  }

  /** A webhook for the (locked) application or runtime; exactly one of the two ids is given. */
  Model.Webhook add(Db.Tx tx, String tenant, String applicationId, String runtimeId, Map<String, Object> in)
      throws SQLException {
    String url = Inputs.url(in, "url", true);
    String id = UUID.randomUUID().toString();
    tx.update("INSERT INTO compass_webhooks (id, tenant, application_id, runtime_id, type, url, created_at)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?)", id, tenant, applicationId, runtimeId, in.get("type"), url, ApplicationStore.now());
    return get(tx, tenant, id);
  }

  Model.Webhook update(Db.Tx tx, String tenant, String id, Map<String, Object> in) throws SQLException {
    lock(tx, tenant, id);
    String url = Inputs.url(in, "url", true);
    tx.update("UPDATE compass_webhooks SET type = ?, url = ? WHERE id = ? AND tenant = ?", in.get("type"), url, id, tenant);
    return get(tx, tenant, id);
  }

  /** Deletes the webhook and its deliveries (pending ones are not made). */
  Model.Webhook delete(Db.Tx tx, String tenant, String id) throws SQLException {
    lock(tx, tenant, id);
    Model.Webhook old = get(tx, tenant, id);
    tx.update("DELETE FROM compass_webhooks WHERE id = ? AND tenant = ?", id, tenant);
    return old;
  }

  private void lock(Db.Tx tx, String tenant, String id) throws SQLException {
    if (tx.queryOne("SELECT id FROM compass_webhooks WHERE id = ? AND tenant = ? FOR UPDATE", List.of(id, tenant),
        rs -> rs.getString(1)).isEmpty()) {
      throw CompassException.notFound("webhook", id);
    }
  }

  Model.Webhook get(Db.Tx tx, String tenant, String id) throws SQLException {
    List<Model.Webhook> found = withDeliveries(tx,
        tx.query("SELECT " + COLUMNS + " FROM compass_webhooks w WHERE w.id = ? AND w.tenant = ?", List.of(id, tenant),
            WebhookStore::row));
    return found.stream().findFirst().orElseThrow(() -> CompassException.notFound("webhook", id));
  }

  /** The webhooks of these applications ({@code application_id}) or runtimes ({@code runtime_id}). */
  Map<String, List<Model.Webhook>> load(Db.Tx tx, String ownerColumn, List<String> ownerIds) throws SQLException {
    if (!ownerColumn.equals("application_id") && !ownerColumn.equals("runtime_id")) {
      throw new IllegalArgumentException(ownerColumn);
    }
    Map<String, List<Model.Webhook>> byOwner = new HashMap<>();
    if (ownerIds.isEmpty()) {
      return byOwner;
    }
    List<Model.Webhook> hooks = withDeliveries(tx, tx.query(
        "SELECT " + COLUMNS + " FROM compass_webhooks w WHERE w." + ownerColumn + " = ANY(?) ORDER BY w.position",
        List.of((Object) ownerIds.toArray(String[]::new)), WebhookStore::row));
    for (Model.Webhook hook : hooks) {
      String owner = ownerColumn.equals("application_id") ? hook.applicationID() : hook.runtimeID();
      byOwner.computeIfAbsent(owner, k -> new ArrayList<>()).add(hook);
    }
    return byOwner;
  }

  private List<Model.Webhook> withDeliveries(Db.Tx tx, List<Model.Webhook> hooks) throws SQLException {
    if (hooks.isEmpty()) {
      return hooks;
    }
    Map<String, List<Model.WebhookDelivery>> byHook = new HashMap<>();
    tx.query(
        "SELECT id, webhook_id, status, attempts, last_status_code, last_error, created_at, last_attempt_at,"
            + " next_attempt_at, delivered_at, payload::text FROM (SELECT d.*, row_number() OVER"
            + " (PARTITION BY d.webhook_id ORDER BY d.position DESC) AS rn FROM compass_webhook_deliveries d"
            + " WHERE d.webhook_id = ANY(?)) x WHERE rn <= ? ORDER BY position DESC",
        List.of(hooks.stream().map(Model.Webhook::id).toArray(String[]::new), DELIVERIES_SHOWN),
        rs -> byHook.computeIfAbsent(rs.getString(2), k -> new ArrayList<>()).add(delivery(rs)));
    return hooks.stream().map(h -> new Model.Webhook(h.id(), h.applicationID(), h.runtimeID(), h.type(), h.url(),
        h.createdAt(), byHook.getOrDefault(h.id(), List.of()))).toList();
  }

  private static Model.Webhook row(ResultSet rs) throws SQLException {
    return new Model.Webhook(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
        Db.instant(rs, "created_at"), List.of());
  }

  private static Model.WebhookDelivery delivery(ResultSet rs) throws SQLException {
    int code = rs.getInt(5);
    Integer lastStatusCode = rs.wasNull() ? null : code;
    return new Model.WebhookDelivery(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4), lastStatusCode,
        rs.getString(6), Db.instant(rs, "created_at"), Db.instant(rs, "last_attempt_at"),
        Db.instant(rs, "next_attempt_at"), Db.instant(rs, "delivered_at"), rs.getString(11));
  }

  // ---------------------------------------------------------------------------- scenario changes

  /**
   * Serialises scenario changes of a tenant (an advisory lock held until the transaction ends), so
   * that an application and a runtime changing at the same time still see each other's committed
   * scenarios and no change of their shared scenarios goes unnoticed. Taken before the old state is read.
   */
  void lockScenarios(Db.Tx tx, String tenant) throws SQLException {
    tx.query("SELECT pg_advisory_xact_lock(hashtext(?))", List.of("compass-scenarios:" + tenant), rs -> 1);
  }

  /** The runtime's scenarios went from {@code before} to {@code after}: tell the applications concerned. */
  void runtimeScenariosChanged(Db.Tx tx, String tenant, String runtimeId, String runtimeName, List<String> before,
      List<String> after) throws SQLException {
    if (Set.copyOf(before).equals(Set.copyOf(after))) {
      return;
    }
    record App(String id, String name, List<String> scenarios) {}
    List<App> apps = tx.query(
        "SELECT a.id, a.name, l.value::text FROM compass_applications a LEFT JOIN compass_labels l"
            + " ON l.object_type = 'APPLICATION' AND l.object_id = a.id AND l.key = 'scenarios'"
            + " WHERE a.tenant = ? AND EXISTS (SELECT 1 FROM compass_webhooks w WHERE w.application_id = a.id"
            + " AND w.type = ?) ORDER BY a.paging_sequence",
        List.of(tenant, CONFIGURATION_CHANGED), rs -> new App(rs.getString(1), rs.getString(2), scenarios(rs.getString(3))));
    for (App app : apps) {
      enqueue(tx, tenant, app.id(), app.name(), runtimeId, runtimeName, app.scenarios(), before, after);
    }
  }

  /** The application's scenarios went from {@code before} to {@code after}: tell it about the runtimes concerned. */
  void applicationScenariosChanged(Db.Tx tx, String tenant, String appId, String appName, List<String> before,
      List<String> after) throws SQLException {
    if (Set.copyOf(before).equals(Set.copyOf(after))
        || tx.count("SELECT count(*) FROM compass_webhooks WHERE application_id = ? AND type = ?",
            List.of(appId, CONFIGURATION_CHANGED)) == 0) {
      return;
    }
    record Rt(String id, String name, List<String> scenarios) {}
    List<Rt> runtimes = tx.query(
        "SELECT r.id, r.name, l.value::text FROM compass_runtimes r JOIN compass_labels l"
            + " ON l.object_type = 'RUNTIME' AND l.object_id = r.id AND l.key = 'scenarios'"
            + " WHERE r.tenant = ? ORDER BY r.paging_sequence",
        List.of(tenant), rs -> new Rt(rs.getString(1), rs.getString(2), scenarios(rs.getString(3))));
    for (Rt runtime : runtimes) {
      // here the application's side changed: the runtime's scenarios are the fixed set
      enqueue(tx, tenant, appId, appName, runtime.id(), runtime.name(), runtime.scenarios(), before, after);
    }
  }

  /**
   * One delivery per CONFIGURATION_CHANGED webhook of the application when the scenarios shared by
   * the application and the runtime change: {@code fixed} are the scenarios of the side that did not
   * change, {@code before}/{@code after} those of the side that did.
   */
  private void enqueue(Db.Tx tx, String tenant, String appId, String appName, String runtimeId, String runtimeName,
      List<String> fixed, List<String> before, List<String> after) throws SQLException {
    Set<String> sharedBefore = new LinkedHashSet<>(before);
    sharedBefore.retainAll(fixed);
    Set<String> sharedAfter = new LinkedHashSet<>(after);
    sharedAfter.retainAll(fixed);
    if (sharedBefore.equals(sharedAfter)) {
      return;
    }
    List<String> joined = sharedAfter.stream().filter(s -> !sharedBefore.contains(s)).toList();
    List<String> left = sharedBefore.stream().filter(s -> !sharedAfter.contains(s)).toList();
    Instant now = ApplicationStore.now();
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("eventType", CONFIGURATION_CHANGED);
    payload.put("eventId", UUID.randomUUID().toString());
    payload.put("tenant", tenant);
    payload.put("application", Map.of("id", appId, "name", appName));
    payload.put("runtime", Map.of("id", runtimeId, "name", runtimeName));
    payload.put("change", sharedBefore.isEmpty() ? "RUNTIME_JOINED" : sharedAfter.isEmpty() ? "RUNTIME_LEFT" : "SCENARIOS_CHANGED");
    payload.put("scenariosJoined", joined);
    payload.put("scenariosLeft", left);
    payload.put("sharedScenarios", List.copyOf(sharedAfter));
    payload.put("timestamp", now.toString());
    String body = json.write(payload);
    List<String> hooks = tx.query("SELECT id FROM compass_webhooks WHERE application_id = ? AND type = ? ORDER BY position",
        List.of(appId, CONFIGURATION_CHANGED), rs -> rs.getString(1));
    for (String hook : hooks) {
      tx.update(
          "INSERT INTO compass_webhook_deliveries (id, webhook_id, payload, status, next_attempt_at, created_at)"
              + " VALUES (?, ?, ?::jsonb, 'PENDING', ?, ?)",
          UUID.randomUUID().toString(), hook, body, now, now);
    }
  }

  @SuppressWarnings("unchecked")
  private List<String> scenarios(String labelValue) {
    return json.read(labelValue) instanceof List<?> list ? (List<String>) list : List.of();
  }
}

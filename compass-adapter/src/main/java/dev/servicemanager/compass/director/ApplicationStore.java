package dev.servicemanager.compass.director;

import dev.servicemanager.compass.CompassAccess;
import dev.servicemanager.compass.CompassException;
import dev.servicemanager.compass.Db;
import dev.servicemanager.compass.director.LabelStore.ObjectType;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Applications of a tenant: every statement filters on the tenant, so others' are "not found". */
@Singleton
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
final class ApplicationStore {
  private static final String COLUMNS =
      "a.id, a.name, a.provider_name, a.description, a.base_url, a.health_check_url, a.status_condition,"
          + " a.status_timestamp, a.created_at, a.updated_at, a.status_message";
  private final LabelStore labels;
  private final BundleStore bundles;
  private final WebhookStore webhooks;

  ApplicationStore(LabelStore labels, BundleStore bundles, WebhookStore webhooks) {
    this.labels = labels;
    this.webhooks = webhooks;
    this.bundles = bundles;
  }

  private record Row(String id, String name, String providerName, String description, String baseUrl,
      String healthCheckUrl, Model.Status status, Instant createdAt, Instant updatedAt) {}

  Model.Application register(Db.Tx tx, String tenant, Map<String, Object> in) throws SQLException {
    String name = Inputs.name(in.get("name"));
    Map<String, Object> labelValues = new LinkedHashMap<>(Inputs.labels(in.get("labels")));
    labelValues.putIfAbsent(LabelStore.SCENARIOS, List.of(LabelStore.DEFAULT_SCENARIO));
    String id = UUID.randomUUID().toString();
    Instant now = now();
    tx.update(
        "INSERT INTO compass_applications (id, tenant, name, description, provider_name, base_url, health_check_url,"
            + " status_condition, status_timestamp, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        id, tenant, name, Inputs.text(in, "description", 4096, false), Inputs.text(in, "providerName", 256, false),
        Inputs.url(in, "baseUrl", false), Inputs.url(in, "healthCheckURL", false),
        in.get("statusCondition") == null ? "INITIAL" : in.get("statusCondition"), now, now, now);
    labels.setAll(tx, tenant, ObjectType.APPLICATION, id, labelValues);
    for (Map<String, Object> bundle : Inputs.list(in.get("bundles"))) {
      bundles.insert(tx, id, bundle);
    }
    return get(tx, tenant, id);
  }

  Model.Application update(Db.Tx tx, String tenant, String id, Map<String, Object> in) throws SQLException {
    lock(tx, tenant, id);
    Instant now = now();
    String description = Inputs.text(in, "description", 4096, false);
    String providerName = Inputs.text(in, "providerName", 256, false);
    String baseUrl = Inputs.url(in, "baseUrl", false);
    String healthCheckUrl = Inputs.url(in, "healthCheckURL", false);
    tx.update(
        "UPDATE compass_applications SET description = ?, provider_name = ?, base_url = ?,"
            + " status_condition = COALESCE(?::varchar, status_condition),"
            + " status_timestamp = CASE WHEN ?::varchar IS NULL THEN status_timestamp ELSE ? END,"
            + " status_message = CASE WHEN ?::varchar IS NULL THEN status_message ELSE NULL END,"
            // a changed healthCheckURL is due for a check at once
            + " next_health_check_at = CASE WHEN health_check_url IS DISTINCT FROM ?::varchar THEN NULL"
            + " ELSE next_health_check_at END, health_check_url = ?, updated_at = ?"
            + " WHERE id = ? AND tenant = ?",
        description, providerName, baseUrl, in.get("statusCondition"), in.get("statusCondition"), now, in.get("statusCondition"),
        healthCheckUrl, healthCheckUrl, now, id, tenant);
    return get(tx, tenant, id);
  }

  /** Locks the application of this tenant, or fails with not found. */
  void lock(Db.Tx tx, String tenant, String id) throws SQLException {
    if (tx.queryOne("SELECT id FROM compass_applications WHERE id = ? AND tenant = ? FOR UPDATE",
        List.of(id, tenant), rs -> rs.getString(1)).isEmpty()) {
      throw CompassException.notFound("application", id);
    }
  }

  Model.Application delete(Db.Tx tx, String tenant, String id) throws SQLException {
    lock(tx, tenant, id);
    Model.Application old = get(tx, tenant, id);
    labels.deleteAll(tx, ObjectType.APPLICATION, id);
    tx.update("DELETE FROM compass_one_time_tokens WHERE object_type = ? AND object_id = ?", ObjectType.APPLICATION.name(), id);
    tx.update("DELETE FROM compass_applications WHERE id = ? AND tenant = ?", id, tenant);
    return old;
  }

  Model.Application get(Db.Tx tx, String tenant, String id) throws SQLException {
    return find(tx, tenant, id).orElseThrow(() -> CompassException.notFound("application", id));
  }

  java.util.Optional<Model.Application> find(Db.Tx tx, String tenant, String id) throws SQLException {
    List<Model.Application> found =
        materialise(tx, tx.query("SELECT " + COLUMNS + " FROM compass_applications a WHERE a.id = ? AND a.tenant = ?",
            List.of(id, tenant), ApplicationStore::row));
    return found.stream().findFirst();
  }

  Model.Page<Model.Application> list(Db.Tx tx, String tenant, Object filters, Paging paging) throws SQLException {
    LabelStore.Condition condition = labels.filter(ObjectType.APPLICATION, "a", filters);
    return page(tx, tenant, condition, paging);
  }

  /** Applications sharing at least one scenario with the runtime. */
  Model.Page<Model.Application> forScenarios(Db.Tx tx, String tenant, List<String> scenarios, Paging paging)
      throws SQLException {
    LabelStore.Condition condition =
        new LabelStore.Condition(
            "EXISTS (SELECT 1 FROM compass_labels sl, jsonb_array_elements_text(sl.value) s WHERE"
                + " sl.object_type = 'APPLICATION' AND sl.object_id = a.id AND sl.key = 'scenarios'"
                + " AND jsonb_typeof(sl.value) = 'array' AND s = ANY(?))",
            List.of((Object) scenarios.toArray(String[]::new)));
    return page(tx, tenant, condition, paging);
  }

  private Model.Page<Model.Application> page(Db.Tx tx, String tenant, LabelStore.Condition condition, Paging paging)
      throws SQLException {
    List<Object> params = new ArrayList<>();
    params.add(tenant);
    params.addAll(condition.params());
    String where = " FROM compass_applications a WHERE a.tenant = ? AND " + condition.sql();
    long total = tx.count("SELECT count(*)" + where, params);
    List<Object> pageParams = new ArrayList<>(params);
    pageParams.add(paging.first());
    pageParams.add(paging.offset());
    List<Row> rows =
        tx.query("SELECT " + COLUMNS + where + " ORDER BY a.paging_sequence LIMIT ? OFFSET ?", pageParams,
            ApplicationStore::row);
    return paging.page(materialise(tx, rows), total);
  }

  private static Row row(java.sql.ResultSet rs) throws SQLException {
    return new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
        rs.getString(6), new Model.Status(rs.getString(7), Db.instant(rs, "status_timestamp"), rs.getString(11)),
        Db.instant(rs, "created_at"), Db.instant(rs, "updated_at"));
  }

  private List<Model.Application> materialise(Db.Tx tx, List<Row> rows) throws SQLException {
    List<String> ids = rows.stream().map(Row::id).toList();
    Map<String, Map<String, Object>> labelsById = labels.load(tx, ObjectType.APPLICATION, ids);
    Map<String, List<Model.Bundle>> bundlesById = bundles.load(tx, ids);
    Map<String, List<Model.Webhook>> hooks = webhooks.load(tx, "application_id", ids);
    List<Model.Application> result = new ArrayList<>();
    for (Row r : rows) {
      result.add(new Model.Application(r.id(), r.name(), r.providerName(), r.description(), r.baseUrl(),
          r.healthCheckUrl(), r.status(), labelsById.getOrDefault(r.id(), Map.of()),
          bundlesById.getOrDefault(r.id(), List.of()), r.createdAt(), r.updatedAt(),
          hooks.getOrDefault(r.id(), List.of())));
    }
    return result;
  }

  static Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.MICROS);
  }
}

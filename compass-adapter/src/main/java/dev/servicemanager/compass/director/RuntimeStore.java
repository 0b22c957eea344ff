package dev.servicemanager.compass.director;

import dev.servicemanager.compass.CompassAccess;
import dev.servicemanager.compass.CompassException;
import dev.servicemanager.compass.Db;
import dev.servicemanager.compass.director.LabelStore.ObjectType;
import dev.servicemanager.spi.platforms.PlatformRegistry;
import dev.servicemanager.spi.platforms.RegisteredPlatform;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Runtimes of a tenant. Each runtime is a Service Manager platform: registering one registers the
 * platform (type from the {@code runtimeType} label, default {@code kubernetes}) in the same
 * transaction, and unregistering removes it.
 */
@Singleton
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
final class RuntimeStore {
  static final String RUNTIME_TYPE = "runtimeType";
  static final String DEFAULT_TYPE = "kubernetes";
  private static final String COLUMNS =
      "r.id, r.name, r.description, r.status_condition, r.status_timestamp, r.created_at, r.platform_id";
  private final LabelStore labels;
  private final PlatformRegistry platforms;
  private final WebhookStore webhooks;

  RuntimeStore(LabelStore labels, PlatformRegistry platforms, WebhookStore webhooks) {
    this.labels = labels;
    this.webhooks = webhooks;
    this.platforms = platforms;
  }

  Model.Runtime register(Db.Tx tx, String tenant, Map<String, Object> in) throws SQLException {
    String name = Inputs.name(in.get("name"));
    String description = Inputs.text(in, "description", 4096, false);
    Map<String, Object> labelValues = Inputs.labels(in.get("labels"));
    String type = platformType(labelValues.get(RUNTIME_TYPE));
    if (tx.queryOne("SELECT 1 FROM compass_runtimes WHERE tenant = ? AND name = ?", List.of(tenant, name), rs -> 1)
        .isPresent()) {
      throw CompassException.invalid("a runtime named '" + name + "' already exists");
    }
    String id = UUID.randomUUID().toString();
    RegisteredPlatform platform =
        platforms.register("compass-" + id, type, "Compass runtime '" + name + "' of tenant " + tenant);
    Instant now = ApplicationStore.now();
    tx.update(
        "INSERT INTO compass_runtimes (id, tenant, name, description, status_condition, status_timestamp,"
            + " platform_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        id, tenant, name, description, in.get("statusCondition") == null ? "INITIAL" : in.get("statusCondition"),
        now, platform.id(), now);
    labels.setAll(tx, tenant, ObjectType.RUNTIME, id, labelValues);
    return get(tx, tenant, id);
  }

  private static String platformType(Object label) {
    if (label == null) {
      return DEFAULT_TYPE;
    }
    Object value = label instanceof List<?> list && list.size() == 1 ? list.get(0) : label;
    if (value instanceof String type && type.matches("^[a-zA-Z0-9._-]{1,255}$")) {
      return type;
    }
    throw CompassException.invalid("label 'runtimeType' must be one platform type such as \"kubernetes\"");
  }

  Model.Runtime update(Db.Tx tx, String tenant, String id, Map<String, Object> in) throws SQLException {
    Model.Runtime old = lock(tx, tenant, id);
    String name = Inputs.name(in.get("name"));
    String description = Inputs.text(in, "description", 4096, false);
    if (in.get("labels") != null) {
      Map<String, Object> labelValues = Inputs.labels(in.get("labels"));
      if (!java.util.Objects.equals(labelValues.get(RUNTIME_TYPE), old.labels().get(RUNTIME_TYPE))) {
        throw CompassException.invalid("label 'runtimeType' cannot change: it is the type of the runtime's platform");
      }
      labels.deleteAll(tx, ObjectType.RUNTIME, id);
      labels.setAll(tx, tenant, ObjectType.RUNTIME, id, labelValues);
    }
    Object condition = in.get("statusCondition");
    tx.update(
        "UPDATE compass_runtimes SET name = ?, description = ?, status_condition = COALESCE(?::varchar, status_condition),"
            + " status_timestamp = CASE WHEN ?::varchar IS NULL THEN status_timestamp ELSE ? END WHERE id = ? AND tenant = ?",
        name, description, condition, condition, ApplicationStore.now(), id, tenant);
    return get(tx, tenant, id);
  }

  Model.Runtime delete(Db.Tx tx, String tenant, String id) throws SQLException {
    Model.Runtime old = lock(tx, tenant, id);
    labels.deleteAll(tx, ObjectType.RUNTIME, id);
    tx.update("DELETE FROM compass_one_time_tokens WHERE object_type = ? AND object_id = ?", ObjectType.RUNTIME.name(), id);
    tx.update("DELETE FROM compass_runtimes WHERE id = ? AND tenant = ?", id, tenant);
    platforms.remove(old.platformID());
    return old;
  }

  Model.Runtime lock(Db.Tx tx, String tenant, String id) throws SQLException {
    if (tx.queryOne("SELECT id FROM compass_runtimes WHERE id = ? AND tenant = ? FOR UPDATE", List.of(id, tenant),
        rs -> rs.getString(1)).isEmpty()) {
      throw CompassException.notFound("runtime", id);
    }
    return get(tx, tenant, id);
  }

  Model.Runtime get(Db.Tx tx, String tenant, String id) throws SQLException {
    return find(tx, tenant, id).orElseThrow(() -> CompassException.notFound("runtime", id));
  }

  Optional<Model.Runtime> find(Db.Tx tx, String tenant, String id) throws SQLException {
    return materialise(tx, tx.query("SELECT " + COLUMNS + " FROM compass_runtimes r WHERE r.id = ? AND r.tenant = ?",
        List.of(id, tenant), RuntimeStore::row)).stream().findFirst();
  }

  Model.Page<Model.Runtime> list(Db.Tx tx, String tenant, Object filters, Paging paging) throws SQLException {
    LabelStore.Condition condition = labels.filter(ObjectType.RUNTIME, "r", filters);
    List<Object> params = new ArrayList<>();
    params.add(tenant);
    params.addAll(condition.params());
    String where = " FROM compass_runtimes r WHERE r.tenant = ? AND " + condition.sql();
    long total = tx.count("SELECT count(*)" + where, params);
    params.add(paging.first());
    params.add(paging.offset());
    return paging.page(
        materialise(tx, tx.query("SELECT " + COLUMNS + where + " ORDER BY r.paging_sequence LIMIT ? OFFSET ?", params,
            RuntimeStore::row)),
        total);
  }

  /** The runtime's scenarios (empty when it has none). */
  @SuppressWarnings("unchecked")
  List<String> scenarios(Model.Runtime runtime) {
    return runtime.labels().get(LabelStore.SCENARIOS) instanceof List<?> list ? (List<String>) list : List.of();
  }

  private static Model.Runtime row(java.sql.ResultSet rs) throws SQLException {
    return new Model.Runtime(rs.getString(1), rs.getString(2), rs.getString(3), Map.of(),
        new Model.Status(rs.getString(4), Db.instant(rs, "status_timestamp")),
        new Model.Metadata(Db.instant(rs, "created_at")), rs.getString(7), List.of());
  }

  private List<Model.Runtime> materialise(Db.Tx tx, List<Model.Runtime> rows) throws SQLException {
    List<String> ids = rows.stream().map(Model.Runtime::id).toList();
    Map<String, Map<String, Object>> byId = labels.load(tx, ObjectType.RUNTIME, ids);
    Map<String, List<Model.Webhook>> hooks = webhooks.load(tx, "runtime_id", ids);
    return rows.stream()
        .map(r -> new Model.Runtime(r.id(), r.name(), r.description(), byId.getOrDefault(r.id(), Map.of()), r.status(),
            r.metadata(), r.platformID(), hooks.getOrDefault(r.id(), List.of())))
        .toList();
  }
}

package dev.servicemanager.server.osb;

import dev.servicemanager.server.events.RegistryVersion;
import dev.servicemanager.server.registry.PlatformTypes;
import dev.servicemanager.server.store.Json;
import dev.servicemanager.server.store.Sql;
import dev.servicemanager.spi.ApiException;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The catalog a platform gets from {@code GET /v1/osb/{broker_id}/v2/catalog} (reference 3.3): built
 * from the stored offerings and plans, so the broker is not called, and narrowed to the plans the
 * caller may see: by its visibilities, or for a self-enforcing platform (Cloud Foundry, which
 * enforces org visibility itself once its agent has synced them) by plan metadata only
 * ({@link PlatformTypes}). Ids and names are the broker's catalog values, since the
 * platform forwards them back to the broker; SM's own ids travel in {@code metadata}.
 */
@Singleton
class OsbCatalog {
  private static final String VISIBLE =
      " AND p.id IN (SELECT v.service_plan_id FROM visibilities v WHERE v.platform_id = ? OR v.platform_id IS NULL)";

  // Platforms ask for the catalog on every sync; building it costs two queries and a JSON round
  // trip per plan. A rendered catalog is reused until the registry changes (RegistryVersion).
  private record Key(String brokerId, String view) {}

  private final Sql sql;
  private final Json json;
  private final TransactionOperations<Connection> tx;
  private final RegistryVersion.Cache<Key, String> rendered;

  OsbCatalog(Sql sql, Json json, TransactionOperations<Connection> tx, RegistryVersion registryVersion) {
    this.sql = sql;
    this.json = json;
    this.tx = tx;
    this.rendered = registryVersion.cache(10_000, Duration.ofSeconds(60));
  }

  /** The catalog as JSON if it is rendered and still valid, else null. */
  String cached(String brokerId, Caller caller) {
    return rendered.getIfPresent(key(brokerId, caller));
  }

  /** The catalog as JSON; 404 for an unknown broker. */
  String renderJson(String brokerId, Caller caller) {
    return rendered.get(
        key(brokerId, caller),
        key ->
            tx.executeRead(
                s -> {
                  if (sql.queryLong("SELECT count(*) FROM service_brokers WHERE id = ?", List.of(brokerId)) == 0) {
                    throw ApiException.notFound("could not find such service broker");
                  }
                  return json.write(render(brokerId, caller));
                }));
  }

  // Per platform, also for self-enforcing ones: plan metadata may name platforms.
  private static Key key(String brokerId, Caller caller) {
    return new Key(brokerId, caller.id());
  }

  /** Runs inside the caller's read transaction. */
  Map<String, Object> render(String brokerId, Caller caller) {
    Map<String, List<Map<String, Object>>> plansByOffering = new LinkedHashMap<>();
    List<Object> params = new ArrayList<>(List.of(brokerId));
    String filter = "";
    if (!caller.selfEnforcing()) {
      filter = VISIBLE;
      params.add(caller.id());
    }
    sql.query(
        "SELECT p.id, p.service_offering_id, p.catalog_id, p.catalog_name, p.description, p.free, p.bindable,"
            + " p.plan_updateable, p.metadata::text, p.schemas::text, p.maximum_polling_duration,"
            + " p.maintenance_info::text FROM service_plans p JOIN service_offerings o ON o.id = p.service_offering_id"
            + " WHERE o.broker_id = ?" + filter + " ORDER BY p.paging_sequence",
        params,
        rs -> {
          Map<String, Object> metadata = json.readMap(rs.getString(9));
          if (caller.selfEnforcing() && !PlatformTypes.planSupports(metadata, caller.name(), caller.type())) {
            return null;
          }
          Map<String, Object> plan = new LinkedHashMap<>();
          plan.put("id", rs.getString("catalog_id"));
          plan.put("name", rs.getString("catalog_name"));
          plan.put("description", rs.getString("description"));
          putIfPresent(plan, "free", Sql.nullableBoolean(rs, "free"));
          putIfPresent(plan, "bindable", Sql.nullableBoolean(rs, "bindable"));
          putIfPresent(plan, "plan_updateable", Sql.nullableBoolean(rs, "plan_updateable"));
          plan.put("metadata", withId(metadata, "sm_plan_id", rs.getString("id")));
          putIfPresent(plan, "schemas", json.readMap(rs.getString(10)));
          putIfPresent(plan, "maximum_polling_duration", Sql.nullableInt(rs, "maximum_polling_duration"));
          putIfPresent(plan, "maintenance_info", json.readMap(rs.getString(12)));
          plansByOffering.computeIfAbsent(rs.getString("service_offering_id"), k -> new ArrayList<>()).add(plan);
          return plan;
        });
    List<Map<String, Object>> services =
        sql.query(
            "SELECT id, catalog_id, catalog_name, description, bindable, plan_updateable, instances_retrievable,"
                + " bindings_retrievable, allow_context_updates, tags::text, requires::text, metadata::text"
                + " FROM service_offerings WHERE broker_id = ? ORDER BY paging_sequence",
            List.of(brokerId),
            rs -> {
              Map<String, Object> service = new LinkedHashMap<>();
              service.put("id", rs.getString("catalog_id"));
              service.put("name", rs.getString("catalog_name"));
              service.put("description", rs.getString("description"));
              service.put("bindable", rs.getBoolean("bindable"));
              service.put("plan_updateable", rs.getBoolean("plan_updateable"));
              service.put("instances_retrievable", rs.getBoolean("instances_retrievable"));
              service.put("bindings_retrievable", rs.getBoolean("bindings_retrievable"));
              service.put("allow_context_updates", rs.getBoolean("allow_context_updates"));
              service.put("tags", json.readList(rs.getString(10)));
              service.put("requires", json.readList(rs.getString(11)));
              service.put("metadata", withId(json.readMap(rs.getString(12)), "sm_offering_id", rs.getString("id")));
              service.put("plans", plansByOffering.get(rs.getString("id")));
              return service;
            });
    // OSB requires at least one plan per service: a service whose plans are all hidden disappears.
    services.removeIf(service -> service.get("plans") == null);
    return Map.of("services", services);
  }

  private static Map<String, Object> withId(Map<String, Object> metadata, String key, String id) {
    Map<String, Object> copy = metadata == null ? new LinkedHashMap<>() : new LinkedHashMap<>(metadata);
    copy.put(key, id);
    return copy;
  }

  private static void putIfPresent(Map<String, Object> target, String key, Object value) {
    if (value != null) {
      target.put(key, value);
    }
  }
}

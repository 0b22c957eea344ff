package dev.servicemanager.server.osb;

import dev.servicemanager.server.store.Json;
import dev.servicemanager.server.store.Sql;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The catalog a platform gets from {@code GET /v1/osb/{broker_id}/v2/catalog} (reference 3.3): built
 * from the stored offerings and plans, so the broker is not called, and narrowed to the plans the
 * caller may see. Cloud Foundry gets every plan because it enforces org visibility itself once its
 * agent has synced the visibilities. Ids and names are the broker's catalog values, since the
 * platform forwards them back to the broker; SM's own ids travel in {@code metadata}.
 */
@Singleton
class OsbCatalog {
  private static final String VISIBLE =
      " AND p.id IN (SELECT v.service_plan_id FROM visibilities v WHERE v.platform_id = ? OR v.platform_id IS NULL)";

  // Platforms ask for the catalog on every sync; building it costs two queries and a JSON
  // round trip per plan. A rendered catalog is reused while no change has been logged since (the
  // change log's latest revision is its version) and for at most MAX_AGE, which bounds staleness when
  // changes commit out of revision order.
  private static final Duration MAX_AGE = Duration.ofSeconds(5);
  private static final int MAX_ENTRIES = 10_000;

  private record Key(String brokerId, String view) {}

  private record Rendered(long revision, long renderedAt, String json) {}

  private final Sql sql;
  private final Json json;
  private final Map<Key, Rendered> cache = new ConcurrentHashMap<>();

  OsbCatalog(Sql sql, Json json) {
    this.sql = sql;
    this.json = json;
  }

  /** The catalog as JSON, from the cache when nothing changed. Runs inside the caller's read transaction. */
  String renderJson(String brokerId, Caller caller) {
    long revision = sql.queryLong("SELECT COALESCE(max(revision), 0) FROM changes", List.of());
    Key key = new Key(brokerId, caller.isCloudFoundry() ? "cloudfoundry" : caller.id());
    Rendered cached = cache.get(key);
    long now = System.nanoTime();
    if (cached != null && cached.revision() == revision && now - cached.renderedAt() < MAX_AGE.toNanos()) {
      return cached.json();
    }
    String body = json.write(render(brokerId, caller));
    if (cache.size() >= MAX_ENTRIES) {
      cache.clear();
    }
    cache.put(key, new Rendered(revision, now, body));
    return body;
  }

  /** Runs inside the caller's read transaction. */
  Map<String, Object> render(String brokerId, Caller caller) {
    Map<String, List<Map<String, Object>>> plansByOffering = new LinkedHashMap<>();
    List<Object> params = new ArrayList<>(List.of(brokerId));
    String filter = "";
    if (!caller.isCloudFoundry()) {
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
          Map<String, Object> plan = new LinkedHashMap<>();
          plan.put("id", rs.getString("catalog_id"));
          plan.put("name", rs.getString("catalog_name"));
          plan.put("description", rs.getString("description"));
          putIfPresent(plan, "free", Sql.nullableBoolean(rs, "free"));
          putIfPresent(plan, "bindable", Sql.nullableBoolean(rs, "bindable"));
          putIfPresent(plan, "plan_updateable", Sql.nullableBoolean(rs, "plan_updateable"));
          plan.put("metadata", withId(json.readMap(rs.getString(9)), "sm_plan_id", rs.getString("id")));
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

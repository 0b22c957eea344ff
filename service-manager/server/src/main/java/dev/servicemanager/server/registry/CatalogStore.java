package dev.servicemanager.server.registry;

import static dev.servicemanager.server.store.ResourceType.field;

import dev.servicemanager.server.query.FieldType;
import dev.servicemanager.server.query.QueryField;
import dev.servicemanager.server.store.Json;
import dev.servicemanager.server.store.ResourceType;
import dev.servicemanager.server.store.Sql;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Offerings and plans of a broker, kept in step with its catalog. Matching is by the broker's
 * catalog ids (OSB: ids never change), so the Service Manager's own ids of kept offerings and plans
 * stay the same across refreshes; new ones are added and missing ones deleted.
 */
@Singleton
final class CatalogStore {
  static final String OFFERINGS_PATH = "/v1/service_offerings";
  static final String PLANS_PATH = "/v1/service_plans";

  private final Sql sql;
  private final Json json;
  final ResourceType<ServiceOffering> offerings;
  final ResourceType<ServicePlan> plans;

  CatalogStore(Sql sql, Json json) {
    this.sql = sql;
    this.json = json;
    this.offerings =
        new ResourceType<>(
            "service offering",
            OFFERINGS_PATH,
            "service_offerings",
            "service_offering_labels",
            ResourceType.fields(
                ResourceType.field("ready", FieldType.BOOLEAN, false),
                field("name", FieldType.STRING, false),
                field("description", FieldType.STRING, false),
                field("bindable", FieldType.BOOLEAN, false),
                field("instances_retrievable", FieldType.BOOLEAN, false),
                field("bindings_retrievable", FieldType.BOOLEAN, false),
                field("plan_updateable", FieldType.BOOLEAN, false),
                field("allow_context_updates", FieldType.BOOLEAN, false),
                field("broker_id", FieldType.STRING, false),
                field("catalog_id", FieldType.STRING, false),
                field("catalog_name", FieldType.STRING, false),
                new QueryField("metadata", "t.metadata", FieldType.JSON, false)),
            rs ->
                new ServiceOffering(
                    rs.getString("id"),
                    rs.getString("name"),
                    rs.getString("description"),
                    rs.getBoolean("bindable"),
                    rs.getBoolean("instances_retrievable"),
                    rs.getBoolean("bindings_retrievable"),
                    rs.getBoolean("plan_updateable"),
                    rs.getBoolean("allow_context_updates"),
                    json.readList(rs.getString("tags")),
                    json.readList(rs.getString("requires")),
                    json.readMap(rs.getString("metadata")),
                    rs.getString("broker_id"),
                    rs.getString("catalog_id"),
                    rs.getString("catalog_name"),
                    Map.of(),
                    rs.getBoolean("ready"),
                    Sql.instant(rs, "created_at"),
                    Sql.instant(rs, "updated_at")),
            ServiceOffering::withLabels);
    this.plans =
        new ResourceType<>(
            "service plan",
            PLANS_PATH,
            "service_plans",
            "service_plan_labels",
            ResourceType.fields(
                ResourceType.field("ready", FieldType.BOOLEAN, false),
                field("name", FieldType.STRING, false),
                field("description", FieldType.STRING, false),
                field("catalog_id", FieldType.STRING, false),
                field("catalog_name", FieldType.STRING, false),
                field("free", FieldType.BOOLEAN, true),
                field("bindable", FieldType.BOOLEAN, true),
                field("plan_updateable", FieldType.BOOLEAN, true),
                field("maximum_polling_duration", FieldType.INTEGER, true),
                field("service_offering_id", FieldType.STRING, false),
                new QueryField("metadata", "t.metadata", FieldType.JSON, false)),
            rs ->
                new ServicePlan(
                    rs.getString("id"),
                    rs.getString("name"),
                    rs.getString("description"),
                    rs.getString("catalog_id"),
                    rs.getString("catalog_name"),
                    Sql.nullableBoolean(rs, "free"),
                    Sql.nullableBoolean(rs, "bindable"),
                    Sql.nullableBoolean(rs, "plan_updateable"),
                    json.readMap(rs.getString("metadata")),
                    json.readMap(rs.getString("schemas")),
                    Sql.nullableInt(rs, "maximum_polling_duration"),
                    json.readMap(rs.getString("maintenance_info")),
                    rs.getString("service_offering_id"),
                    Map.of(),
                    rs.getBoolean("ready"),
                    Sql.instant(rs, "created_at"),
                    Sql.instant(rs, "updated_at")),
            ServicePlan::withLabels);
  }

  /** Brings the broker's offerings and plans to the catalog; runs in the caller's transaction. */
  void sync(String brokerId, Catalog catalog, Instant now) {
    List<String> keptOfferings = new ArrayList<>();
    List<List<?>> planRows = new ArrayList<>();
    List<String> keptPlanOfferings = new ArrayList<>();
    List<String> keptPlanCatalogIds = new ArrayList<>();
    for (Catalog.Offering o : catalog.offerings()) {
      String offeringId =
          sql.queryOne(
                  "INSERT INTO service_offerings (id, broker_id, name, description, bindable,"
                      + " instances_retrievable, bindings_retrievable, plan_updateable, allow_context_updates,"
                      + " tags, requires, metadata, catalog_id, catalog_name, created_at, updated_at)"
                      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?, ?, ?, ?)"
                      + " ON CONFLICT (broker_id, catalog_id) DO UPDATE SET name = excluded.name,"
                      + " description = excluded.description, bindable = excluded.bindable,"
                      + " instances_retrievable = excluded.instances_retrievable,"
                      + " bindings_retrievable = excluded.bindings_retrievable,"
                      + " plan_updateable = excluded.plan_updateable,"
                      + " allow_context_updates = excluded.allow_context_updates, tags = excluded.tags,"
                      + " requires = excluded.requires, metadata = excluded.metadata,"
                      + " catalog_name = excluded.catalog_name, updated_at = excluded.updated_at"
                      + " RETURNING id",
                  List.of(
                      UUID.randomUUID().toString(), brokerId, o.name(), o.description(), o.bindable(),
                      o.instancesRetrievable(), o.bindingsRetrievable(), o.planUpdateable(),
                      o.allowContextUpdates(), json.write(o.tags()), json.write(o.requires()),
                      json.write(o.metadata()), o.catalogId(), o.name(), now, now),
                  rs -> rs.getString(1))
              .orElseThrow();
      keptOfferings.add(offeringId);
      for (Catalog.Plan p : o.plans()) {
        keptPlanOfferings.add(offeringId);
        keptPlanCatalogIds.add(p.catalogId());
        planRows.add(
            java.util.Arrays.asList(
                UUID.randomUUID().toString(), offeringId, p.name(), p.description(), p.catalogId(),
                p.name(), p.free(), p.bindable(), p.planUpdateable(), json.write(p.metadata()),
                p.schemas() == null ? null : json.write(p.schemas()), p.maximumPollingDuration(),
                p.maintenanceInfo() == null ? null : json.write(p.maintenanceInfo()), now, now));
      }
      if (catalog.hasShareablePlans(o)) {
        // The synthetic plan through which other platforms create references to shared instances.
        String referenceCatalogId = ReferencePlan.CATALOG_PREFIX + o.catalogId();
        keptPlanOfferings.add(offeringId);
        keptPlanCatalogIds.add(referenceCatalogId);
        planRows.add(
            java.util.Arrays.asList(
                UUID.randomUUID().toString(), offeringId, ReferencePlan.NAME,
                "Allows to create a reference to a shared service instance from any environment.",
                referenceCatalogId, ReferencePlan.NAME, true, true, false,
                json.write(Map.of()), null, null, null, now, now));
      }
    }
    sql.batch(
        "INSERT INTO service_plans (id, service_offering_id, name, description, catalog_id, catalog_name,"
            + " free, bindable, plan_updateable, metadata, schemas, maximum_polling_duration,"
            + " maintenance_info, created_at, updated_at)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?::jsonb, ?, ?)"
            + " ON CONFLICT (service_offering_id, catalog_id) DO UPDATE SET name = excluded.name,"
            + " description = excluded.description, catalog_name = excluded.catalog_name,"
            + " free = excluded.free, bindable = excluded.bindable,"
            + " plan_updateable = excluded.plan_updateable, metadata = excluded.metadata,"
            + " schemas = excluded.schemas, maximum_polling_duration = excluded.maximum_polling_duration,"
            + " maintenance_info = excluded.maintenance_info, updated_at = excluded.updated_at",
        planRows);
    // Plans and offerings the catalog no longer has. Instances of a removed plan block this
    // through their foreign key (409), and the whole refresh rolls back.
    sql.update(
        "DELETE FROM service_plans p USING service_offerings o WHERE p.service_offering_id = o.id"
            + " AND o.broker_id = ? AND NOT EXISTS (SELECT 1 FROM unnest(?::text[], ?::text[])"
            + " AS kept(offering_id, catalog_id)"
            + " WHERE kept.offering_id = p.service_offering_id AND kept.catalog_id = p.catalog_id)",
        brokerId,
        keptPlanOfferings.toArray(String[]::new),
        keptPlanCatalogIds.toArray(String[]::new));
    sql.update(
        "DELETE FROM service_offerings WHERE broker_id = ? AND NOT (id = ANY(?))",
        brokerId,
        keptOfferings.toArray(String[]::new));
    // Name uniqueness is checked at the end (deferred), so catalogs may swap names between plans.
    sql.update("SET CONSTRAINTS ALL IMMEDIATE");
  }
}

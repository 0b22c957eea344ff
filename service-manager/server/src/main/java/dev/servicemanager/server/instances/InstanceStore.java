package dev.servicemanager.server.instances;

import static dev.servicemanager.server.store.ResourceType.field;

import dev.servicemanager.server.query.FieldType;
import dev.servicemanager.server.registry.ReferencePlan;
import dev.servicemanager.server.store.Json;
import dev.servicemanager.server.store.ResourceType;
import dev.servicemanager.server.store.Sql;
import jakarta.inject.Singleton;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** SQL for instances and bindings, and the plan facts their broker calls need. */
@Singleton
final class InstanceStore {
  static final String INSTANCES = "/v1/service_instances";
  static final String BINDINGS = "/v1/service_bindings";
  static final String SM_PLATFORM = "service-manager";

  private final Sql sql;
  private final Json json;
  final ResourceType<ServiceInstance> instances;
  final ResourceType<ServiceBinding> bindings;

  InstanceStore(Sql sql, Json json) {
    this.sql = sql;
    this.json = json;
    this.instances =
        new ResourceType<>(
            "service instance",
            INSTANCES,
            "service_instances",
            "service_instance_labels",
            ResourceType.fields(
                field("name", FieldType.STRING, false),
                field("service_plan_id", FieldType.STRING, false),
                field("platform_id", FieldType.STRING, false),
                field("dashboard_url", FieldType.STRING, true),
                field("usable", FieldType.BOOLEAN, false),
                field("shared", FieldType.BOOLEAN, false),
                field("ready", FieldType.BOOLEAN, false)),
            this::instance,
            ServiceInstance::withLabels);
    this.bindings =
        new ResourceType<>(
            "service binding",
            BINDINGS,
            "service_bindings",
            "service_binding_labels",
            ResourceType.fields(
                field("name", FieldType.STRING, false),
                field("service_instance_id", FieldType.STRING, false),
                field("ready", FieldType.BOOLEAN, false)),
            this::binding,
            ServiceBinding::withLabels);
  }

  /** What a broker call about an instance of this plan needs. */
  record PlanTarget(
      String planId,
      String offeringId,
      boolean reference,
      boolean shareable,
      String catalogPlanId,
      String catalogServiceId,
      String brokerId,
      boolean bindable,
      boolean planUpdateable,
      boolean instancesRetrievable,
      boolean bindingsRetrievable,
      Integer maximumPollingDuration,
      boolean ready) {}

  Optional<PlanTarget> plan(String planId) {
    return sql.queryOne(
        "SELECT p.id, p.service_offering_id, p.catalog_id LIKE '" + ReferencePlan.CATALOG_PREFIX + "%' AS reference,"
            + " COALESCE(p.metadata ->> '" + ReferencePlan.SHARING_KEY + "' = 'true', false) AS shareable,"
            + " p.catalog_id AS plan_catalog_id, o.catalog_id AS service_catalog_id, o.broker_id,"
            + " COALESCE(p.bindable, o.bindable) AS bindable,"
            + " COALESCE(p.plan_updateable, o.plan_updateable) AS plan_updateable,"
            + " o.instances_retrievable, o.bindings_retrievable, p.maximum_polling_duration, p.ready AND o.ready AS ready"
            + " FROM service_plans p JOIN service_offerings o ON o.id = p.service_offering_id WHERE p.id = ?",
        List.of(planId),
        rs ->
            new PlanTarget(
                rs.getString("id"),
                rs.getString("service_offering_id"),
                rs.getBoolean("reference"),
                rs.getBoolean("shareable"),
                rs.getString("plan_catalog_id"),
                rs.getString("service_catalog_id"),
                rs.getString("broker_id"),
                rs.getBoolean("bindable"),
                rs.getBoolean("plan_updateable"),
                rs.getBoolean("instances_retrievable"),
                rs.getBoolean("bindings_retrievable"),
                Sql.nullableInt(rs, "maximum_polling_duration"),
                rs.getBoolean("ready")));
  }

  /** A plan is usable by the Service Manager as a platform when a visibility grants it, or it is public. */
  boolean visibleToServiceManager(String planId) {
    return sql.queryLong(
            "SELECT count(*) FROM visibilities WHERE service_plan_id = ? AND (platform_id IS NULL OR platform_id = ?)",
            List.of(planId, SM_PLATFORM))
        > 0;
  }

  void insertInstance(String id, String name, String planId, Map<String, Object> context, Map<String, Object> maintenanceInfo) {
    sql.update(
        "INSERT INTO service_instances (id, name, service_plan_id, platform_id, context, maintenance_info, ready,"
            + " created_at, updated_at) VALUES (?, ?, ?, ?, ?::jsonb, ?::jsonb, false, now(), now())",
        id, name, planId, SM_PLATFORM, json.write(context), maintenanceInfo == null ? null : json.write(maintenanceInfo));
  }

  /** Where broker calls about an instance go: itself, or for a reference the shared instance and its plan. */
  record BrokerView(String instanceId, String planId) {}

  BrokerView brokerView(String instanceId) {
    return sql.queryOne(
            "SELECT COALESCE(s.id, i.id), COALESCE(s.service_plan_id, i.service_plan_id) FROM service_instances i"
                + " LEFT JOIN service_instances s ON s.id = i.referenced_instance_id WHERE i.id = ?",
            List.of(instanceId),
            rs -> new BrokerView(rs.getString(1), rs.getString(2)))
        .orElseThrow();
  }

  void insertReference(String id, String name, String planId, Map<String, Object> context, String referencedId) {
    sql.update(
        "INSERT INTO service_instances (id, name, service_plan_id, platform_id, context, referenced_instance_id, ready,"
            + " created_at, updated_at) VALUES (?, ?, ?, ?, ?::jsonb, ?, true, now(), now())",
        id, name, planId, SM_PLATFORM, json.write(context), referencedId);
  }

  List<String> referencesTo(String instanceId) {
    return sql.query(
        "SELECT id FROM service_instances WHERE referenced_instance_id = ? ORDER BY paging_sequence",
        List.of(instanceId),
        rs -> rs.getString(1));
  }

  void setShared(String id, boolean shared) {
    sql.update("UPDATE service_instances SET shared = ?, updated_at = now() WHERE id = ?", shared, id);
  }

  void markInstanceReady(String id, String dashboardUrl) {
    sql.update(
        "UPDATE service_instances SET ready = true, usable = true,"
            + " dashboard_url = COALESCE(?, dashboard_url), updated_at = now() WHERE id = ?",
        dashboardUrl, id);
  }

  void setUsable(String id, boolean usable) {
    sql.update("UPDATE service_instances SET usable = ?, updated_at = now() WHERE id = ?", usable, id);
  }

  void applyUpdate(String id, String planId, String dashboardUrl) {
    sql.update(
        "UPDATE service_instances SET service_plan_id = COALESCE(?, service_plan_id),"
            + " dashboard_url = COALESCE(?, dashboard_url), usable = true, previous_values = NULL, updated_at = now()"
            + " WHERE id = ?",
        planId, dashboardUrl, id);
  }

  void rename(String table, String id, String name) {
    sql.update("UPDATE " + table + " SET name = ?, updated_at = now() WHERE id = ?", name, id);
  }

  void deleteInstance(String id) {
    sql.update("DELETE FROM service_instances WHERE id = ?", id);
  }

  int bindingCount(String instanceId) {
    return (int) sql.queryLong("SELECT count(*) FROM service_bindings WHERE service_instance_id = ?", List.of(instanceId));
  }

  List<String> bindingIds(String instanceId) {
    return sql.query(
        "SELECT id FROM service_bindings WHERE service_instance_id = ? ORDER BY paging_sequence",
        List.of(instanceId),
        rs -> rs.getString(1));
  }

  void insertBinding(String id, String name, String instanceId, Map<String, Object> context, Map<String, Object> bindResource) {
    sql.update(
        "INSERT INTO service_bindings (id, name, service_instance_id, context, bind_resource, ready, created_at, updated_at)"
            + " VALUES (?, ?, ?, ?::jsonb, ?::jsonb, false, now(), now())",
        id, name, instanceId, json.write(context), bindResource == null ? null : json.write(bindResource));
  }

  /** Stores what the broker returned for a binding; credentials arrive already encrypted. */
  void completeBinding(String id, String encryptedCredentials, Map<String, Object> answer) {
    sql.update(
        "UPDATE service_bindings SET ready = true, credentials_encrypted = ?, syslog_drain_url = ?,"
            + " route_service_url = ?, volume_mounts = ?::jsonb, endpoints = ?::jsonb, updated_at = now() WHERE id = ?",
        encryptedCredentials,
        answer.get("syslog_drain_url") instanceof String s ? s : null,
        answer.get("route_service_url") instanceof String s ? s : null,
        answer.get("volume_mounts") == null ? null : json.write(answer.get("volume_mounts")),
        answer.get("endpoints") == null ? null : json.write(answer.get("endpoints")),
        id);
  }

  Optional<String> encryptedCredentials(String bindingId) {
    return sql.queryOne(
        "SELECT credentials_encrypted FROM service_bindings WHERE id = ?", List.of(bindingId), rs -> rs.getString(1));
  }

  void deleteBinding(String id) {
    sql.update("DELETE FROM service_bindings WHERE id = ?", id);
  }

  private ServiceInstance instance(ResultSet rs) throws SQLException {
    return new ServiceInstance(
        rs.getString("id"),
        rs.getString("name"),
        rs.getString("service_plan_id"),
        rs.getString("platform_id"),
        orEmpty(json.readMap(rs.getString("context"))),
        rs.getString("dashboard_url"),
        json.readMap(rs.getString("maintenance_info")),
        rs.getBoolean("usable"),
        rs.getBoolean("shared"),
        rs.getString("referenced_instance_id"),
        Map.of(),
        rs.getBoolean("ready"),
        Sql.instant(rs, "created_at"),
        Sql.instant(rs, "updated_at"),
        null);
  }

  private ServiceBinding binding(ResultSet rs) throws SQLException {
    return new ServiceBinding(
        rs.getString("id"),
        rs.getString("name"),
        rs.getString("service_instance_id"),
        null,
        orEmpty(json.readMap(rs.getString("context"))),
        rs.getString("syslog_drain_url"),
        rs.getString("route_service_url"),
        json.readAny(rs.getString("volume_mounts")),
        json.readAny(rs.getString("endpoints")),
        json.readAny(rs.getString("bind_resource")),
        Map.of(),
        rs.getBoolean("ready"),
        Sql.instant(rs, "created_at"),
        Sql.instant(rs, "updated_at"),
        null);
  }

  private static Map<String, Object> orEmpty(Map<String, Object> map) {
    return map == null ? Map.of() : map;
  }
}

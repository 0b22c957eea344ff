package dev.servicemanager.compass.director;

import dev.servicemanager.compass.CompassAccess;
import dev.servicemanager.compass.CompassException;
import dev.servicemanager.compass.Db;
import dev.servicemanager.compass.Json;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Bundles of an application with their API and event definitions. */
@Singleton
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
final class BundleStore {
  private final Json json;
  private final InstanceAuthStore instanceAuths;

  BundleStore(Json json, InstanceAuthStore instanceAuths) {
    this.json = json;
    this.instanceAuths = instanceAuths;
  }

  /** Checks the whole input first, so a bad definition stores nothing. Returns the bundle id. */
  String insert(Db.Tx tx, String applicationId, Map<String, Object> in) throws SQLException {
    String name = Inputs.text(in, "name", 100, true);
    String description = Inputs.text(in, "description", 4096, false);
    String schema = schema(in);
    Map<String, Object> auth = Inputs.auth(in.get("defaultInstanceAuth"));
    List<Map<String, Object>> apis = Inputs.list(in.get("apiDefinitions"));
    List<Map<String, Object>> events = Inputs.list(in.get("eventDefinitions"));
    apis.forEach(this::checkApi);
    events.forEach(this::checkEvent);
    String id = UUID.randomUUID().toString();
    tx.update(
        "INSERT INTO compass_bundles (id, application_id, name, description, instance_auth_request_input_schema,"
            + " default_instance_auth) VALUES (?, ?, ?, ?, ?::jsonb, ?::jsonb)",
        id, applicationId, name, description, schema, auth == null ? null : json.write(auth));
    for (Map<String, Object> api : apis) {
      insertApi(tx, id, api);
    }
    for (Map<String, Object> event : events) {
      insertEvent(tx, id, event);
    }
    return id;
  }

  void update(Db.Tx tx, String bundleId, Map<String, Object> in) throws SQLException {
    String name = Inputs.text(in, "name", 100, true);
    String description = Inputs.text(in, "description", 4096, false);
    String schema = schema(in);
    Map<String, Object> auth = Inputs.auth(in.get("defaultInstanceAuth"));
    tx.update(
        "UPDATE compass_bundles SET name = ?, description = ?, instance_auth_request_input_schema = ?::jsonb,"
            + " default_instance_auth = ?::jsonb WHERE id = ?",
        name, description, schema, auth == null ? null : json.write(auth), bundleId);
  }

  private String schema(Map<String, Object> in) {
    String text = Inputs.text(in, "instanceAuthRequestInputSchema", 65536, false);
    return text == null ? null : json.write(Inputs.jsonSchema(json, "instanceAuthRequestInputSchema", text));
  }

  String insertApi(Db.Tx tx, String bundleId, Map<String, Object> in) throws SQLException {
    checkApi(in);
    Map<String, Object> spec = spec(in);
    String id = UUID.randomUUID().toString();
    tx.update(
        "INSERT INTO compass_api_definitions (id, bundle_id, name, description, target_url, api_group, spec_type,"
            + " spec_format, spec_data, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)",
        id, bundleId, in.get("name"), in.get("description"), in.get("targetURL"), in.get("group"),
        spec == null ? null : spec.get("type"), spec == null ? null : spec.get("format"),
        spec == null ? null : spec.get("data"), version(in));
    return id;
  }

  String insertEvent(Db.Tx tx, String bundleId, Map<String, Object> in) throws SQLException {
    checkEvent(in);
    Map<String, Object> spec = spec(in);
    String id = UUID.randomUUID().toString();
    tx.update(
        "INSERT INTO compass_event_definitions (id, bundle_id, name, description, event_group, spec_type,"
            + " spec_format, spec_data, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)",
        id, bundleId, in.get("name"), in.get("description"), in.get("group"),
        spec == null ? null : spec.get("type"), spec == null ? null : spec.get("format"),
        spec == null ? null : spec.get("data"), version(in));
    return id;
  }

  private void checkApi(Map<String, Object> in) {
    Inputs.text(in, "name", 100, true);
    Inputs.text(in, "description", 4096, false);
    Inputs.url(in, "targetURL", true);
    Inputs.text(in, "group", 36, false);
    checkSpecAndVersion(in);
  }

  private void checkEvent(Map<String, Object> in) {
    Inputs.text(in, "name", 100, true);
    Inputs.text(in, "description", 4096, false);
    Inputs.text(in, "group", 36, false);
    checkSpecAndVersion(in);
  }

  @SuppressWarnings("unchecked")
  private void checkSpecAndVersion(Map<String, Object> in) {
    Map<String, Object> spec = spec(in);
    if (spec != null && spec.get("data") instanceof String data && "JSON".equals(spec.get("format"))
        && json.parse(data).isEmpty()) {
      throw CompassException.invalid("spec of '" + in.get("name") + "' has format JSON but its data is not JSON");
    }
    if (in.get("version") != null) {
      Inputs.text((Map<String, Object>) in.get("version"), "value", 256, true);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(Map<String, Object> in) {
    return (Map<String, Object>) in.get("spec");
  }

  private String version(Map<String, Object> in) {
    return in.get("version") == null ? null : json.write(in.get("version"));
  }

  /** The bundles of these applications, in creation order, with their definitions. */
  Map<String, List<Model.Bundle>> load(Db.Tx tx, List<String> applicationIds) throws SQLException {
    Map<String, List<Model.Bundle>> byApp = new HashMap<>();
    if (applicationIds.isEmpty()) {
      return byApp;
    }
    record Row(String id, String app, String name, String description, String schema, String auth) {}
    List<Row> rows =
        tx.query(
            "SELECT id, application_id, name, description, instance_auth_request_input_schema::text,"
                + " default_instance_auth::text FROM compass_bundles WHERE application_id = ANY(?) ORDER BY position",
            List.of((Object) applicationIds.toArray(String[]::new)),
            rs -> new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6)));
    String[] bundleIds = rows.stream().map(Row::id).toArray(String[]::new);
    Map<String, List<Model.ApiDefinition>> apis = new LinkedHashMap<>();
    Map<String, List<Model.EventDefinition>> events = new LinkedHashMap<>();
    if (bundleIds.length > 0) {
      tx.query(
          "SELECT bundle_id, id, name, description, target_url, api_group, spec_type, spec_format, spec_data,"
              + " version::text FROM compass_api_definitions WHERE bundle_id = ANY(?) ORDER BY position",
          List.of((Object) bundleIds),
          rs -> apis.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
              .add(new Model.ApiDefinition(rs.getString(2), rs.getString(3), rs.getString(4), spec(rs),
                  rs.getString(5), rs.getString(6), version(rs))));
      tx.query(
          "SELECT bundle_id, id, name, description, NULL, event_group, spec_type, spec_format, spec_data,"
              + " version::text FROM compass_event_definitions WHERE bundle_id = ANY(?) ORDER BY position",
          List.of((Object) bundleIds),
          rs -> events.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
              .add(new Model.EventDefinition(rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(6),
                  spec(rs), version(rs))));
    }
    Map<String, List<Model.InstanceAuth>> auths = instanceAuths.load(tx, bundleIds);
    for (Row row : rows) {
      @SuppressWarnings("unchecked")
      Map<String, Object> auth = (Map<String, Object>) json.read(row.auth());
      byApp.computeIfAbsent(row.app(), k -> new ArrayList<>())
          .add(new Model.Bundle(row.id(), row.app(), row.name(), row.description(), row.schema(), auth,
              apis.getOrDefault(row.id(), List.of()), events.getOrDefault(row.id(), List.of()),
              auths.getOrDefault(row.id(), List.of())));
    }
    return byApp;
  }

  private static Model.Spec spec(ResultSet rs) throws SQLException {
    String type = rs.getString(7);
    return type == null ? null : new Model.Spec(rs.getString(9), type, rs.getString(8));
  }

  @SuppressWarnings("unchecked")
  private Model.Version version(ResultSet rs) throws SQLException {
    Map<String, Object> v = (Map<String, Object>) json.read(rs.getString(10));
    return v == null ? null : new Model.Version((String) v.get("value"), (Boolean) v.get("deprecated"),
        (String) v.get("deprecatedSince"), (Boolean) v.get("forRemoval"));
  }

  /** The application of a bundle of this tenant, or a not-found error. */
  String applicationOf(Db.Tx tx, String tenant, String bundleId) throws SQLException {
    return tx.queryOne(
            "SELECT a.id FROM compass_bundles b JOIN compass_applications a ON a.id = b.application_id"
                + " WHERE b.id = ? AND a.tenant = ? FOR UPDATE OF b",
            List.of(bundleId, tenant),
            rs -> rs.getString(1))
        .orElseThrow(() -> CompassException.notFound("bundle", bundleId));
  }

  /** The application and bundle of an instance auth of this tenant, or not found. */
  String[] ofInstanceAuth(Db.Tx tx, String tenant, String authId) throws SQLException {
    return tx.queryOne(
            "SELECT a.id, b.id FROM compass_bundle_instance_auths i JOIN compass_bundles b ON b.id = i.bundle_id"
                + " JOIN compass_applications a ON a.id = b.application_id"
                + " WHERE i.id = ? AND i.tenant = ? AND a.tenant = ?",
            List.of(authId, tenant, tenant),
            rs -> new String[] {rs.getString(1), rs.getString(2)})
        .orElseThrow(() -> CompassException.notFound("bundle instance auth", authId));
  }

  void delete(Db.Tx tx, String bundleId) throws SQLException {
    tx.update("DELETE FROM compass_bundles WHERE id = ?", bundleId);
  }
}

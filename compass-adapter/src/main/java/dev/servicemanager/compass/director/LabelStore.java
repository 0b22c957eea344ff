package dev.servicemanager.compass.director;

import dev.servicemanager.compass.CompassAccess;
import dev.servicemanager.compass.CompassException;
import dev.servicemanager.compass.Db;
import dev.servicemanager.compass.Json;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Labels of applications and runtimes, label definitions, and the {@code scenarios} rules: its
 * value is a list of names from the enum of the tenant's {@code scenarios} definition, which
 * every tenant has (with {@code DEFAULT}) until it changes it.
 */
@Singleton
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
final class LabelStore {
  static final String SCENARIOS = "scenarios";
  static final String DEFAULT_SCENARIO = "DEFAULT";
  private static final Pattern SCENARIO_NAME = Pattern.compile("^[A-Za-z0-9]([-_A-Za-z0-9 ]{0,126}[A-Za-z0-9])?$");
  private static final Pattern ARRAY_CONTAINS =
      Pattern.compile("^\\$\\[\\*\\]\\s*\\?\\s*\\(\\s*@\\s*==\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*\\)$");

  enum ObjectType {
    APPLICATION,
    RUNTIME
  }

  /** A condition on {@code alias.id} and its parameters. */
  record Condition(String sql, List<Object> params) {}

  private final Json json;

  LabelStore(Json json) {
    this.json = json;
  }

  Map<String, Map<String, Object>> load(Db.Tx tx, ObjectType type, List<String> ids) throws SQLException {
    Map<String, Map<String, Object>> labels = new HashMap<>();
    if (ids.isEmpty()) {
      return labels;
    }
    tx.query(
        "SELECT object_id, key, value::text FROM compass_labels WHERE object_type = ? AND object_id = ANY(?) ORDER BY key",
        List.of(type.name(), ids.toArray(String[]::new)),
        rs -> labels.computeIfAbsent(rs.getString(1), k -> new TreeMap<>()).put(rs.getString(2), json.read(rs.getString(3))));
    return labels;
  }

  void setAll(Db.Tx tx, String tenant, ObjectType type, String id, Map<String, Object> labels) throws SQLException {
    for (Map.Entry<String, Object> label : labels.entrySet()) {
      set(tx, tenant, type, id, label.getKey(), label.getValue());
    }
  }

  Object set(Db.Tx tx, String tenant, ObjectType type, String id, String key, Object value) throws SQLException {
    Inputs.labelKey(key);
    Inputs.labelValue(key, value);
    Object stored = SCENARIOS.equals(key) ? checkScenarios(tx, tenant, value) : value;
    tx.update(
        "INSERT INTO compass_labels (tenant, object_type, object_id, key, value) VALUES (?, ?, ?, ?, ?::jsonb)"
            + " ON CONFLICT (object_type, object_id, key) DO UPDATE SET value = EXCLUDED.value",
        tenant, type.name(), id, key, json.write(stored));
    return stored;
  }

  Optional<Object> delete(Db.Tx tx, ObjectType type, String id, String key) throws SQLException {
    return tx.queryOne(
        "DELETE FROM compass_labels WHERE object_type = ? AND object_id = ? AND key = ? RETURNING value::text",
        List.of(type.name(), id, key),
        rs -> json.read(rs.getString(1)));
  }

  void deleteAll(Db.Tx tx, ObjectType type, String id) throws SQLException {
    tx.update("DELETE FROM compass_labels WHERE object_type = ? AND object_id = ?", type.name(), id);
  }

  private List<String> checkScenarios(Db.Tx tx, String tenant, Object value) throws SQLException {
    if (!(value instanceof List<?> list) || list.isEmpty() || !list.stream().allMatch(String.class::isInstance)) {
      throw CompassException.invalid("label 'scenarios' must be a non-empty list of scenario names");
    }
    Set<String> allowed = new LinkedHashSet<>(scenarios(tx, tenant));
    Set<String> unique = new LinkedHashSet<>();
    for (Object item : list) {
      String scenario = (String) item;
      if (!allowed.contains(scenario)) {
        throw CompassException.invalid(
            "scenario '" + scenario + "' is not in the tenant's scenarios label definition " + allowed);
      }
      unique.add(scenario);
    }
    return List.copyOf(unique);
  }

  /** The tenant's scenario names: the enum of its {@code scenarios} definition. */
  @SuppressWarnings("unchecked")
  List<String> scenarios(Db.Tx tx, String tenant) throws SQLException {
    Map<String, Object> schema = (Map<String, Object>) json.read(definitionSchema(tx, tenant, SCENARIOS).orElse(null));
    if (schema == null) {
      return List.of(DEFAULT_SCENARIO);
    }
    return (List<String>) ((Map<String, Object>) schema.get("items")).get("enum");
  }

  // ------------------------------------------------------------------------------ definitions

  List<Model.LabelDefinition> definitions(Db.Tx tx, String tenant) throws SQLException {
    List<Model.LabelDefinition> stored =
        tx.query(
            "SELECT key, schema::text FROM compass_label_definitions WHERE tenant = ? ORDER BY key",
            List.of(tenant),
            rs -> new Model.LabelDefinition(rs.getString(1), rs.getString(2)));
    if (stored.stream().noneMatch(d -> d.key().equals(SCENARIOS))) {
      List<Model.LabelDefinition> all = new ArrayList<>(stored);
      all.add(new Model.LabelDefinition(SCENARIOS, defaultScenariosSchema()));
      all.sort(java.util.Comparator.comparing(Model.LabelDefinition::key));
      return all;
    }
    return stored;
  }

  Optional<Model.LabelDefinition> definition(Db.Tx tx, String tenant, String key) throws SQLException {
    Optional<String> schema = definitionSchema(tx, tenant, key);
    if (schema.isEmpty() && SCENARIOS.equals(key)) {
      return Optional.of(new Model.LabelDefinition(SCENARIOS, defaultScenariosSchema()));
    }
    return tx.queryOne(
        "SELECT key, schema::text FROM compass_label_definitions WHERE tenant = ? AND key = ?",
        List.of(tenant, key),
        rs -> new Model.LabelDefinition(rs.getString(1), rs.getString(2)));
  }

  private Optional<String> definitionSchema(Db.Tx tx, String tenant, String key) throws SQLException {
    return tx.queryOne(
        "SELECT schema::text FROM compass_label_definitions WHERE tenant = ? AND key = ?",
        List.of(tenant, key),
        rs -> rs.getString(1));
  }

  Model.LabelDefinition create(Db.Tx tx, String tenant, String key, String schema) throws SQLException {
    checkDefinitionKey(key);
    if (SCENARIOS.equals(key) || definition(tx, tenant, key).isPresent()) {
      throw CompassException.invalid("label definition '" + key + "' already exists; use updateLabelDefinition");
    }
    String normalised = schema == null ? null : json.write(Inputs.jsonSchema(json, "schema", schema));
    tx.update(
        "INSERT INTO compass_label_definitions (tenant, key, schema) VALUES (?, ?, ?::jsonb)", tenant, key, normalised);
    return definition(tx, tenant, key).orElseThrow();
  }

  Model.LabelDefinition update(Db.Tx tx, String tenant, String key, String schema) throws SQLException {
    checkDefinitionKey(key);
    if (definition(tx, tenant, key).isEmpty()) {
      throw CompassException.notFound("label definition", key);
    }
    String normalised = schema == null ? null : json.write(Inputs.jsonSchema(json, "schema", schema));
    if (SCENARIOS.equals(key)) {
      List<String> names = scenarioEnum(schema == null ? null : Inputs.jsonSchema(json, "schema", schema));
      Set<String> inUse = new LinkedHashSet<>();
      tx.query(
          "SELECT DISTINCT s FROM compass_labels l, jsonb_array_elements_text(l.value) s"
              + " WHERE l.tenant = ? AND l.key = ? AND jsonb_typeof(l.value) = 'array'",
          List.of(tenant, SCENARIOS),
          rs -> inUse.add(rs.getString(1)));
      inUse.removeAll(names);
      if (!inUse.isEmpty()) {
        throw CompassException.invalid("scenarios " + inUse + " are still used by labels and cannot be removed");
      }
    }
    tx.update(
        "INSERT INTO compass_label_definitions (tenant, key, schema) VALUES (?, ?, ?::jsonb)"
            + " ON CONFLICT (tenant, key) DO UPDATE SET schema = EXCLUDED.schema",
        tenant, key, normalised);
    return definition(tx, tenant, key).orElseThrow();
  }

  private static void checkDefinitionKey(String key) {
    if (key == null || !Inputs.DEFINITION_KEY.matcher(key).matches()) {
      throw CompassException.invalid("label definition key must be 1 to 256 letters, digits or '_'");
    }
  }

  /** The scenario names of a {@code scenarios} schema: an array of strings with an enum holding DEFAULT. */
  @SuppressWarnings("unchecked")
  private static List<String> scenarioEnum(Map<String, Object> schema) {
    String expected =
        "the scenarios schema must be {\"type\":\"array\",\"items\":{\"type\":\"string\",\"enum\":[\"DEFAULT\", ...]}}";
    if (schema == null || !"array".equals(schema.get("type")) || !(schema.get("items") instanceof Map<?, ?> items)
        || !"string".equals(items.get("type")) || !(items.get("enum") instanceof List<?> names)) {
      throw CompassException.invalid(expected);
    }
    for (Object name : names) {
      if (!(name instanceof String s) || !SCENARIO_NAME.matcher(s).matches()) {
        throw CompassException.invalid("scenario name '" + name + "' must be 1 to 128 letters, digits, '-', '_' or spaces");
      }
    }
    if (!names.contains(DEFAULT_SCENARIO)) {
      throw CompassException.invalid("the scenarios enum must keep DEFAULT");
    }
    return (List<String>) names;
  }

  private String defaultScenariosSchema() {
    Map<String, Object> items = new LinkedHashMap<>();
    items.put("type", "string");
    items.put("enum", List.of(DEFAULT_SCENARIO));
    Map<String, Object> schema = new LinkedHashMap<>();
    schema.put("type", "array");
    schema.put("minItems", 1);
    schema.put("uniqueItems", true);
    schema.put("items", items);
    return json.write(schema);
  }

  // ------------------------------------------------------------------------------ filters

  /** {@code alias.id} has every filtered label: a key alone, a JSON value it contains, or $[*] ? (@ == "v"). */
  @SuppressWarnings("unchecked")
  Condition filter(ObjectType type, String alias, Object filters) {
    StringBuilder sql = new StringBuilder("TRUE");
    List<Object> params = new ArrayList<>();
    if (filters == null) {
      return new Condition(sql.toString(), params);
    }
    for (Map<String, Object> filter : (List<Map<String, Object>>) filters) {
      String key = Inputs.labelKey((String) filter.get("key"));
      String query = (String) filter.get("query");
      sql.append(" AND EXISTS (SELECT 1 FROM compass_labels fl WHERE fl.object_type = ? AND fl.object_id = ")
          .append(alias).append(".id AND fl.key = ?");
      params.add(type.name());
      params.add(key);
      if (query != null) {
        sql.append(" AND fl.value @> ?::jsonb");
        params.add(filterValue(query));
      }
      sql.append(")");
    }
    return new Condition(sql.toString(), params);
  }

  private String filterValue(String query) {
    Matcher contains = ARRAY_CONTAINS.matcher(query.trim());
    if (contains.matches()) {
      return json.write(List.of(contains.group(1).replaceAll("\\\\(.)", "$1")));
    }
    Object value =
        json.parse(query)
            .orElseThrow(
                () -> CompassException.invalid(
                    "label filter query '" + query + "' is not supported: use a JSON value such as \"\\\"v\\\"\""
                        + " or [\\\"v\\\"], or $[*] ? (@ == \"v\")"));
    return json.write(value);
  }
}

package dev.servicemanager.server.store;

import dev.servicemanager.server.query.FieldType;
import dev.servicemanager.server.query.QueryField;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * How one resource type is stored and queried: its table (aliased {@code t} in every query), its
 * labels table, the fields a {@code fieldQuery} may name, and how a row becomes the API record.
 */
public record ResourceType<T>(
    String singular,
    String path,
    String table,
    String labelsTable,
    Map<String, QueryField> fields,
    Sql.RowMapper<T> mapper,
    BiFunction<T, Map<String, List<String>>, T> withLabels) {

  /** Builds the field map; every resource has id, created_at and updated_at. */
  public static Map<String, QueryField> fields(QueryField... specific) {
    Map<String, QueryField> fields = new LinkedHashMap<>();
    fields.put("id", new QueryField("id", "t.id", FieldType.STRING, false));
    for (QueryField field : specific) {
      fields.put(field.name(), field);
    }
    fields.put("created_at", new QueryField("created_at", "t.created_at", FieldType.DATETIME, false));
    fields.put("updated_at", new QueryField("updated_at", "t.updated_at", FieldType.DATETIME, false));
    return Map.copyOf(fields);
  }

  public static QueryField field(String name, FieldType type, boolean nullable) {
    return new QueryField(name, "t." + name, type, nullable);
  }

  public String notFoundMessage() {
    return "could not find such " + singular;
  }
}

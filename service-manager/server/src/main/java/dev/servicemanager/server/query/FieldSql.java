package dev.servicemanager.server.query;

import dev.servicemanager.server.query.Literal.BooleanLiteral;
import dev.servicemanager.server.query.Literal.DateTimeLiteral;
import dev.servicemanager.server.query.Literal.NumberLiteral;
import dev.servicemanager.server.query.Literal.StringLiteral;
import dev.servicemanager.spi.ApiException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** Validates field criteria against the resource's fields and renders them as SQL. */
final class FieldSql {
  /**
   * What a key resolves to. For a JSON path the column is itself parameterised, so it is a fragment
   * that is repeated, with its parameter, wherever the column appears.
   */
  private record Target(String key, SqlFragment column, FieldType type, boolean nullable) {}

  private final Map<String, QueryField> fields;

  FieldSql(Map<String, QueryField> fields) {
    this.fields = Map.copyOf(fields);
  }

  SqlFragment render(Criterion criterion) {
    Target target = resolve(criterion.key());
    Operator op = criterion.operator();
    checkOperator(target, op);
    List<Object> params = new ArrayList<>();
    for (Literal value : criterion.values()) {
      params.add(convert(target, value));
    }
    SqlBuilder sql = new SqlBuilder();
    SqlFragment column = target.column();
    switch (op) {
      case EQ -> sql.fragment(column).sql(" = ").param(params.get(0));
      case NE -> sql.fragment(column).sql(" IS DISTINCT FROM ").param(params.get(0));
      case GT, LT, GE, LE ->
          sql.fragment(column).sql(" " + op.sqlComparison() + " ").param(params.get(0));
      case EN ->
          sql.sql("(")
              .fragment(column)
              .sql(" = ")
              .param(params.get(0))
              .sql(" OR ")
              .fragment(column)
              .sql(" IS NULL)");
      case CONTAINS ->
          sql.fragment(column)
              .sql(" LIKE ")
              .param(Values.containsPattern((String) params.get(0)))
              .sql(" ESCAPE '\\'");
      case IN -> {
        if (params.isEmpty()) {
          return SqlFragment.FALSE;
        }
        sql.fragment(column).sql(" IN ").paramList(params);
      }
      case NOTIN -> {
        if (params.isEmpty()) {
          return SqlFragment.TRUE;
        }
        // SQL's NOT IN never matches NULL, but a missing value is certainly not in the list.
        if (target.nullable()) {
          sql.sql("(").fragment(column).sql(" IS NULL OR ");
        }
        sql.fragment(column).sql(" NOT IN ").paramList(params);
        if (target.nullable()) {
          sql.sql(")");
        }
      }
    }
    return sql.build();
  }

  private Target resolve(String key) {
    int slash = key.indexOf('/');
    if (slash < 0) {
      QueryField field = fields.get(key);
      if (field == null) {
        throw unsupportedKey(key);
      }
      if (field.type() == FieldType.JSON) {
        throw fail(
            "field '"
                + key
                + "' is a JSON field and cannot be compared as a whole; query one of its"
                + " properties with a path such as '"
                + key
                + "/<property>'");
      }
      SqlFragment column = new SqlFragment(field.column(), List.of());
      return new Target(key, column, field.type(), field.nullable());
    }
    String name = key.substring(0, slash);
    QueryField field = fields.get(name);
    if (field == null) {
      throw unsupportedKey(key);
    }
    if (field.type() != FieldType.JSON) {
      throw fail(
          "field query key '"
              + key
              + "' uses a path, but field '"
              + name
              + "' is of type "
              + field.type()
              + "; paths are only supported on JSON fields");
    }
    String[] path = key.substring(slash + 1).split("/", -1);
    if (Arrays.stream(path).anyMatch(String::isEmpty)) {
      throw fail("field query key '" + key + "' has an empty path segment");
    }
    SqlFragment column =
        new SqlBuilder().sql(field.column() + " #>> ").param(path).sql("::text[]").build();
    // A JSON document may simply lack the property, so a path is always nullable text.
    return new Target(key, column, FieldType.STRING, true);
  }

  private void checkOperator(Target target, Operator op) {
    if (op.ordering()
        && target.type() != FieldType.INTEGER
        && target.type() != FieldType.DATETIME) {
      throw fail(
          "operator '"
              + op.word()
              + "' is not supported for field '"
              + target.key()
              + "' of type "
              + target.type()
              + "; gt, lt, ge and le only apply to INTEGER and DATETIME fields");
    }
    if (op == Operator.CONTAINS && target.type() != FieldType.STRING) {
      throw fail(
          "operator 'contains' is not supported for field '"
              + target.key()
              + "' of type "
              + target.type()
              + "; it only applies to STRING fields and JSON paths");
    }
  }

  private Object convert(Target target, Literal value) {
    return switch (target.type()) {
      case STRING -> value.text();
      case BOOLEAN -> toBoolean(value).orElseThrow(() -> mismatch(target, value, "true or false"));
      case INTEGER -> toInteger(value).orElseThrow(() -> mismatch(target, value, "an integer"));
      case DATETIME ->
          toDateTime(value)
              .orElseThrow(
                  () ->
                      mismatch(target, value, "an RFC 3339 datetime such as 2020-01-01T00:00:00Z"));
      case JSON -> throw new IllegalStateException("JSON fields are resolved to paths first");
    };
  }

  private static Optional<Boolean> toBoolean(Literal value) {
    if (value instanceof BooleanLiteral b) {
      return Optional.of(b.value());
    }
    if (value instanceof StringLiteral s
        && (s.value().equals("true") || s.value().equals("false"))) {
      return Optional.of(Boolean.parseBoolean(s.value()));
    }
    return Optional.empty();
  }

  private static Optional<Long> toInteger(Literal value) {
    if (value instanceof NumberLiteral n) {
      try {
        return Optional.of(n.value().longValueExact());
      } catch (ArithmeticException e) {
        return Optional.empty(); // has a fraction or does not fit
      }
    }
    if (value instanceof StringLiteral s) {
      return Values.integer(s.value());
    }
    return Optional.empty();
  }

  private static Optional<OffsetDateTime> toDateTime(Literal value) {
    if (value instanceof DateTimeLiteral d) {
      return Optional.of(d.value());
    }
    if (value instanceof StringLiteral s) {
      return Values.dateTime(s.value());
    }
    return Optional.empty();
  }

  private ApiException mismatch(Target target, Literal value, String expected) {
    return fail(
        "field '"
            + target.key()
            + "' is of type "
            + target.type()
            + " and expects "
            + expected
            + ", got "
            + Values.abbreviate(value.display()));
  }

  private ApiException unsupportedKey(String key) {
    String supported =
        fields.entrySet().stream()
            .map(e -> e.getValue().type() == FieldType.JSON ? e.getKey() + "/<path>" : e.getKey())
            .sorted()
            .collect(Collectors.joining(", "));
    return fail("unsupported field query key '" + key + "'; supported: " + supported);
  }

  private static ApiException fail(String description) {
    return ApiException.invalidFieldQuery(description);
  }
}

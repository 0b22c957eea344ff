package dev.servicemanager.server.query;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A piece of SQL with its {@code ?} parameters in order. The SQL text is built only from trusted
 * descriptors; everything a user wrote travels in {@link #params()}.
 */
public record SqlFragment(String sql, List<Object> params) {
  /** Matches every row; the neutral element of {@link #and}. */
  public static final SqlFragment TRUE = new SqlFragment("TRUE", List.of());

  /** Matches no row, for example {@code in ()}. */
  public static final SqlFragment FALSE = new SqlFragment("FALSE", List.of());

  public SqlFragment {
    Objects.requireNonNull(sql, "sql");
    // Not List.copyOf: a caller may legitimately bind a SQL NULL.
    params = Collections.unmodifiableList(new ArrayList<>(params));
  }

  public boolean isTrue() {
    return "TRUE".equals(sql) && params.isEmpty();
  }

  /**
   * Both conditions, each parenthesised so that operator precedence can never leak between them.
   */
  public SqlFragment and(SqlFragment other) {
    if (isTrue()) {
      return other;
    }
    if (other.isTrue()) {
      return this;
    }
    return allOf(List.of(this, other));
  }

  /** All conditions joined with {@code AND}, each parenthesised; {@link #TRUE} when empty. */
  public static SqlFragment allOf(List<SqlFragment> parts) {
    List<SqlFragment> relevant = parts.stream().filter(p -> !p.isTrue()).toList();
    if (relevant.isEmpty()) {
      return TRUE;
    }
    StringBuilder sql = new StringBuilder();
    List<Object> params = new ArrayList<>();
    for (SqlFragment part : relevant) {
      if (sql.length() > 0) {
        sql.append(" AND ");
      }
      sql.append('(').append(part.sql).append(')');
      params.addAll(part.params);
    }
    return new SqlFragment(sql.toString(), params);
  }
}

package dev.servicemanager.server.query;

import java.util.ArrayList;
import java.util.List;

/** Accumulates SQL text and its parameters side by side so that they cannot get out of step. */
final class SqlBuilder {
  private final StringBuilder sql = new StringBuilder();
  private final List<Object> params = new ArrayList<>();

  /** Appends trusted SQL text; never pass anything a user wrote. */
  SqlBuilder sql(String trusted) {
    sql.append(trusted);
    return this;
  }

  SqlBuilder param(Object value) {
    sql.append('?');
    params.add(value);
    return this;
  }

  SqlBuilder fragment(SqlFragment fragment) {
    sql.append(fragment.sql());
    params.addAll(fragment.params());
    return this;
  }

  /** {@code (?, ?, ?)} for a non-empty list. */
  SqlBuilder paramList(List<?> values) {
    sql.append('(');
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        sql.append(", ");
      }
      param(values.get(i));
    }
    sql.append(')');
    return this;
  }

  SqlFragment build() {
    return new SqlFragment(sql.toString(), params);
  }
}

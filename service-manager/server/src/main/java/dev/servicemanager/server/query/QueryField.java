package dev.servicemanager.server.query;

import java.util.Objects;

/**
 * Describes one queryable field of a resource.
 *
 * @param name the key users write in a field query
 * @param column a trusted SQL expression such as {@code t.name}; it is pasted into SQL verbatim, so
 *     it must never come from user input
 * @param type decides which literals and operators are accepted
 * @param nullable whether the column can be NULL, so that {@code notin} also matches NULLs
 */
public record QueryField(String name, String column, FieldType type, boolean nullable) {
  public QueryField {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(column, "column");
    Objects.requireNonNull(type, "type");
  }
}

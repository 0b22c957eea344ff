package dev.servicemanager.server.query;

import dev.servicemanager.spi.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The parsed and validated {@code fieldQuery} and {@code labelQuery} of a list request.
 *
 * <p>All validation happens in {@link #of}, so a bad query fails before any database work.
 */
public final class ListQuery {
  private static final ListQuery NONE = new ListQuery(List.of(), List.of(), List.of());

  private final List<Criterion> fieldCriteria;
  private final List<Criterion> labelCriteria;
  private final List<SqlFragment> fieldSql;

  private ListQuery(
      List<Criterion> fieldCriteria, List<Criterion> labelCriteria, List<SqlFragment> fieldSql) {
    this.fieldCriteria = List.copyOf(fieldCriteria);
    this.labelCriteria = List.copyOf(labelCriteria);
    this.fieldSql = List.copyOf(fieldSql);
  }

  /**
   * Parses both parameters (either may be {@code null}, meaning absent) and validates them.
   *
   * @param fields the queryable fields by the key users write
   * @throws ApiException 400 {@code InvalidFieldQuery} or {@code InvalidLabelQuery}
   */
  public static ListQuery of(String fieldQuery, String labelQuery, Map<String, QueryField> fields) {
    Objects.requireNonNull(fields, "fields");
    List<Criterion> fieldCriteria = QueryParser.parse(fieldQuery, false);
    List<Criterion> labelCriteria = QueryParser.parse(labelQuery, true);
    FieldSql renderer = new FieldSql(fields);
    List<SqlFragment> fieldSql = fieldCriteria.stream().map(renderer::render).toList();
    LabelSql.validate(labelCriteria);
    return new ListQuery(fieldCriteria, labelCriteria, fieldSql);
  }

  /** A query without criteria. */
  public static ListQuery none() {
    return NONE;
  }

  public List<Criterion> fieldCriteria() {
    return fieldCriteria;
  }

  public List<Criterion> labelCriteria() {
    return labelCriteria;
  }

  public boolean isEmpty() {
    return fieldCriteria.isEmpty() && labelCriteria.isEmpty();
  }

  /**
   * The WHERE condition, each criterion parenthesised and joined with {@code AND}; {@link
   * SqlFragment#TRUE} when there are no criteria.
   *
   * @param idColumn trusted SQL for the resource id, for example {@code t.id}
   * @param labelsTable trusted name of the table holding {@code (resource_id, key, value)}, or
   *     {@code null} for a resource type that has no labels
   * @throws ApiException 400 {@code InvalidLabelQuery} when labels are queried on a resource type
   *     without labels
   */
  public SqlFragment toSql(String idColumn, String labelsTable) {
    List<SqlFragment> parts = new ArrayList<>(fieldSql);
    if (!labelCriteria.isEmpty()) {
      if (labelsTable == null) {
        throw ApiException.invalidLabelQuery("this resource type has no labels to query");
      }
      Objects.requireNonNull(idColumn, "idColumn");
      for (Criterion criterion : labelCriteria) {
        parts.add(LabelSql.render(criterion, idColumn, labelsTable));
      }
    }
    return SqlFragment.allOf(parts);
  }
}

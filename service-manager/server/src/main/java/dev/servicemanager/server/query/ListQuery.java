package dev.servicemanager.server.query;

import dev.servicemanager.spi.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

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
    return toSql(idColumn, labelsTable, ids -> Optional.empty());
  }

  /**
   * Like {@link #toSql(String, String)}, but first offers each positive label criterion's id query
   * to {@code prefetch}; when it returns the ids (few enough to pass), the criterion becomes
   * {@code id = ANY(<those ids>)}. With a subquery PostgreSQL cannot know how many resources carry
   * a label and, at 50,000 plans, picked plans that probed thousands of rows for a 1% label.
   */
  public SqlFragment toSql(String idColumn, String labelsTable, LabelPrefetch prefetch) {
    List<SqlFragment> parts = new ArrayList<>(fieldSql);
    if (!labelCriteria.isEmpty()) {
      if (labelsTable == null) {
        throw ApiException.invalidLabelQuery("this resource type has no labels to query");
      }
      Objects.requireNonNull(idColumn, "idColumn");
      for (Criterion criterion : labelCriteria) {
        List<String> known = null;
        SqlFragment ids = LabelSql.matchingIds(criterion, labelsTable);
        if (ids != null && !LabelSql.negated(criterion)) {
          known = prefetch.ids(ids).orElse(null);
        }
        parts.add(LabelSql.render(criterion, idColumn, labelsTable, known));
      }
    }
    return SqlFragment.allOf(parts);
  }

  /**
   * For a query that is exactly one positive label criterion: the query of the ids it matches. Its
   * distinct count is the number of matching resources (every label row references an existing
   * resource), which is far cheaper than counting a join over the resource table.
   */
  public Optional<SqlFragment> soleLabelIds(String labelsTable) {
    if (!fieldCriteria.isEmpty() || labelCriteria.size() != 1 || labelsTable == null) {
      return Optional.empty();
    }
    Criterion criterion = labelCriteria.get(0);
    if (LabelSql.negated(criterion)) {
      return Optional.empty();
    }
    return Optional.ofNullable(LabelSql.matchingIds(criterion, labelsTable));
  }

  /** Runs a label id query when its result is small enough to inline. */
  @FunctionalInterface
  public interface LabelPrefetch {
    /** The distinct ids {@code idsQuery} selects, or empty when there are too many to inline. */
    Optional<List<String>> ids(SqlFragment idsQuery);
  }
}

package dev.servicemanager.server.query;

import dev.servicemanager.server.query.Literal.NumberLiteral;
import dev.servicemanager.server.query.Literal.StringLiteral;
import dev.servicemanager.spi.ApiException;
import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Validates label criteria and renders each as a membership test against the labels table, so that
 * a resource with several values for one key matches when any of them does.
 */
final class LabelSql {
  // Only values that look numeric are cast, so a text label never makes the query fail.
  private static final String NUMERIC_VALUE =
      "(CASE WHEN value ~ '^-?[0-9]+(\\.[0-9]+)?$' THEN value::numeric END)";

  private LabelSql() {}

  static void validate(List<Criterion> criteria) {
    Set<String> seen = new HashSet<>();
    for (Criterion criterion : criteria) {
      if (!seen.add(criterion.key())) {
        throw fail(
            "label key '"
                + criterion.key()
                + "' appears more than once; each label key may be used only once per label query");
      }
      if (criterion.operator() == Operator.EN) {
        throw fail(
            "operator 'en' on label key '"
                + criterion.key()
                + "' is not supported; en is only supported for field queries");
      }
      if (criterion.operator().ordering()) {
        numericOperand(criterion);
      }
    }
  }

  /** Whether the criterion excludes the resources that have a matching label ({@code ne}, {@code notin}). */
  static boolean negated(Criterion criterion) {
    return criterion.operator() == Operator.NE || criterion.operator() == Operator.NOTIN;
  }

  /**
   * {@code SELECT resource_id FROM labels WHERE <the label matches>}: the resources having a label
   * that matches the criterion's positive form; {@code null} when no label can match ({@code in ()}).
   */
  static SqlFragment matchingIds(Criterion criterion, String labelsTable) {
    List<Literal> values = criterion.values();
    Operator op = criterion.operator();
    if (op.multivariate() && values.isEmpty()) {
      return null;
    }
    SqlBuilder sql = new SqlBuilder();
    sql.sql("SELECT resource_id FROM " + labelsTable + " WHERE key = ")
        .param(criterion.key())
        .sql(" AND ");
    switch (op) {
      case EQ, NE -> sql.sql("value = ").param(criterion.value().text());
      case IN, NOTIN -> sql.sql("value IN ").paramList(values.stream().map(Literal::text).toList());
      case CONTAINS ->
          sql.sql("value LIKE ")
              .param(Values.containsPattern(criterion.value().text()))
              .sql(" ESCAPE '\\'");
      case GT, LT, GE, LE ->
          sql.sql(NUMERIC_VALUE + " " + op.sqlComparison() + " ").param(numericOperand(criterion));
      case EN -> throw new IllegalStateException("en label criteria are rejected by validate");
    }
    return sql.build();
  }

  /**
   * The criterion as a membership test, so that a resource with several values for one key matches
   * when any of them does. {@code knownIds}, when given, are the result of {@link #matchingIds}
   * fetched beforehand: a constant array lets the planner estimate and probe exactly those rows.
   */
  static SqlFragment render(Criterion criterion, String idColumn, String labelsTable, List<String> knownIds) {
    boolean negated = negated(criterion);
    SqlFragment ids = matchingIds(criterion, labelsTable);
    if (ids == null) {
      return negated ? SqlFragment.TRUE : SqlFragment.FALSE;
    }
    SqlBuilder sql = new SqlBuilder();
    if (knownIds != null && !negated) {
      return sql.sql(idColumn + " = ANY(").param(knownIds.toArray(String[]::new)).sql(")").build();
    }
    return sql.sql(idColumn + (negated ? " NOT IN (" : " IN (")).fragment(ids).sql(")").build();
  }

  private static BigDecimal numericOperand(Criterion criterion) {
    Literal value = criterion.value();
    Optional<BigDecimal> number = Optional.empty();
    if (value instanceof NumberLiteral n) {
      number = Optional.of(n.value());
    } else if (value instanceof StringLiteral s) {
      number = Values.number(s.value());
    }
    return number.orElseThrow(
        () ->
            fail(
                "operator '"
                    + criterion.operator().word()
                    + "' on label key '"
                    + criterion.key()
                    + "' needs a number, got "
                    + Values.abbreviate(value.display())));
  }

  private static ApiException fail(String description) {
    return ApiException.invalidLabelQuery(description);
  }
}

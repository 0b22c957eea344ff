package dev.servicemanager.server.query;

import java.util.List;
import java.util.Objects;

/**
 * One {@code key op value} part of a query. Univariate operators always carry exactly one value;
 * {@code in} and {@code notin} carry zero or more.
 */
public record Criterion(String key, Operator operator, List<Literal> values) {
  public Criterion {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(operator, "operator");
    values = List.copyOf(values);
  }

  /** The single value of a univariate criterion. */
  public Literal value() {
    if (values.size() != 1) {
      throw new IllegalStateException(
          operator.word() + " criterion has " + values.size() + " values");
    }
    return values.get(0);
  }
}

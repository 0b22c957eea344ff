package dev.servicemanager.server.query;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** The operators of the Peripli query language, named as on the wire. */
public enum Operator {
  EQ("eq"),
  NE("ne"),
  GT("gt"),
  LT("lt"),
  GE("ge"),
  LE("le"),
  IN("in"),
  NOTIN("notin"),
  EN("en"),
  CONTAINS("contains");

  private final String word;

  Operator(String word) {
    this.word = word;
  }

  /** The lowercase word used in queries, for example {@code notin}. */
  public String word() {
    return word;
  }

  /** Whether the operator takes a parenthesised list of values rather than a single value. */
  public boolean multivariate() {
    return this == IN || this == NOTIN;
  }

  /** Whether the operator compares by order, which only makes sense for numbers and times. */
  public boolean ordering() {
    return this == GT || this == LT || this == GE || this == LE;
  }

  /** Only exact lowercase words match, as in the reference grammar. */
  public static Optional<Operator> fromWord(String word) {
    for (Operator op : values()) {
      if (op.word.equals(word)) {
        return Optional.of(op);
      }
    }
    return Optional.empty();
  }

  static String supportedWords() {
    return Arrays.stream(values()).map(Operator::word).collect(Collectors.joining(", "));
  }

  String sqlComparison() {
    return switch (this) {
      case GT -> ">";
      case LT -> "<";
      case GE -> ">=";
      case LE -> "<=";
      default -> throw new IllegalStateException(word + " is not an ordering operator");
    };
  }
}

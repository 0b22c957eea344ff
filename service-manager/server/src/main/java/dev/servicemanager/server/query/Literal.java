package dev.servicemanager.server.query;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.Objects;

/**
 * A value as written in a query. Unquoted values keep their source text because text columns and
 * labels compare them as written ({@code 1.50} must not become {@code 1.5}).
 */
public sealed interface Literal {
  /** The text to compare against text columns: a string's unescaped content, else the source. */
  String text();

  /** How the value appeared in the query, for error descriptions. */
  default String display() {
    return text();
  }

  /** A quoted value, already unescaped ({@code 'it''s'} becomes {@code it's}). */
  record StringLiteral(String value) implements Literal {
    public StringLiteral {
      Objects.requireNonNull(value, "value");
    }

    @Override
    public String text() {
      return value;
    }

    @Override
    public String display() {
      return "'" + value.replace("'", "''") + "'";
    }
  }

  record NumberLiteral(BigDecimal value, String text) implements Literal {
    public NumberLiteral {
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(text, "text");
    }
  }

  record BooleanLiteral(boolean value) implements Literal {
    @Override
    public String text() {
      return Boolean.toString(value);
    }
  }

  record DateTimeLiteral(OffsetDateTime value, String text) implements Literal {
    public DateTimeLiteral {
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(text, "text");
    }
  }
}

package dev.servicemanager.server.query;

import dev.servicemanager.server.query.Literal.BooleanLiteral;
import dev.servicemanager.server.query.Literal.DateTimeLiteral;
import dev.servicemanager.server.query.Literal.NumberLiteral;
import dev.servicemanager.server.query.Literal.StringLiteral;
import dev.servicemanager.spi.ApiException;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Parses the Peripli query language used by {@code fieldQuery} and {@code labelQuery}.
 *
 * <p>A hand-written scanner rather than a split on spaces or {@code and}: quoted values may contain
 * spaces, commas, parentheses and the word {@code and}. The grammar is deliberately as strict as
 * the reference (single spaces, lowercase operators) so that queries accepted here are accepted
 * there too.
 */
public final class QueryParser {
  private static final String AND = " and ";

  private final String input;
  private final boolean label;
  private int pos;

  private QueryParser(String input, boolean label) {
    this.input = input;
    this.label = label;
  }

  /**
   * Parses an expression; {@code null} means the parameter is absent and yields no criteria.
   *
   * @param label whether this is a label query, which picks the error code of failures
   * @throws ApiException 400 {@code InvalidFieldQuery} or {@code InvalidLabelQuery}
   */
  public static List<Criterion> parse(String expression, boolean label) {
    if (expression == null) {
      return List.of();
    }
    QueryParser parser = new QueryParser(expression, label);
    if (expression.isBlank()) {
      throw parser.fail((label ? "label" : "field") + " query must not be empty");
    }
    return parser.expression();
  }

  static ApiException error(boolean label, String description) {
    return label
        ? ApiException.invalidLabelQuery(description)
        : ApiException.invalidFieldQuery(description);
  }

  private List<Criterion> expression() {
    List<Criterion> criteria = new ArrayList<>();
    criteria.add(criterion());
    while (!atEnd()) {
      if (!input.startsWith(AND, pos)) {
        throw fail(
            "unexpected '"
                + Values.abbreviate(input.substring(pos))
                + "' "
                + where()
                + "; criteria must be joined by ' and ' with single spaces");
      }
      pos += AND.length();
      criteria.add(criterion());
    }
    return criteria;
  }

  private Criterion criterion() {
    int keyStart = pos;
    while (!atEnd() && isKeyChar(peek())) {
      pos++;
    }
    String key = input.substring(keyStart, pos);
    if (key.isEmpty()) {
      throw fail("expected a key " + where());
    }
    if (!atEnd() && peek() != ' ') {
      throw fail(
          "invalid character '"
              + peek()
              + "' in key '"
              + key
              + "' "
              + where()
              + "; keys may contain letters, digits, '-', '_', '.' and '/'");
    }
    expectSingleSpace("after key '" + key + "'");
    Operator operator = operator(key);
    expectSingleSpace("after operator '" + operator.word() + "'");
    if (operator.multivariate()) {
      return new Criterion(key, operator, list(operator));
    }
    if (!atEnd() && peek() == '(') {
      throw fail(
          "operator '"
              + operator.word()
              + "' on key '"
              + key
              + "' takes a single value, not a list; use 'in' or 'notin' for lists");
    }
    Literal value = value();
    if (!atEnd() && peek() == ',') {
      throw fail(
          "operator '"
              + operator.word()
              + "' on key '"
              + key
              + "' takes a single value; use 'in' or 'notin' for several");
    }
    return new Criterion(key, operator, List.of(value));
  }

  private Operator operator(String key) {
    int start = pos;
    while (!atEnd() && isAsciiLetter(peek())) {
      pos++;
    }
    String word = input.substring(start, pos);
    if (word.isEmpty()) {
      throw fail("expected an operator after key '" + key + "' " + where());
    }
    return Operator.fromWord(word)
        .orElseThrow(
            () ->
                fail(
                    "unsupported operator '"
                        + Values.abbreviate(word)
                        + "' on key '"
                        + key
                        + "'; supported (lowercase): "
                        + Operator.supportedWords()));
  }

  private List<Literal> list(Operator operator) {
    if (atEnd() || peek() != '(') {
      throw fail(
          "operator '"
              + operator.word()
              + "' needs a parenthesised list of values such as ('a', 'b') "
              + where());
    }
    int open = pos++;
    List<Literal> values = new ArrayList<>();
    if (!atEnd() && peek() == ')') {
      pos++;
      return values;
    }
    while (true) {
      values.add(value());
      if (atEnd()) {
        throw fail("list opened at position " + (open + 1) + " is missing its closing ')'");
      }
      char next = peek();
      if (next == ')') {
        pos++;
        return values;
      }
      if (next != ',') {
        throw fail("expected ',' or ')' in list " + where());
      }
      pos++;
      if (!atEnd() && peek() == ' ') {
        pos++;
      }
    }
  }

  private Literal value() {
    if (atEnd()) {
      throw fail("expected a value " + where());
    }
    return peek() == '\'' ? quoted() : bare();
  }

  private Literal quoted() {
    int start = pos++;
    StringBuilder text = new StringBuilder();
    while (true) {
      if (atEnd()) {
        throw fail("unterminated quoted value starting at position " + (start + 1));
      }
      char c = input.charAt(pos);
      rejectLineBreak(c);
      if (c == '\'') {
        if (pos + 1 < input.length() && input.charAt(pos + 1) == '\'') {
          text.append('\'');
          pos += 2;
          continue;
        }
        pos++;
        return new StringLiteral(text.toString());
      }
      text.append(c);
      pos++;
    }
  }

  private Literal bare() {
    int start = pos;
    while (!atEnd() && " ,)".indexOf(peek()) < 0) {
      rejectLineBreak(peek());
      pos++;
    }
    String token = input.substring(start, pos);
    if (token.isEmpty()) {
      throw fail("expected a value " + where());
    }
    if (token.equals("true") || token.equals("false")) {
      return new BooleanLiteral(Boolean.parseBoolean(token));
    }
    Optional<BigDecimal> number = Values.number(token);
    if (number.isPresent()) {
      return new NumberLiteral(number.get(), token);
    }
    Optional<OffsetDateTime> dateTime = Values.dateTime(token);
    if (dateTime.isPresent()) {
      return new DateTimeLiteral(dateTime.get(), token);
    }
    throw fail(
        "invalid value '"
            + Values.abbreviate(token)
            + "' at position "
            + (start + 1)
            + "; text must be in single quotes, unquoted values must be numbers, true, false"
            + " or RFC 3339 datetimes");
  }

  private void expectSingleSpace(String context) {
    if (atEnd() || peek() != ' ') {
      throw fail("expected a single space " + context + " " + where());
    }
    pos++;
    if (!atEnd() && peek() == ' ') {
      throw fail("expected exactly one space " + context + ", found more " + where());
    }
  }

  private void rejectLineBreak(char c) {
    if (c == '\n' || c == '\r') {
      throw fail("values must not contain line breaks (found one at position " + (pos + 1) + ")");
    }
  }

  private static boolean isKeyChar(char c) {
    return isAsciiLetter(c) || (c >= '0' && c <= '9') || "-_/.".indexOf(c) >= 0;
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private boolean atEnd() {
    return pos >= input.length();
  }

  private char peek() {
    return input.charAt(pos);
  }

  private String where() {
    return atEnd() ? "at the end of the query" : "at position " + (pos + 1);
  }

  private ApiException fail(String description) {
    return error(label, description);
  }
}

package dev.servicemanager.server.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicemanager.server.query.Literal.BooleanLiteral;
import dev.servicemanager.server.query.Literal.DateTimeLiteral;
import dev.servicemanager.server.query.Literal.NumberLiteral;
import dev.servicemanager.server.query.Literal.StringLiteral;
import dev.servicemanager.spi.ApiException;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class QueryParserTest {
  private static List<Criterion> parse(String expression) {
    return QueryParser.parse(expression, false);
  }

  @Test
  void treatsAnAbsentParameterAsNoCriteria() {
    assertThat(QueryParser.parse(null, false)).isEmpty();
  }

  @Test
  void parsesASingleCriterion() {
    assertThat(parse("name eq 'a'"))
        .containsExactly(new Criterion("name", Operator.EQ, List.of(new StringLiteral("a"))));
  }

  @ParameterizedTest
  @EnumSource(
      value = Operator.class,
      names = {"IN", "NOTIN"},
      mode = EnumSource.Mode.EXCLUDE)
  void parsesEveryUnivariateOperator(Operator operator) {
    assertThat(parse("name " + operator.word() + " 'a'"))
        .containsExactly(new Criterion("name", operator, List.of(new StringLiteral("a"))));
  }

  @Test
  void unescapesDoubledQuotes() {
    assertThat(parse("name eq 'it''s'''").get(0).value()).isEqualTo(new StringLiteral("it's'"));
    assertThat(parse("name eq ''").get(0).value()).isEqualTo(new StringLiteral(""));
  }

  @Test
  void keepsAndCommasAndParenthesesInsideQuotes() {
    List<Criterion> criteria = parse("name eq 'a and b, (c)' and id in ('x, y', 'z and w')");
    assertThat(criteria).hasSize(2);
    assertThat(criteria.get(0).value()).isEqualTo(new StringLiteral("a and b, (c)"));
    assertThat(criteria.get(1).values())
        .containsExactly(new StringLiteral("x, y"), new StringLiteral("z and w"));
  }

  @Test
  void parsesListsWithOrWithoutASpaceAfterTheComma() {
    assertThat(parse("name in ('a','b', 'c')").get(0).values())
        .containsExactly(new StringLiteral("a"), new StringLiteral("b"), new StringLiteral("c"));
    assertThat(parse("name notin ('a')").get(0).values()).containsExactly(new StringLiteral("a"));
  }

  @Test
  void parsesEmptyLists() {
    assertThat(parse("name in ()").get(0).values()).isEmpty();
    assertThat(parse("name notin ()").get(0).values()).isEmpty();
  }

  @Test
  void parsesUnquotedNumbersBooleansAndDatetimes() {
    List<Literal> values =
        parse("x in (5, -1.50, 2e3, true, false, 2020-01-01T00:00:00Z)").get(0).values();
    assertThat(values)
        .containsExactly(
            new NumberLiteral(new BigDecimal("5"), "5"),
            new NumberLiteral(new BigDecimal("-1.50"), "-1.50"),
            new NumberLiteral(new BigDecimal("2e3"), "2e3"),
            new BooleanLiteral(true),
            new BooleanLiteral(false),
            new DateTimeLiteral(
                OffsetDateTime.of(2020, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC), "2020-01-01T00:00:00Z"));
  }

  @Test
  void parsesDatetimesWithOffsetsAndFractions() {
    Literal value = parse("created_at gt 2020-06-30T23:59:59.123456+02:00").get(0).value();
    assertThat(value)
        .isEqualTo(
            new DateTimeLiteral(
                OffsetDateTime.of(2020, 6, 30, 23, 59, 59, 123_456_000, ZoneOffset.ofHours(2)),
                "2020-06-30T23:59:59.123456+02:00"));
    assertThat(parse("created_at lt 2020-01-01t00:00:00z").get(0).value())
        .isInstanceOf(DateTimeLiteral.class);
  }

  @Test
  void acceptsKeysWithPathsAndPunctuation() {
    assertThat(parse("context/organization_guid eq 'o' and a-b.c_d eq 1"))
        .extracting(Criterion::key)
        .containsExactly("context/organization_guid", "a-b.c_d");
  }

  @Test
  void keepsRepeatedKeys() {
    assertThat(parse("name ne 'a' and name ne 'b'")).hasSize(2);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "\"\"                             | must not be empty",
        "\"   \"                          | must not be empty",
        "name  eq 'a'                   | exactly one space after key 'name'",
        "name eq  'a'                   | exactly one space after operator 'eq'",
        "name eq'a'                     | single space after operator 'eq'",
        "name eq                        | single space after operator 'eq' at the end",
        "\"name eq \"                     | expected a value at the end",
        "name                           | single space after key 'name' at the end",
        "nameeq 'a'                     | expected an operator after key 'nameeq'",
        "name EQ 'a'                    | unsupported operator 'EQ'",
        "name like 'a'                  | unsupported operator 'like'",
        "name eq 'a                     | unterminated quoted value starting at position 9",
        "name eq 'it''s                 | unterminated quoted value",
        "name eq 'a' extra              | unexpected ' extra' at position 12",
        "name eq 'a'  and id eq 'b'     | unexpected '  and id eq 'b''",
        "name eq 'a' or id eq 'b'       | unexpected ' or id eq 'b''",
        "name eq 'a' and                | unexpected ' and'",
        "\"name eq 'a' and \"             | expected a key at the end",
        "(name eq 'a')                  | expected a key at position 1",
        "name:x eq 'a'                  | invalid character ':' in key 'name'",
        "name eq ('a')                  | takes a single value, not a list",
        "name eq 'a', 'b'               | takes a single value; use 'in'",
        "name eq 'a' 'b'                | unexpected ' 'b''",
        "name in 'a'                    | operator 'in' needs a parenthesised list",
        "name notin 'a'                 | operator 'notin' needs a parenthesised list",
        "name in ('a'                   | missing its closing ')'",
        "name in ('a',)                 | expected a value at position 14",
        "name in ('a' 'b')              | expected ',' or ')' in list at position 13",
        "name in ('a',  'b')            | expected a value at position 15",
        "name in ( 'a')                 | expected a value at position 10",
        "name in ('a') x                | unexpected ' x'",
        "name eq abc                    | invalid value 'abc' at position 9",
        "name eq 2020-01-01             | invalid value '2020-01-01'",
        "name eq 2020-13-01T00:00:00Z   | invalid value '2020-13-01T00:00:00Z'",
        "name eq 2020-01-01T00:00Z      | invalid value '2020-01-01T00:00Z'",
        "name eq TRUE                   | invalid value 'TRUE'",
        "name eq 1e5000                 | invalid value '1e5000'",
      })
  void rejectsMalformedExpressions(String expression, String message) {
    assertThatThrownBy(() -> QueryParser.parse(expression, false))
        .isInstanceOfSatisfying(ApiException.class, Fields.error("InvalidFieldQuery", message));
    assertThatThrownBy(() -> QueryParser.parse(expression, true))
        .isInstanceOfSatisfying(ApiException.class, Fields.error("InvalidLabelQuery", message));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"name eq 'a\nb'", "name eq 'a\rb'", "name in ('a', 'b\r\n')", "x eq 1\n2"})
  void rejectsLineBreaksInValues(String expression) {
    assertThatThrownBy(() -> QueryParser.parse(expression, false))
        .isInstanceOfSatisfying(
            ApiException.class, Fields.error("InvalidFieldQuery", "must not contain line breaks"));
  }

  @Test
  void listsTheSupportedOperatorsWhenOneIsUnknown() {
    assertThatThrownBy(() -> parse("name is 'a'"))
        .isInstanceOfSatisfying(
            ApiException.class,
            Fields.error("InvalidFieldQuery", "eq, ne, gt, lt, ge, le, in, notin, en, contains"));
  }

  @Test
  void abbreviatesHugeValuesInErrors() {
    String huge = "x".repeat(10_000);
    assertThatThrownBy(() -> parse("name eq " + huge))
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.description()).hasSizeLessThan(400));
  }

  @Test
  void mapsOperatorWordsOnlyInLowercase() {
    assertThat(Operator.fromWord("notin")).contains(Operator.NOTIN);
    assertThat(Operator.fromWord("NOTIN")).isEmpty();
    assertThat(Operator.fromWord("")).isEmpty();
  }
}

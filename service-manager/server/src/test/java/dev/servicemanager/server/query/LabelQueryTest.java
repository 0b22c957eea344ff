package dev.servicemanager.server.query;

import static dev.servicemanager.server.query.Fields.labelSql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicemanager.spi.ApiException;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LabelQueryTest {
  private static final String IN_LABELS =
      "t.id IN (SELECT resource_id FROM labels WHERE key = ? AND ";
  private static final String NOT_IN_LABELS =
      "t.id NOT IN (SELECT resource_id FROM labels WHERE key = ? AND ";
  private static final String NUMERIC =
      "(CASE WHEN value ~ '^-?[0-9]+(\\.[0-9]+)?$' THEN value::numeric END)";

  @Test
  void rendersEq() {
    SqlFragment sql = labelSql("env eq 'dev'");
    assertThat(sql.sql()).isEqualTo("(" + IN_LABELS + "value = ?))");
    assertThat(sql.params()).containsExactly("env", "dev");
  }

  @Test
  void rendersNeSoThatResourcesWithoutTheKeyMatch() {
    SqlFragment sql = labelSql("env ne 'dev'");
    assertThat(sql.sql()).isEqualTo("(" + NOT_IN_LABELS + "value = ?))");
    assertThat(sql.params()).containsExactly("env", "dev");
  }

  @Test
  void rendersInAndNotin() {
    SqlFragment in = labelSql("env in ('dev', 'test')");
    assertThat(in.sql()).isEqualTo("(" + IN_LABELS + "value IN (?, ?)))");
    assertThat(in.params()).containsExactly("env", "dev", "test");

    SqlFragment notin = labelSql("env notin ('prod')");
    assertThat(notin.sql()).isEqualTo("(" + NOT_IN_LABELS + "value IN (?)))");
    assertThat(notin.params()).containsExactly("env", "prod");
  }

  @Test
  void rendersEmptyInAsFalseAndEmptyNotinAsTrue() {
    assertThat(labelSql("env in ()").sql()).isEqualTo("(FALSE)");
    assertThat(labelSql("env in ()").params()).isEmpty();
    assertThat(labelSql("env notin ()")).isEqualTo(SqlFragment.TRUE);
  }

  @Test
  void rendersContainsWithLikeWildcardsEscaped() {
    SqlFragment sql = labelSql("team contains 'a_b%'");
    assertThat(sql.sql()).isEqualTo("(" + IN_LABELS + "value LIKE ? ESCAPE '\\'))");
    assertThat(sql.params()).containsExactly("team", "%a\\_b\\%%");
  }

  @ParameterizedTest
  @CsvSource({"gt, >", "lt, <", "ge, >=", "le, <="})
  void rendersOrderingOperatorsAsNumericComparisons(String word, String sqlOperator) {
    SqlFragment sql = labelSql("tier " + word + " 2.5");
    assertThat(sql.sql()).isEqualTo("(" + IN_LABELS + NUMERIC + " " + sqlOperator + " ?))");
    assertThat(sql.params()).containsExactly("tier", new BigDecimal("2.5"));
  }

  @Test
  void acceptsAQuotedNumberForOrderingOperators() {
    assertThat(labelSql("tier ge '3'").params()).containsExactly("tier", new BigDecimal("3"));
  }

  @Test
  void comparesBareValuesByTheirSourceText() {
    assertThat(labelSql("version in (1.50, true, 2020-01-01T00:00:00+01:00)").params())
        .containsExactly("version", "1.50", "true", "2020-01-01T00:00:00+01:00");
  }

  @Test
  void allowsAnyKeyAndJoinsSeveralCriteria() {
    SqlFragment sql = labelSql("env eq 'dev' and some/odd.key-name_1 ne 'x'");
    assertThat(sql.sql())
        .isEqualTo("(" + IN_LABELS + "value = ?)) AND (" + NOT_IN_LABELS + "value = ?))");
    assertThat(sql.params()).containsExactly("env", "dev", "some/odd.key-name_1", "x");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "env eq 'a' and env eq 'b'   | label key 'env' appears more than once",
        "env in ('a') and env ne 'b' | label key 'env' appears more than once",
        "env en 'a'                  | en is only supported for field queries",
        "tier gt 'high'              | operator 'gt' on label key 'tier' needs a number, got"
            + " 'high'",
        "tier lt true                | operator 'lt' on label key 'tier' needs a number, got true",
        "tier ge 2020-01-01T00:00:00Z | needs a number, got 2020-01-01T00:00:00Z",
      })
  void rejectsInvalidLabelCriteria(String labelQuery, String message) {
    assertThatThrownBy(() -> ListQuery.of(null, labelQuery, Fields.ALL))
        .isInstanceOfSatisfying(ApiException.class, Fields.error("InvalidLabelQuery", message));
  }

  @Test
  void reportsLabelErrorsAsLabelErrorsEvenWithAValidFieldQuery() {
    assertThatThrownBy(() -> ListQuery.of("name eq 'a'", "env eq", Fields.ALL))
        .isInstanceOfSatisfying(
            ApiException.class, Fields.error("InvalidLabelQuery", "after operator 'eq'"));
  }
}

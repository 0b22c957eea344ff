package dev.servicemanager.server.query;

import static dev.servicemanager.server.query.Fields.fieldSql;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicemanager.spi.ApiException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FieldQueryTest {
  private static final OffsetDateTime NEW_YEAR =
      OffsetDateTime.of(2020, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);

  @Test
  void rendersEq() {
    SqlFragment sql = fieldSql("name eq 'a'");
    assertThat(sql.sql()).isEqualTo("(t.name = ?)");
    assertThat(sql.params()).containsExactly("a");
  }

  @Test
  void rendersNeSoThatNullsMatch() {
    SqlFragment sql = fieldSql("description ne 'a'");
    assertThat(sql.sql()).isEqualTo("(t.description IS DISTINCT FROM ?)");
    assertThat(sql.params()).containsExactly("a");
  }

  @Test
  void rendersIn() {
    SqlFragment sql = fieldSql("name in ('a', 'b','c')");
    assertThat(sql.sql()).isEqualTo("(t.name IN (?, ?, ?))");
    assertThat(sql.params()).containsExactly("a", "b", "c");
  }

  @Test
  void rendersNotinWithNullsOnlyForNullableFields() {
    SqlFragment nullable = fieldSql("description notin ('a', 'b')");
    assertThat(nullable.sql())
        .isEqualTo("((t.description IS NULL OR t.description NOT IN (?, ?)))");
    assertThat(nullable.params()).containsExactly("a", "b");

    SqlFragment required = fieldSql("name notin ('a')");
    assertThat(required.sql()).isEqualTo("(t.name NOT IN (?))");
    assertThat(required.params()).containsExactly("a");
  }

  @Test
  void rendersEmptyInAsFalseAndEmptyNotinAsTrue() {
    assertThat(fieldSql("name in ()")).isEqualTo(new SqlFragment("(FALSE)", java.util.List.of()));
    assertThat(fieldSql("name notin ()").isTrue()).isTrue();
    assertThat(fieldSql("name notin () and id eq 'x'").sql()).isEqualTo("(t.id = ?)");
  }

  @Test
  void rendersEnAsEqualOrNull() {
    SqlFragment sql = fieldSql("max_items en 5");
    assertThat(sql.sql()).isEqualTo("((t.max_items = ? OR t.max_items IS NULL))");
    assertThat(sql.params()).containsExactly(5L);
  }

  @Test
  void rendersContainsWithLikeWildcardsEscaped() {
    SqlFragment sql = fieldSql("name contains '50%_a\\b'");
    assertThat(sql.sql()).isEqualTo("(t.name LIKE ? ESCAPE '\\')");
    assertThat(sql.params()).containsExactly("%50\\%\\_a\\\\b%");
  }

  @ParameterizedTest
  @CsvSource({"gt, >", "lt, <", "ge, >=", "le, <="})
  void rendersOrderingOperatorsOnIntegersAndDatetimes(String word, String sqlOperator) {
    SqlFragment integer = fieldSql("max_items " + word + " 10");
    assertThat(integer.sql()).isEqualTo("(t.max_items " + sqlOperator + " ?)");
    assertThat(integer.params()).containsExactly(10L);

    SqlFragment dateTime = fieldSql("created_at " + word + " 2020-01-01T00:00:00Z");
    assertThat(dateTime.sql()).isEqualTo("(t.created_at " + sqlOperator + " ?)");
    assertThat(dateTime.params()).containsExactly(NEW_YEAR);
  }

  @Test
  void bindsBooleansWrittenBareOrQuoted() {
    assertThat(fieldSql("ready eq true").params()).containsExactly(true);
    assertThat(fieldSql("ready eq 'false'").params()).containsExactly(false);
  }

  @Test
  void bindsIntegersWrittenBareOrQuoted() {
    assertThat(fieldSql("max_items eq -7").params()).containsExactly(-7L);
    assertThat(fieldSql("max_items in ('7', 8)").params()).containsExactly(7L, 8L);
  }

  @Test
  void bindsDatetimesWithOffsetsAndFractionsWrittenBareOrQuoted() {
    OffsetDateTime expected =
        OffsetDateTime.of(2020, 6, 30, 23, 59, 59, 500_000_000, ZoneOffset.ofHoursMinutes(-5, -30));
    assertThat(fieldSql("created_at eq 2020-06-30T23:59:59.5-05:30").params())
        .containsExactly(expected);
    assertThat(fieldSql("created_at ge '2020-06-30T23:59:59.5-05:30'").params())
        .containsExactly(expected);
  }

  @Test
  void comparesBareValuesOnStringFieldsByTheirSourceText() {
    assertThat(fieldSql("name in (1.50, true, 2020-01-01T00:00:00Z)").params())
        .containsExactly("1.50", "true", "2020-01-01T00:00:00Z");
  }

  @Test
  void rendersJsonPathKeysWithTheBoundPath() {
    SqlFragment sql = fieldSql("context/organization_guid eq 'o1'");
    assertThat(sql.sql()).isEqualTo("(t.context #>> ?::text[] = ?)");
    assertThat(sql.params()).containsExactly(new String[] {"organization_guid"}, "o1");

    SqlFragment nested = fieldSql("context/a/b.c contains 'x'");
    assertThat(nested.sql()).isEqualTo("(t.context #>> ?::text[] LIKE ? ESCAPE '\\')");
    assertThat(nested.params()).containsExactly(new String[] {"a", "b.c"}, "%x%");
  }

  @Test
  void repeatsThePathParameterWhereverAJsonPathIsUsedTwice() {
    SqlFragment sql = fieldSql("context/space notin ('s1')");
    assertThat(sql.sql())
        .isEqualTo("((t.context #>> ?::text[] IS NULL OR t.context #>> ?::text[] NOT IN (?)))");
    assertThat(sql.params()).containsExactly(new String[] {"space"}, new String[] {"space"}, "s1");

    SqlFragment en = fieldSql("context/space en 's1'");
    assertThat(en.sql())
        .isEqualTo("((t.context #>> ?::text[] = ? OR t.context #>> ?::text[] IS NULL))");
    assertThat(en.params()).containsExactly(new String[] {"space"}, "s1", new String[] {"space"});
  }

  @Test
  void allowsTheSameFieldTwice() {
    SqlFragment sql = fieldSql("name ne 'a' and name ne 'b'");
    assertThat(sql.sql()).isEqualTo("(t.name IS DISTINCT FROM ?) AND (t.name IS DISTINCT FROM ?)");
    assertThat(sql.params()).containsExactly("a", "b");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "foo eq 'a'                  | unsupported field query key 'foo'; supported:"
            + " context/<path>, created_at, description, id, max_items, name, ready",
        "foo/bar eq 'a'              | unsupported field query key 'foo/bar'",
        "context eq 'a'              | field 'context' is a JSON field",
        "name/first eq 'a'           | paths are only supported on JSON fields",
        "context//a eq 'a'           | 'context//a' has an empty path segment",
        "context/ eq 'a'             | 'context/' has an empty path segment",
        "name gt 'a'                 | operator 'gt' is not supported for field 'name' of type"
            + " STRING",
        "ready le true               | operator 'le' is not supported for field 'ready' of type"
            + " BOOLEAN",
        "context/x lt 'a'            | operator 'lt' is not supported for field 'context/x' of type"
            + " STRING",
        "max_items contains 1        | operator 'contains' is not supported for field 'max_items'"
            + " of type INTEGER",
        "ready contains 'true'       | operator 'contains' is not supported for field 'ready' of"
            + " type BOOLEAN",
        "ready eq 'yes'              | field 'ready' is of type BOOLEAN and expects true or false,"
            + " got 'yes'",
        "ready eq 1                  | field 'ready' is of type BOOLEAN and expects true or false,"
            + " got 1",
        "max_items eq 'abc'          | field 'max_items' is of type INTEGER and expects an integer,"
            + " got 'abc'",
        "max_items eq 1.5            | expects an integer, got 1.5",
        "max_items eq 99999999999999999999 | expects an integer, got 99999999999999999999",
        "max_items in (1, true)      | expects an integer, got true",
        "created_at gt 'yesterday'   | field 'created_at' is of type DATETIME and expects an RFC"
            + " 3339 datetime",
        "created_at gt 5             | got 5",
        "created_at eq '2020-01-01'  | got '2020-01-01'",
      })
  void rejectsInvalidFieldCriteria(String fieldQuery, String message) {
    assertThatThrownBy(() -> ListQuery.of(fieldQuery, null, Fields.ALL))
        .isInstanceOfSatisfying(ApiException.class, Fields.error("InvalidFieldQuery", message));
  }
}

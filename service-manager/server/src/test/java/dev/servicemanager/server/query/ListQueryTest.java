package dev.servicemanager.server.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicemanager.spi.ApiException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListQueryTest {
  @Test
  void rendersTrueWithoutCriteria() {
    ListQuery query = ListQuery.of(null, null, Fields.ALL);
    assertThat(query.isEmpty()).isTrue();
    assertThat(query.toSql("t.id", "labels")).isEqualTo(SqlFragment.TRUE);
    assertThat(ListQuery.none().toSql("t.id", "labels").sql()).isEqualTo("TRUE");
  }

  @Test
  void inlinesPrefetchedIdsForPositiveLabelCriteriaOnly() {
    ListQuery query = ListQuery.of(null, "env eq 'dev' and tier notin ('gold') and zone in ()", Fields.ALL);
    List<SqlFragment> offered = new java.util.ArrayList<>();
    SqlFragment sql =
        query.toSql(
            "t.id",
            "labels",
            ids -> {
              offered.add(ids);
              return java.util.Optional.of(List.of("id-1", "id-2"));
            });

    assertThat(offered)
        .as("only the positive criterion is prefetched; notin keeps its subquery, in () matches nothing")
        .containsExactly(new SqlFragment("SELECT resource_id FROM labels WHERE key = ? AND value = ?", List.of("env", "dev")));
    assertThat(sql.sql())
        .isEqualTo(
            "(t.id = ANY(?)) AND (t.id NOT IN (SELECT resource_id FROM labels WHERE key = ? AND value IN (?)))"
                + " AND (FALSE)");
    assertThat((String[]) sql.params().get(0)).containsExactly("id-1", "id-2");
    assertThat(sql.params().subList(1, 3)).containsExactly("tier", "gold");
  }

  @Test
  void offersTheLabelIdsForCountingOnlyForASinglePositiveLabelCriterion() {
    assertThat(ListQuery.of(null, "env in ('a','b')", Fields.ALL).soleLabelIds("labels"))
        .contains(new SqlFragment("SELECT resource_id FROM labels WHERE key = ? AND value IN (?, ?)", List.of("env", "a", "b")));
    assertThat(ListQuery.of(null, "env ne 'a'", Fields.ALL).soleLabelIds("labels")).isEmpty();
    assertThat(ListQuery.of(null, "env eq 'a' and tier eq 'b'", Fields.ALL).soleLabelIds("labels")).isEmpty();
    assertThat(ListQuery.of("name eq 'x'", "env eq 'a'", Fields.ALL).soleLabelIds("labels")).isEmpty();
    assertThat(ListQuery.of(null, null, Fields.ALL).soleLabelIds("labels")).isEmpty();
  }

  @Test
  void keepsTheSubqueryWhenThePrefetchDeclines() {
    SqlFragment sql = ListQuery.of(null, "env eq 'dev'", Fields.ALL).toSql("t.id", "labels", ids -> java.util.Optional.empty());
    assertThat(sql.sql()).isEqualTo("(t.id IN (SELECT resource_id FROM labels WHERE key = ? AND value = ?))");
  }

  @Test
  void rejectsPresentButEmptyParameters() {
    assertThatThrownBy(() -> ListQuery.of("", null, Fields.ALL))
        .isInstanceOfSatisfying(ApiException.class, Fields.error("InvalidFieldQuery", "empty"));
    assertThatThrownBy(() -> ListQuery.of(null, " ", Fields.ALL))
        .isInstanceOfSatisfying(ApiException.class, Fields.error("InvalidLabelQuery", "empty"));
  }

  @Test
  void andsFieldAndLabelCriteriaInOrder() {
    ListQuery query = ListQuery.of("name eq 'a' and ready eq true", "env in ('dev')", Fields.ALL);
    assertThat(query.fieldCriteria()).extracting(Criterion::key).containsExactly("name", "ready");
    assertThat(query.labelCriteria()).extracting(Criterion::key).containsExactly("env");

    SqlFragment sql = query.toSql("b.id", "broker_labels");
    assertThat(sql.sql())
        .isEqualTo(
            "(t.name = ?) AND (t.ready = ?) AND (b.id IN (SELECT resource_id FROM broker_labels"
                + " WHERE key = ? AND value IN (?)))");
    assertThat(sql.params()).containsExactly("a", true, "env", "dev");
  }

  @Test
  void neverPutsUserTextIntoTheSql() {
    String hostile = "x') OR 1=1 --";
    String quoted = "'" + hostile.replace("'", "''") + "'";
    ListQuery query =
        ListQuery.of(
            "name eq " + quoted + " and context/a contains " + quoted,
            "env in (" + quoted + ", 'y') and tier notin (" + quoted + ")",
            Fields.ALL);

    SqlFragment sql = query.toSql("t.id", "labels");

    assertThat(sql.sql()).doesNotContain("1=1", "--", "x'");
    assertThat(sql.params()).contains(hostile, "%" + hostile + "%", "y");
    assertThat(sql.params()).filteredOn(hostile::equals).hasSize(3);
  }

  @Test
  void refusesLabelCriteriaForResourcesWithoutLabels() {
    ListQuery query = ListQuery.of("name eq 'a'", "env eq 'dev'", Fields.ALL);
    assertThat(ListQuery.of("name eq 'a'", null, Fields.ALL).toSql("t.id", null).sql())
        .isEqualTo("(t.name = ?)");
    assertThatThrownBy(() -> query.toSql("t.id", null))
        .isInstanceOfSatisfying(ApiException.class, Fields.error("InvalidLabelQuery", "no labels"));
  }

  @Test
  void andsFragmentsWithTrueAsTheNeutralElement() {
    SqlFragment a = new SqlFragment("a = ?", List.<Object>of(1));
    SqlFragment b = new SqlFragment("b = ? OR c = ?", List.<Object>of(2, 3));

    assertThat(SqlFragment.TRUE.and(a)).isEqualTo(a);
    assertThat(a.and(SqlFragment.TRUE)).isEqualTo(a);
    assertThat(a.and(b))
        .isEqualTo(new SqlFragment("(a = ?) AND (b = ? OR c = ?)", List.<Object>of(1, 2, 3)));
  }
}

package dev.servicemanager.server.registry;

import static dev.servicemanager.server.support.Api.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.server.support.ApiTestBase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The behaviour every registry resource shares (Peripli's DescribeTestsFor): get, list, paging,
 * every field and label query operator, label changes, errors and authentication. Expected
 * results are computed in Java from the unfiltered list, so each query is checked against an
 * independent answer.
 */
abstract class ResourceApiContract extends ApiTestBase {
  static final int SEEDED = 5;

  /** The collection path, e.g. {@code /v1/platforms}. */
  abstract String path();

  /** Creates {@code n} resources whose {@link #nameField()} values differ; returns their ids. */
  abstract List<String> seed(int n);

  /** A string field whose value differs per seeded resource. */
  abstract String nameField();

  private List<String> seeded;

  List<String> seedWithLabels() {
    seeded = seed(SEEDED);
    for (int i = 0; i < seeded.size(); i++) {
      Api.Result patched =
          admin()
              .patch(
                  path() + "/" + seeded.get(i),
                  Map.of(
                      "labels",
                      List.of(
                          Map.of("op", "add", "key", "order", "values", List.of(String.valueOf(i + 1))),
                          Map.of("op", "add", "key", "parity", "values", List.of(i % 2 == 0 ? "odd" : "even")),
                          Map.of("op", "add_values", "key", "tag", "values", List.of("alpha-" + i, "common")))));
      assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
    }
    return seeded;
  }

  List<Map<String, Object>> everything() {
    Api.Result all = admin().get(path() + "?max_items=200");
    assertThat(all.status()).as(all.toString()).isEqualTo(200);
    return all.items();
  }

  List<String> idsWhere(Predicate<Map<String, Object>> predicate) {
    return everything().stream().filter(predicate).map(i -> (String) i.get("id")).toList();
  }

  List<String> query(String param, String expression) {
    Api.Result result = admin().get(path() + "?max_items=200&" + param + "=" + q(expression));
    assertThat(result.status()).as(expression + " -> " + result).isEqualTo(200);
    assertThat(((Number) result.json().get("num_items")).intValue()).isEqualTo(result.items().size());
    return result.ids();
  }

  @SuppressWarnings("unchecked")
  static List<String> labelValues(Map<String, Object> item, String key) {
    Map<String, Object> labels = (Map<String, Object>) item.getOrDefault("labels", Map.of());
    return (List<String>) labels.getOrDefault(key, List.of());
  }

  @Test
  void getReturnsTheResourceWithItsLabels() {
    String id = seedWithLabels().get(2);
    Api.Result result = admin().get(path() + "/" + id);
    assertThat(result.status()).isEqualTo(200);
    assertThat(result.json()).containsEntry("id", id).containsKeys("created_at", "updated_at", "ready");
    assertThat(labelValues(result.json(), "order")).containsExactly("3");
    assertThat(labelValues(result.json(), "tag")).containsExactlyInAnyOrder("alpha-2", "common");
  }

  @Test
  void getOfAnUnknownIdIs404NotFound() {
    Api.Result result = admin().get(path() + "/no-such-id");
    assertThat(result.status()).isEqualTo(404);
    assertThat(result.error()).isEqualTo("NotFound");
    assertThat(result.string("description")).startsWith("could not find such");
  }

  @Test
  void listReturnsEverythingInCreationOrderWithTheCount() {
    List<String> ids = seedWithLabels();
    Api.Result all = admin().get(path());
    assertThat(all.status()).isEqualTo(200);
    assertThat(all.ids()).containsSubsequence(ids);
    assertThat(((Number) all.json().get("num_items")).intValue()).isEqualTo(all.items().size());
    assertThat(all.json()).doesNotContainKey("token");
    assertThat(all.header("Link")).isNull();
  }

  @Test
  void pagesThroughSeveralPagesWithOpaqueTokensAndLinkHeaders() {
    seedWithLabels();
    List<String> expected = everything().stream().map(i -> (String) i.get("id")).toList();
    List<String> seen = new ArrayList<>();
    String next = path() + "?max_items=2";
    int pages = 0;
    while (next != null) {
      Api.Result page = admin().get(next);
      assertThat(page.status()).isEqualTo(200);
      assertThat(((Number) page.json().get("num_items")).intValue()).isEqualTo(expected.size());
      assertThat(page.items()).hasSizeLessThanOrEqualTo(2);
      seen.addAll(page.ids());
      pages++;
      String link = page.header("Link");
      if (page.string("token") == null) {
        assertThat(link).isNull();
        next = null;
      } else {
        assertThat(link).endsWith(">; rel=\"next\"").contains("token=" + page.string("token"));
        next = link.substring(link.indexOf('<') + 1, link.indexOf('>'));
      }
    }
    assertThat(seen).containsExactlyElementsOf(expected);
    assertThat(pages).isEqualTo((expected.size() + 1) / 2);
  }

  @Test
  void readyIsQueryableAsPeripliAgentsDoOnEveryResync() {
    List<String> ids = seedWithLabels();
    Api.Result ready = admin().get(path() + "?fieldQuery=" + q("ready eq true"));
    assertThat(ready.status()).as(ready.toString()).isEqualTo(200);
    assertThat(ready.ids()).containsAll(ids);
    assertThat(admin().get(path() + "?fieldQuery=" + q("ready eq false")).ids()).isEmpty();
  }

  @Test
  void maxItemsZeroReturnsOnlyTheCount() {
    seedWithLabels();
    Api.Result result = admin().get(path() + "?max_items=0");
    assertThat(result.status()).isEqualTo(200);
    assertThat(result.json()).containsOnlyKeys("num_items");
    assertThat(((Number) result.json().get("num_items")).intValue()).isEqualTo(everything().size());
  }

  @ParameterizedTest
  @ValueSource(strings = {"max_items=-1", "max_items=abc", "max_items=1.5"})
  void invalidMaxItemsIs400InvalidMaxItems(String param) {
    Api.Result result = admin().get(path() + "?" + param);
    assertThat(result.status()).isEqualTo(400);
    assertThat(result.error()).isEqualTo("InvalidMaxItems");
  }

  @ParameterizedTest
  @ValueSource(strings = {"token=%25%25%25", "token=bm90LWEtbnVtYmVy", "token=LTU"})
  void invalidTokensAre400TokenInvalid(String param) {
    Api.Result result = admin().get(path() + "?" + param);
    assertThat(result.status()).isEqualTo(400);
    assertThat(result.error()).isEqualTo("TokenInvalid");
  }

  @Test
  void everyFieldQueryOperatorSelectsWhatItSays() {
    seedWithLabels();
    List<Map<String, Object>> all = everything();
    String field = nameField();
    String first = (String) all.get(all.size() - 1).get(field);
    String second = (String) all.get(all.size() - 2).get(field);
    assertThat(query("fieldQuery", field + " eq '" + first + "'"))
        .containsExactlyElementsOf(idsWhere(i -> first.equals(i.get(field))));
    assertThat(query("fieldQuery", field + " ne '" + first + "'"))
        .containsExactlyElementsOf(idsWhere(i -> !first.equals(i.get(field))));
    assertThat(query("fieldQuery", field + " in ('" + first + "', '" + second + "')"))
        .containsExactlyElementsOf(idsWhere(i -> Set.of(first, second).contains(i.get(field))));
    assertThat(query("fieldQuery", field + " notin ('" + first + "','" + second + "')"))
        .containsExactlyElementsOf(idsWhere(i -> !Set.of(first, second).contains(i.get(field))));
    String middle = first.substring(1, first.length() - 1);
    assertThat(query("fieldQuery", field + " contains '" + middle + "'"))
        .containsExactlyElementsOf(idsWhere(i -> i.get(field) != null && ((String) i.get(field)).contains(middle)));
    assertThat(query("fieldQuery", field + " en '" + first + "'"))
        .containsExactlyElementsOf(idsWhere(i -> i.get(field) == null || first.equals(i.get(field))));
    assertThat(query("fieldQuery", "id eq '" + all.get(0).get("id") + "' and " + field + " eq 'nothing-has-this'"))
        .isEmpty();
  }

  @Test
  void orderingOperatorsCompareTimestamps() {
    seedWithLabels();
    List<Map<String, Object>> all = everything();
    String pivot = (String) all.get(all.size() - 2).get("created_at");
    Instant at = Instant.parse(pivot);
    assertThat(query("fieldQuery", "created_at gt " + pivot))
        .containsExactlyElementsOf(idsWhere(i -> Instant.parse((String) i.get("created_at")).isAfter(at)));
    assertThat(query("fieldQuery", "created_at ge '" + pivot + "'"))
        .containsExactlyElementsOf(idsWhere(i -> !Instant.parse((String) i.get("created_at")).isBefore(at)));
    assertThat(query("fieldQuery", "created_at lt " + pivot))
        .containsExactlyElementsOf(idsWhere(i -> Instant.parse((String) i.get("created_at")).isBefore(at)));
    assertThat(query("fieldQuery", "created_at le " + pivot))
        .containsExactlyElementsOf(idsWhere(i -> !Instant.parse((String) i.get("created_at")).isAfter(at)));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "unknown_field eq 'x'",
        "id  eq 'x'",
        "id eq'x'",
        "id equals 'x'",
        "id eq 'unterminated",
        "id eq ('a','b')",
        "id in 'a'",
        "id gt 'a'",
        "id eq 'a' or id eq 'b'"
      })
  void malformedFieldQueriesAre400InvalidFieldQuery(String expression) {
    Api.Result result = admin().get(path() + "?fieldQuery=" + q(expression));
    assertThat(result.status()).as(expression).isEqualTo(400);
    assertThat(result.error()).isEqualTo("InvalidFieldQuery");
  }

  @Test
  void everyLabelQueryOperatorSelectsWhatItSays() {
    seedWithLabels();
    assertThat(query("labelQuery", "parity eq 'odd'"))
        .containsExactlyElementsOf(idsWhere(i -> labelValues(i, "parity").contains("odd")));
    assertThat(query("labelQuery", "parity ne 'odd'"))
        .containsExactlyElementsOf(idsWhere(i -> !labelValues(i, "parity").contains("odd")));
    assertThat(query("labelQuery", "order in ('1', '3')"))
        .containsExactlyElementsOf(idsWhere(i -> labelValues(i, "order").stream().anyMatch(Set.of("1", "3")::contains)));
    assertThat(query("labelQuery", "order notin ('1','3')"))
        .containsExactlyElementsOf(idsWhere(i -> labelValues(i, "order").stream().noneMatch(Set.of("1", "3")::contains)));
    assertThat(query("labelQuery", "tag contains 'pha-3'"))
        .containsExactlyElementsOf(idsWhere(i -> labelValues(i, "tag").contains("alpha-3")));
    assertThat(query("labelQuery", "order gt 2"))
        .containsExactlyElementsOf(idsWhere(i -> labelValues(i, "order").stream().anyMatch(v -> Integer.parseInt(v) > 2)));
    assertThat(query("labelQuery", "order le 2"))
        .containsExactlyElementsOf(idsWhere(i -> labelValues(i, "order").stream().anyMatch(v -> Integer.parseInt(v) <= 2)));
    assertThat(query("labelQuery", "parity eq 'even' and tag eq 'common'"))
        .containsExactlyElementsOf(idsWhere(i -> labelValues(i, "parity").contains("even")));
    assertThat(query("labelQuery", "no_such_key eq 'x'")).isEmpty();
  }

  @Test
  void fieldAndLabelQueriesCombine() {
    List<String> ids = seedWithLabels();
    Api.Result result =
        admin()
            .get(path() + "?fieldQuery=" + q("id ne '" + ids.get(0) + "'") + "&labelQuery=" + q("parity eq 'odd'"));
    assertThat(result.ids()).containsExactly(ids.get(2), ids.get(4));
  }

  @ParameterizedTest
  @ValueSource(strings = {"parity en 'odd'", "parity eq 'a' and parity eq 'b'", "parity eq ", "order gt 'x'"})
  void malformedLabelQueriesAre400InvalidLabelQuery(String expression) {
    Api.Result result = admin().get(path() + "?labelQuery=" + q(expression));
    assertThat(result.status()).as(expression).isEqualTo(400);
    assertThat(result.error()).isEqualTo("InvalidLabelQuery");
  }

  @Test
  void labelChangesAddAndRemoveKeysAndValues() {
    String id = seedWithLabels().get(0);
    Api.Result result =
        admin()
            .patch(
                path() + "/" + id,
                Map.of(
                    "labels",
                    List.of(
                        Map.of("op", "remove", "key", "parity"),
                        Map.of("op", "remove_values", "key", "tag", "values", List.of("common")),
                        Map.of("op", "add", "key", "tag", "values", List.of("beta", "alpha-0")))));
    assertThat(result.status()).as(result.toString()).isEqualTo(200);
    assertThat(labelValues(result.json(), "parity")).isEmpty();
    assertThat(labelValues(result.json(), "tag")).containsExactlyInAnyOrder("alpha-0", "beta");
    assertThat(labelValues(admin().get(path() + "/" + id).json(), "tag")).containsExactlyInAnyOrder("alpha-0", "beta");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"labels\":[{\"op\":\"add\",\"key\":\"x\",\"values\":[\"1\"]},{\"op\":\"explode\",\"key\":\"x\"}]}",
        "{\"labels\":[{\"op\":\"add\",\"key\":\"x\",\"values\":[\"1\"]},{\"op\":\"add\",\"key\":\"bad key\",\"values\":[\"1\"]}]}",
        "{\"labels\":[{\"op\":\"add\",\"key\":\"x\",\"values\":[\"1\"]},{\"op\":\"add\",\"key\":\"y\"}]}",
        "{\"labels\":[{\"op\":\"add\",\"key\":\"x\",\"values\":[\"1\"]},{\"op\":\"add\",\"key\":\"y\",\"values\":[\"a\\nb\"]}]}",
        "{\"labels\":[{\"key\":\"x\",\"values\":[\"1\"]}]}"
      })
  void aRejectedLabelChangeChangesNothing(String body) {
    String id = seedWithLabels().get(1);
    Map<String, Object> before = admin().get(path() + "/" + id).json();
    Api.Result result = admin().send("PATCH", path() + "/" + id, "application/json", body);
    assertThat(result.status()).as(result.toString()).isEqualTo(400);
    assertThat(result.error()).isEqualTo("BadRequest");
    assertThat(admin().get(path() + "/" + id).json()).isEqualTo(before);
  }

  @Test
  void requestsWithoutValidCredentialsAre401() {
    seedWithLabels();
    Api.Result none = anonymous().get(path());
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.error()).isEqualTo("Unauthorized");
    assertThat(anonymous().withAuthorization("Bearer not.a.jwt").get(path()).status()).isEqualTo(401);
    assertThat(anonymous().withAuthorization(Api.basic("nobody", "wrong")).get(path()).status()).isEqualTo(401);
  }

  @Test
  void platformsMayReadButNotWrite() {
    String id = seedWithLabels().get(0);
    Api platform = platformClient(createPlatform("reader-" + System.nanoTime(), "kubernetes"));
    assertThat(platform.get(path()).status()).isEqualTo(200);
    Api.Result write = platform.patch(path() + "/" + id, Map.of("labels", List.of()));
    assertThat(write.status()).isEqualTo(403);
    assertThat(write.error()).isEqualTo("Forbidden");
  }

  @Test
  void asyncTrueIsRefusedOnSynchronousResources() {
    Api.Result result = admin().get(path() + "?async=true");
    assertThat(result.status()).isEqualTo(400);
    assertThat(result.error()).isEqualTo("InvalidRequest");
  }

  static Set<String> asSet(List<String> values) {
    return new HashSet<>(values);
  }
}

package dev.servicemanager.server.store;

import dev.servicemanager.server.query.ListQuery;
import dev.servicemanager.server.query.SqlFragment;
import dev.servicemanager.spi.ApiException;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What every resource shares: listing with queries and paging, single reads, labels and deletes.
 * It runs on the caller's transaction; {@code scope} narrows what the caller may see (a platform
 * sees only what its visibilities allow) and is ANDed into every query.
 */
@Singleton
public final class ResourceStore {
  private static final int MAX_INLINED_LABEL_IDS = 2_000;
  private final Sql sql;

  public ResourceStore(Sql sql) {
    this.sql = sql;
  }

  private record Row<T>(long sequence, T item) {}

  public <T> Page<T> list(ResourceType<T> type, ListParams params, SqlFragment scope) {
    // List statements are built per request and their best plan depends on the values (a 1% label
    // wants the labels index first, a 90% one the paging order); PostgreSQL's generic plans for
    // prepared statements ignore them and measured 2x slower in bench/. Only for this transaction.
    sql.update("SET LOCAL plan_cache_mode = force_custom_plan");
    ListQuery query = ListQuery.of(params.fieldQuery(), params.labelQuery(), type.fields());
    SqlFragment where = scope.and(query.toSql("t.id", type.labelsTable(), this::labelIds));
    Optional<SqlFragment> soleLabel = scope.isTrue() ? query.soleLabelIds(type.labelsTable()) : Optional.empty();
    long count =
        soleLabel.isPresent()
            ? sql.queryLong(
                "SELECT count(DISTINCT resource_id) FROM (" + soleLabel.get().sql() + ") m", soleLabel.get().params())
            : sql.queryLong("SELECT count(*) FROM " + type.table() + " t WHERE " + where.sql(), where.params());
    if (params.maxItems() == 0) {
      return new Page<>(count, null, null);
    }
    List<Object> args = new ArrayList<>(where.params());
    args.add(params.after());
    args.add(params.maxItems() + 1);
    List<Row<T>> rows =
        sql.query(
            "SELECT t.* FROM " + type.table() + " t WHERE " + where.sql()
                + " AND t.paging_sequence > ? ORDER BY t.paging_sequence LIMIT ?",
            args,
            rs -> new Row<>(rs.getLong("paging_sequence"), type.mapper().map(rs)));
    String token = null;
    if (rows.size() > params.maxItems()) {
      rows = rows.subList(0, params.maxItems());
      token = ListParams.encodeToken(rows.get(rows.size() - 1).sequence());
    }
    List<T> items = withLabels(type, rows.stream().map(Row::item).toList());
    return new Page<>(count, items, token);
  }

  /**
   * Up to {@value #MAX_INLINED_LABEL_IDS} ids for a label criterion. Beyond that, probing each id
   * costs more than letting PostgreSQL join against the labels table (bench/ at 50,000 plans).
   */
  private Optional<List<String>> labelIds(SqlFragment idsQuery) {
    List<Object> args = new ArrayList<>(idsQuery.params());
    args.add(MAX_INLINED_LABEL_IDS + 1);
    // Rows, not distinct ids: several matching values of one resource count more than once, which
    // only makes the fallback come a little early, and the limit stops the scan.
    List<String> rows = sql.query(idsQuery.sql() + " LIMIT ?", args, rs -> rs.getString(1));
    return rows.size() > MAX_INLINED_LABEL_IDS
        ? Optional.empty()
        : Optional.of(List.copyOf(new LinkedHashSet<>(rows)));
  }

  /** Every matching resource, labels attached, in insertion order (internal use, no paging). */
  public <T> List<T> findAll(ResourceType<T> type, SqlFragment where) {
    List<T> items =
        sql.query(
            "SELECT t.* FROM " + type.table() + " t WHERE " + where.sql() + " ORDER BY t.paging_sequence",
            where.params(),
            type.mapper());
    return withLabels(type, items);
  }

  public <T> Optional<T> find(ResourceType<T> type, String id, SqlFragment scope) {
    SqlFragment where = new SqlFragment("t.id = ?", List.of(id)).and(scope);
    List<T> found = findAll(type, where);
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
  }

  /** Like {@link #find} but locks the row for the rest of the transaction. */
  public <T> Optional<T> findForUpdate(ResourceType<T> type, String id, SqlFragment scope) {
    SqlFragment where = new SqlFragment("t.id = ?", List.of(id)).and(scope);
    List<T> found =
        sql.query(
            "SELECT t.* FROM " + type.table() + " t WHERE " + where.sql() + " FOR UPDATE",
            where.params(),
            type.mapper());
    return found.isEmpty() ? Optional.empty() : Optional.of(withLabels(type, found).get(0));
  }

  public <T> T get(ResourceType<T> type, String id, SqlFragment scope) {
    return find(type, id, scope).orElseThrow(() -> ApiException.notFound(type.notFoundMessage()));
  }

  public <T> T getForUpdate(ResourceType<T> type, String id, SqlFragment scope) {
    return findForUpdate(type, id, scope)
        .orElseThrow(() -> ApiException.notFound(type.notFoundMessage()));
  }

  /** The resources a bulk delete would remove, locked, with labels. */
  public <T> List<T> lockMatching(ResourceType<T> type, ListParams params, SqlFragment scope) {
    SqlFragment where =
        scope.and(ListQuery.of(params.fieldQuery(), params.labelQuery(), type.fields())
            .toSql("t.id", type.labelsTable(), this::labelIds));
    List<T> items =
        sql.query(
            "SELECT t.* FROM " + type.table() + " t WHERE " + where.sql()
                + " ORDER BY t.paging_sequence FOR UPDATE",
            where.params(),
            type.mapper());
    return withLabels(type, items);
  }

  public void delete(ResourceType<?> type, String id) {
    sql.update("DELETE FROM " + type.table() + " WHERE id = ?", id);
  }

  public void insertLabels(ResourceType<?> type, String id, Map<String, List<String>> labels) {
    if (labels == null || labels.isEmpty()) {
      return;
    }
    List<List<?>> rows = new ArrayList<>();
    labels.forEach((key, values) -> values.stream().distinct().forEach(v -> rows.add(List.of(id, key, v))));
    sql.batch(
        "INSERT INTO " + type.labelsTable() + " (resource_id, key, value) VALUES (?, ?, ?)"
            + " ON CONFLICT DO NOTHING",
        rows);
  }

  /** Applies all changes in order, inside the caller's transaction (so atomically). */
  public void changeLabels(ResourceType<?> type, String id, List<LabelChange> changes) {
    if (changes == null) {
      return;
    }
    for (LabelChange change : changes) {
      switch (change.op()) {
        case "add", "add_values" -> insertLabels(type, id, Map.of(change.key(), change.values()));
        case "remove", "remove_values" -> {
          if (change.values() == null || change.values().isEmpty()) {
            sql.update(
                "DELETE FROM " + type.labelsTable() + " WHERE resource_id = ? AND key = ?", id, change.key());
          } else {
            sql.update(
                "DELETE FROM " + type.labelsTable()
                    + " WHERE resource_id = ? AND key = ? AND value = ANY(?)",
                id, change.key(), change.values().toArray(String[]::new));
          }
        }
        default -> throw new IllegalArgumentException("validated before: " + change.op());
      }
    }
  }

  public Map<String, List<String>> labels(ResourceType<?> type, String id) {
    return labelsOf(type, List.of(id)).getOrDefault(id, Map.of());
  }

  private <T> List<T> withLabels(ResourceType<T> type, List<T> items) {
    if (items.isEmpty()) {
      return items;
    }
    List<String> ids = items.stream().map(ResourceStore::idOf).toList();
    Map<String, Map<String, List<String>>> labels = labelsOf(type, ids);
    return items.stream()
        .map(item -> type.withLabels().apply(item, labels.getOrDefault(idOf(item), Map.of())))
        .toList();
  }

  private Map<String, Map<String, List<String>>> labelsOf(ResourceType<?> type, List<String> ids) {
    Map<String, Map<String, List<String>>> result = new LinkedHashMap<>();
    if (type.labelsTable() == null) {
      return result;
    }
    sql.query(
        "SELECT resource_id, key, value FROM " + type.labelsTable()
            + " WHERE resource_id = ANY(?) ORDER BY resource_id, key, value",
        List.of((Object) ids.toArray(String[]::new)),
        rs -> {
          result
              .computeIfAbsent(rs.getString(1), k -> new TreeMap<>())
              .computeIfAbsent(rs.getString(2), k -> new ArrayList<>())
              .add(rs.getString(3));
          return null;
        });
    return result;
  }

  private static String idOf(Object item) {
    if (item instanceof Identified identified) {
      return identified.id();
    }
    throw new IllegalArgumentException("resource records implement Identified: " + item.getClass());
  }
}

package dev.servicemanager.bench;

import dev.servicemanager.server.query.FieldType;
import dev.servicemanager.server.query.ListQuery;
import dev.servicemanager.server.query.SqlFragment;
import dev.servicemanager.server.store.ResourceType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.PGStatement;

/**
 * {@code EXPLAIN (ANALYZE, BUFFERS)} of the three statements one {@code GET /v1/service_plans} page
 * runs, built with the server's own {@link ListQuery} and the SQL text of {@code ResourceStore.list}
 * (count, page, labels of the page), so the plans are those of the server's statements.
 *
 * <p>Each statement is explained twice: with a custom plan (parameters known at planning, what
 * PgJDBC's first executions get) and with a generic plan ({@code plan_cache_mode =
 * force_generic_plan}, what a server-side prepared statement may switch to after PgJDBC's
 * prepareThreshold and PostgreSQL's five custom plans).
 */
final class Explain {
  private static final Pattern TIME = Pattern.compile("(Planning|Execution) Time: ([0-9.]+) ms");
  private static final Pattern NODE = Pattern.compile("^\\s*(?:->\\s*)?(.*?)\\s+\\(cost=.*$");

  private final Connection connection;
  private final int repeats;

  Explain(Connection connection, int repeats) {
    this.connection = connection;
    this.repeats = repeats;
  }

  record Statement3(String name, String sql, List<Object> params) {}

  /** The statements of one list request, in the order the server runs them. */
  List<Statement3> statements(String fieldQuery, String labelQuery, int pageSize) throws SQLException {
    SqlFragment where =
        SqlFragment.TRUE.and(
            ListQuery.of(fieldQuery, labelQuery, ResourceType.fields(ResourceType.field("free", FieldType.BOOLEAN, true)))
                .toSql("t.id", "service_plan_labels"));
    List<Statement3> out = new ArrayList<>();
    out.add(new Statement3("count", "SELECT count(*) FROM service_plans t WHERE " + where.sql(), where.params()));
    List<Object> pageParams = new ArrayList<>(where.params());
    pageParams.add(0L);
    pageParams.add(pageSize + 1);
    String pageSql =
        "SELECT t.* FROM service_plans t WHERE " + where.sql()
            + " AND t.paging_sequence > ? ORDER BY t.paging_sequence LIMIT ?";
    out.add(new Statement3("page", pageSql, pageParams));
    List<String> ids = new ArrayList<>();
    try (PreparedStatement ps = connection.prepareStatement(pageSql)) {
      bind(ps, pageParams);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next() && ids.size() < pageSize) {
          ids.add(rs.getString("id"));
        }
      }
    }
    out.add(
        new Statement3(
            "labels",
            "SELECT resource_id, key, value FROM service_plan_labels WHERE resource_id = ANY(?)"
                + " ORDER BY resource_id, key, value",
            List.of((Object) ids.toArray(String[]::new))));
    return out;
  }

  /** Explains each statement; returns per statement the median times and the last plans. */
  Map<String, Object> explain(List<Statement3> statements) throws SQLException {
    Map<String, Object> result = new LinkedHashMap<>();
    for (Statement3 s : statements) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("sql", s.sql());
      entry.put("custom", custom(s));
      entry.put("generic", generic(s));
      result.put(s.name(), entry);
    }
    return result;
  }

  private Map<String, Object> custom(Statement3 s) throws SQLException {
    double[] exec = new double[repeats];
    double[] plan = new double[repeats];
    String text = null;
    for (int i = 0; i < repeats; i++) {
      try (PreparedStatement ps = connection.prepareStatement("EXPLAIN (ANALYZE, BUFFERS) " + s.sql())) {
        // Never server-prepared: each run is planned with the actual values.
        ps.unwrap(PGStatement.class).setPrepareThreshold(0);
        bind(ps, s.params());
        text = lines(ps);
      }
      exec[i] = time(text, "Execution");
      plan[i] = time(text, "Planning");
    }
    return summary(text, exec, plan);
  }

  private Map<String, Object> generic(Statement3 s) throws SQLException {
    double[] exec = new double[repeats];
    double[] plan = new double[repeats];
    String text = null;
    try (Statement st = connection.createStatement()) {
      st.execute("SET plan_cache_mode = force_generic_plan");
      st.execute("PREPARE bench_q AS " + dollarParams(s.sql()));
      try {
        String execute = "EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_q(" + literals(s.params()) + ")";
        for (int i = 0; i < repeats; i++) {
          try (ResultSet rs = st.executeQuery(execute)) {
            text = lines(rs);
          }
          exec[i] = time(text, "Execution");
          plan[i] = time(text, "Planning");
        }
      } finally {
        st.execute("DEALLOCATE bench_q");
        st.execute("RESET plan_cache_mode");
      }
    }
    return summary(text, exec, plan);
  }

  private static Map<String, Object> summary(String text, double[] exec, double[] plan) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("execution_ms_median", Stats.round(median(exec)));
    m.put("planning_ms_median", Stats.round(median(plan)));
    m.put("shape", shape(text));
    m.put("plan", text);
    return m;
  }

  /** The plan's node names, outermost first, without costs: a one-line picture of the plan. */
  static String shape(String plan) {
    List<String> nodes = new ArrayList<>();
    for (String line : plan.split("\n")) {
      Matcher m = NODE.matcher(line);
      if (m.matches()) {
        nodes.add(m.group(1).replaceAll("\\s+", " "));
      }
    }
    return String.join(" > ", nodes);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[(sorted.length - 1) / 2];
  }

  private static double time(String plan, String which) {
    Matcher m = TIME.matcher(plan);
    while (m.find()) {
      if (m.group(1).equals(which)) {
        return Double.parseDouble(m.group(2));
      }
    }
    return Double.NaN;
  }

  private static String lines(PreparedStatement ps) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      return lines(rs);
    }
  }

  private static String lines(ResultSet rs) throws SQLException {
    StringBuilder sb = new StringBuilder();
    while (rs.next()) {
      sb.append(rs.getString(1)).append('\n');
    }
    return sb.toString();
  }

  private void bind(PreparedStatement ps, List<Object> params) throws SQLException {
    for (int i = 0; i < params.size(); i++) {
      Object v = params.get(i);
      if (v instanceof String[] array) {
        ps.setArray(i + 1, connection.createArrayOf("text", array));
      } else {
        ps.setObject(i + 1, v);
      }
    }
  }

  /** JDBC {@code ?} placeholders to {@code $n}, leaving quoted literals alone. */
  static String dollarParams(String sql) {
    StringBuilder out = new StringBuilder();
    boolean quoted = false;
    int n = 0;
    for (int i = 0; i < sql.length(); i++) {
      char c = sql.charAt(i);
      if (c == '\'') {
        quoted = !quoted;
      }
      if (c == '?' && !quoted) {
        out.append('$').append(++n);
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static String literals(List<Object> params) {
    List<String> out = new ArrayList<>();
    for (Object v : params) {
      if (v == null) {
        out.add("NULL");
      } else if (v instanceof String[] array) {
        List<String> items = new ArrayList<>();
        for (String s : array) {
          items.add(quote(s));
        }
        out.add("ARRAY[" + String.join(",", items) + "]::text[]");
      } else if (v instanceof Number || v instanceof Boolean) {
        out.add(v.toString());
      } else {
        out.add(quote(v.toString()));
      }
    }
    return String.join(", ", out);
  }

  private static String quote(String s) {
    return "'" + s.replace("'", "''") + "'";
  }
}

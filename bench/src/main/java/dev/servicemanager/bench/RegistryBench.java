package dev.servicemanager.bench;

import dev.servicemanager.testkit.FakeBroker;
import dev.servicemanager.testkit.FakeCatalog;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Latency harness for the registry: broker registration and catalog refresh with a 1,000-plan
 * catalog, then plan listing with label queries over 50,000 plans. See {@code bench/README.md}.
 *
 * <p>It starts a real Service Manager in this JVM (embedded PostgreSQL 17 in a fresh temporary
 * directory, random port) and an in-process fake OSB broker, drives the public HTTP API with one
 * keep-alive HTTP/1.1 client, one request at a time, prints a table with PASS/FAIL per target and
 * writes the same as JSON to {@code bench/results/registry-<timestamp>.json}.
 */
public final class RegistryBench implements BenchSupport.Harness {
  private static final double REGISTRATION_LIMIT_MS = 2000;
  private static final double REFRESH_LIMIT_MS = 2000;
  private static final double LIST_P99_LIMIT_MS = 20;
  private static final String BROKERS = "/v1/service_brokers";
  private static final String PLANS = "/v1/service_plans";
  private static final PrintStream OUT = System.out;

  private final Config cfg;
  private final Instant startedAt = Instant.now();
  private final long t0 = System.nanoTime();
  private final List<Row> rows = new ArrayList<>();
  private final List<Target> targets = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final Map<String, Object> setup = new LinkedHashMap<>();
  private final Map<String, Object> machine = BenchSupport.describeMachine();

  private BenchServer server;
  private FakeBroker fake;
  private Http http;
  private boolean cleanedUp;

  /** One line of the results table. */
  private record Row(String key, String label, Stats stats, boolean list) {}

  /** One target: the value measured against the limit. */
  private record Target(String name, double limitMs, double valueMs) {
    boolean pass() {
      return valueMs < limitMs;
    }
  }

  /** One list query of the latency phase. */
  private record ListCase(String key, String label, String fieldQuery, String labelQuery, long expected) {}

  private RegistryBench(Config cfg) {
    this.cfg = cfg;
  }

  public static void main(String[] args) {
    BenchSupport.runMain(() -> new RegistryBench(Config.from(args)));
  }

  @Override
  public int timeoutMinutes() {
    return cfg.timeoutMinutes();
  }

  @Override
  public int run() throws Exception {
    OUT.printf(Locale.ROOT, "Service Manager registry benchmark, %s%n", startedAt);
    OUT.printf(Locale.ROOT, "machine: %s CPUs, %s, Java %s (%s), max heap %s MB%n",
        machine.get("cpus"), machine.get("os"), machine.get("java"), machine.get("vm"), machine.get("max_heap_mb"));
    OUT.printf(Locale.ROOT, "config:  %s%n%n", cfg.asMap());

    startServer();
    registrationAndRefresh();
    populate();
    label();
    listLatency();
    boolean allPass = report();
    return allPass || !cfg.failOnMiss() ? 0 : 2;
  }

  // ------------------------------------------------------------------------------------ phases

  private void startServer() throws IOException {
    server = BenchServer.start(this::progress);
    rows.add(new Row("startup", "server start (embedded PG, migrations)", Stats.of(new long[] {server.startupNanos()}),
        false));
    machine.put("postgresql", server.postgresVersion());
    http = server.admin();
  }

  private void registrationAndRefresh() throws SQLException {
    int plans = cfg.catalogPlans();
    String prefix = "reg-";
    fake = FakeBroker.start(revision(prefix, 0));
    progress("registration: 1 warm-up + " + cfg.registrations() + " measured, catalog " + cfg.services()
        + " services x " + cfg.plansPerService() + " plans = " + plans + " plans");

    Http.Result cold = http.post(BROKERS, brokerBody("bench-reg-warmup")).expect(201);
    String coldId = id(cold);
    checkBrokerPlans(coldId, plans);
    http.delete(BROKERS + "/" + coldId).expect(200);
    checkBrokerPlans(coldId, 0);
    rows.add(new Row("registration_first", "registration, first (cold JVM, not in stats)",
        Stats.of(new long[] {cold.nanos()}), false));

    long[] registrations = new long[cfg.registrations()];
    long[] deletes = new long[cfg.registrations() - 1];
    String refreshId = null;
    for (int i = 0; i < cfg.registrations(); i++) {
      Http.Result r = http.post(BROKERS, brokerBody("bench-reg-" + i)).expect(201);
      registrations[i] = r.nanos();
      String brokerId = id(r);
      if (i < cfg.registrations() - 1) {
        deletes[i] = http.delete(BROKERS + "/" + brokerId).expect(200).nanos();
      } else {
        refreshId = brokerId;
      }
    }
    checkBrokerPlans(refreshId, plans);
    Stats reg = Stats.of(registrations);
    rows.add(new Row("registration", "registration (" + fmt(plans) + "-plan catalog)", reg, false));
    if (deletes.length > 0) {
      rows.add(new Row("broker_delete", "broker delete (" + fmt(plans) + " plans, info)", Stats.of(deletes), false));
    }
    targets.add(new Target("registration median", REGISTRATION_LIMIT_MS, reg.p50()));
    targets.add(new Target("registration p99" + (reg.p99IsMax() ? " (= max)" : ""), REGISTRATION_LIMIT_MS, reg.p99()));

    progress("refresh: 1 warm-up + " + cfg.refreshes() + " measured, " + cfg.services()
        + " plan descriptions flipped between refreshes");
    Stats[] refresh = refreshes(refreshId, prefix, "refresh");
    rows.add(new Row("refresh_first", "refresh, first (not in stats)", refresh[0], false));
    rows.add(new Row("refresh", "refresh (" + fmt(plans) + " plans, " + cfg.services() + " changed)", refresh[1], false));
    targets.add(new Target("refresh median", REFRESH_LIMIT_MS, refresh[1].p50()));
    targets.add(new Target("refresh p99" + (refresh[1].p99IsMax() ? " (= max)" : ""), REFRESH_LIMIT_MS, refresh[1].p99()));

    // Start the population from an empty registry so that it holds exactly brokers x catalog plans.
    http.delete(BROKERS + "/" + refreshId).expect(200);
  }

  /** A warm-up refresh, then the measured ones; the fake's catalog flips between two revisions. */
  private Stats[] refreshes(String brokerId, String prefix, String what) throws SQLException {
    fake.catalog(revision(prefix, 1));
    long first = http.patch(BROKERS + "/" + brokerId, Map.of()).expect(200).nanos();
    checkDescription(brokerId, prefix, 1);
    long[] times = new long[cfg.refreshes()];
    int rev = 1;
    for (int i = 0; i < cfg.refreshes(); i++) {
      rev = rev == 1 ? 2 : 1;
      fake.catalog(revision(prefix, rev));
      times[i] = http.patch(BROKERS + "/" + brokerId, Map.of()).expect(200).nanos();
    }
    checkDescription(brokerId, prefix, rev);
    checkBrokerPlans(brokerId, cfg.catalogPlans());
    return new Stats[] {Stats.of(new long[] {first}), Stats.of(times)};
  }

  private void populate() throws SQLException {
    int brokers = cfg.brokers();
    progress("population: registering " + brokers + " brokers x " + fmt(cfg.catalogPlans()) + " plans = "
        + fmt(cfg.totalPlans()) + " plans (distinct catalog ids per broker)");
    long[] times = new long[brokers];
    String lastId = null;
    long start = System.nanoTime();
    for (int k = 0; k < brokers; k++) {
      fake.catalog(revision(populationPrefix(k), 0));
      Http.Result r = http.post(BROKERS, brokerBody("bench-pop-" + k)).expect(201);
      times[k] = r.nanos();
      lastId = id(r);
      if ((k + 1) % 10 == 0 && k + 1 < brokers) {
        progress("  " + (k + 1) + " brokers registered");
      }
    }
    double populationMs = (System.nanoTime() - start) / 1e6;
    long total = numItems(PLANS + "?max_items=0");
    if (total != cfg.totalPlans()) {
      throw new BenchException("expected " + cfg.totalPlans() + " plans after population, the API lists " + total);
    }
    setup.put("population_ms", Stats.round(populationMs));
    setup.put("plans", total);
    setup.put("brokers", brokers);
    Stats pop = Stats.of(times);
    rows.add(new Row("registration_populating", "registration while populating 0->" + fmt(total), pop, false));
    targets.add(new Target("registration p99 while populating" + (pop.p99IsMax() ? " (= max)" : ""),
        REGISTRATION_LIMIT_MS, pop.p99()));
    progress(String.format(Locale.ROOT, "population done: %s plans in %.1f s", fmt(total), populationMs / 1000));

    progress("refresh at " + fmt(total) + " plans: 1 warm-up + " + cfg.refreshes() + " measured");
    Stats[] refresh = refreshes(lastId, populationPrefix(brokers - 1), "refresh at scale");
    rows.add(new Row("refresh_at_scale", "refresh with " + fmt(total) + " plans stored", refresh[1], false));
    targets.add(new Target("refresh p99 with " + fmt(total) + " plans stored" + (refresh[1].p99IsMax() ? " (= max)" : ""),
        REFRESH_LIMIT_MS, refresh[1].p99()));
  }

  private void label() throws SQLException {
    List<String> ids = new ArrayList<>();
    try (Connection c = jdbc();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id FROM service_plans ORDER BY paging_sequence")) {
      while (rs.next()) {
        ids.add(rs.getString(1));
      }
    }
    // Spread the labelled plans over the whole table (seeded, so every run labels the same ranks).
    Collections.shuffle(ids, new Random(42));
    int gold = (int) Math.round(ids.size() * cfg.goldPercent() / 100);
    int silver = (int) Math.round(ids.size() * cfg.silverPercent() / 100);
    if (gold < 1 || gold + silver > ids.size()) {
      throw new BenchException("goldPercent/silverPercent must select at least one plan and at most all: "
          + gold + " gold, " + silver + " silver of " + ids.size());
    }
    List<String> goldIds = ids.subList(0, gold);
    List<String> silverIds = ids.subList(gold, gold + silver);
    int viaApi = Math.min(cfg.apiLabels(), gold);
    progress("labels: tier=gold on " + fmt(gold) + " plans, tier=silver on " + fmt(silver) + " plans; "
        + viaApi + " via PATCH " + PLANS + "/{id}, the rest inserted with JDBC");

    if (viaApi > 0) {
      long[] patches = new long[viaApi];
      Map<String, Object> body =
          Map.of("labels", List.of(Map.of("op", "add", "key", "tier", "values", List.of("gold"))));
      for (int i = 0; i < viaApi; i++) {
        patches[i] = http.patch(PLANS + "/" + goldIds.get(i), body).expect(200).nanos();
      }
      rows.add(new Row("label_patch", "label PATCH of a plan (info)", Stats.of(patches), false));
    }
    long start = System.nanoTime();
    try (Connection c = jdbc()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps =
          c.prepareStatement("INSERT INTO service_plan_labels (resource_id, key, value) VALUES (?, 'tier', ?)"
              + " ON CONFLICT DO NOTHING")) {
        int batched = 0;
        for (int i = viaApi; i < gold + silver; i++) {
          ps.setString(1, ids.get(i));
          ps.setString(2, i < gold ? "gold" : "silver");
          ps.addBatch();
          if (++batched % 1000 == 0) {
            ps.executeBatch();
          }
        }
        ps.executeBatch();
      }
      c.commit();
    }
    double insertMs = (System.nanoTime() - start) / 1e6;
    start = System.nanoTime();
    try (Connection c = jdbc(); Statement s = c.createStatement()) {
      s.execute("VACUUM (ANALYZE)");
    }
    double vacuumMs = (System.nanoTime() - start) / 1e6;
    setup.put("labels_gold", gold);
    setup.put("labels_silver", silver);
    setup.put("labels_via_api", viaApi);
    setup.put("labels_via_jdbc", gold + silver - viaApi);
    setup.put("labels_jdbc_insert_ms", Stats.round(insertMs));
    setup.put("vacuum_analyze_ms", Stats.round(vacuumMs));
    notes.add("Label setup: " + viaApi + " labels added through PATCH " + PLANS + "/{id}, "
        + fmt(gold + silver - viaApi) + " inserted directly into service_plan_labels with JDBC (setup only,"
        + " not measured), then VACUUM (ANALYZE).");
    goldCount = gold;
    silverCount = silver;
    goldIdsForCheck = goldIds;
  }

  private int goldCount;
  private int silverCount;
  private List<String> goldIdsForCheck;

  private void listLatency() throws SQLException {
    long goldFree;
    try (Connection c = jdbc();
        PreparedStatement ps =
            c.prepareStatement("SELECT count(*) FROM service_plans p JOIN service_plan_labels l ON l.resource_id = p.id"
                + " WHERE l.key = 'tier' AND l.value = 'gold' AND p.free")) {
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        goldFree = rs.getLong(1);
      }
    }
    long total = cfg.totalPlans();
    List<ListCase> cases =
        List.of(
            new ListCase("list_label_eq", "list: tier eq 'gold' (" + fmt(goldCount) + " match)", null,
                "tier eq 'gold'", goldCount),
            new ListCase("list_label_in", "list: tier in (gold,silver) (" + fmt(goldCount + silverCount) + ")",
                null, "tier in ('gold','silver')", goldCount + silverCount),
            new ListCase("list_label_eq_field", "list: tier eq 'gold' + free eq true (" + fmt(goldFree) + ")",
                "free eq true", "tier eq 'gold'", goldFree),
            new ListCase("list_unfiltered", "list: unfiltered (" + fmt(total) + ")", null, null, total));
    progress("list latency: " + cfg.warmup() + " warm-up + " + cfg.requests() + " measured requests per query,"
        + " max_items=" + cfg.pageSize() + ", one client, sequential");
    for (ListCase lc : cases) {
      String path = listPath(lc, cfg.pageSize());
      // Correctness first: the count and the first page must be what was set up.
      long counted = numItems(listPath(lc, 0));
      if (counted != lc.expected()) {
        throw new BenchException("GET " + listPath(lc, 0) + " reports num_items " + counted + ", expected "
            + lc.expected());
      }
      Map<String, Object> page = http.get(path).expect(200).json();
      int items = ((List<?>) page.get("items")).size();
      if (items != Math.min(cfg.pageSize(), lc.expected())) {
        throw new BenchException("GET " + path + " returned " + items + " items, expected "
            + Math.min(cfg.pageSize(), lc.expected()));
      }
      for (int i = 0; i < cfg.warmup(); i++) {
        http.get(path).expect(200);
      }
      System.gc();
      long[] times = new long[cfg.requests()];
      for (int i = 0; i < cfg.requests(); i++) {
        Http.Result r = http.get(path);
        if (r.status() != 200) {
          r.expect(200);
        }
        times[i] = r.nanos();
      }
      Stats stats = Stats.of(times);
      rows.add(new Row(lc.key(), lc.label(), stats, true));
      targets.add(new Target(lc.label().replace("list: ", "list p99: "), LIST_P99_LIMIT_MS, stats.p99()));
      progress(String.format(Locale.ROOT, "  %-48s median %.2f ms, p99 %.2f ms", lc.label(), stats.p50(), stats.p99()));
    }
    if (goldIdsForCheck.isEmpty()) {
      throw new BenchException("no gold plans");
    }
  }

  // ------------------------------------------------------------------------------------ output

  private boolean report() throws IOException {
    OUT.println();
    OUT.println("RESULTS  (ms; nearest-rank percentiles: with n < 100, p99 is the max; one client, sequential)");
    String header = String.format(Locale.ROOT, "%-52s %5s %10s %10s %10s %10s %10s %9s",
        "phase", "n", "median", "p90", "p99", "max", "min", "req/s");
    OUT.println(header);
    OUT.println("-".repeat(header.length()));
    for (Row row : rows) {
      Stats s = row.stats();
      if (s.n() == 1) {
        OUT.printf(Locale.ROOT, "%-52s %5d %10.2f %10s %10s %10s %10s %9s%n", row.label(), 1, s.p50(), "", "", "", "", "");
      } else {
        OUT.printf(Locale.ROOT, "%-52s %5d %10.2f %10.2f %10.2f %10.2f %10.2f %9s%n", row.label(), s.n(), s.p50(),
            s.p90(), s.p99(), s.max(), s.min(),
            row.list() ? String.format(Locale.ROOT, "%.0f", s.throughput()) : "");
      }
    }
    OUT.println();
    OUT.printf(Locale.ROOT, "population: %d brokers x %s plans = %s plans registered in %.1f s%n",
        cfg.brokers(), fmt(cfg.catalogPlans()), fmt(cfg.totalPlans()),
        ((Double) setup.get("population_ms")) / 1000);
    OUT.printf(Locale.ROOT, "labels:     tier=gold on %s plans, tier=silver on %s; %s via the API, %s via JDBC"
            + " (%.0f ms), VACUUM (ANALYZE) %.0f ms%n",
        fmt(goldCount), fmt(silverCount), setup.get("labels_via_api"), fmt((Integer) setup.get("labels_via_jdbc")),
        setup.get("labels_jdbc_insert_ms"), setup.get("vacuum_analyze_ms"));

    OUT.println();
    OUT.println("TARGETS");
    boolean allPass = true;
    for (Target t : targets) {
      allPass &= t.pass();
      OUT.printf(Locale.ROOT, "  %-58s %10.2f ms  < %6.0f ms   %s%n", t.name(), t.valueMs(), t.limitMs(),
          t.pass() ? "PASS" : "FAIL");
    }
    long missed = targets.stream().filter(t -> !t.pass()).count();
    OUT.println(allPass ? "ALL TARGETS MET" : missed + " TARGET(S) MISSED");
    for (String note : notes) {
      OUT.println("note: " + note);
    }

    Path file = writeJson(allPass);
    OUT.printf(Locale.ROOT, "%nresults written to %s (run took %.1f s)%n", file, (System.nanoTime() - t0) / 1e9);
    return allPass;
  }

  private Path writeJson(boolean allPass) throws IOException {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("benchmark", "registry");
    json.put("timestamp", startedAt.toString());
    json.put("machine", machine);
    json.put("config", cfg.asMap());
    json.put("setup", setup);
    Map<String, Object> phases = new LinkedHashMap<>();
    for (Row row : rows) {
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("label", row.label());
      p.putAll(row.stats().asMap());
      if (row.list()) {
        p.put("throughput_rps", Stats.round(row.stats().throughput()));
      }
      phases.put(row.key(), p);
    }
    json.put("phases", phases);
    List<Object> t = new ArrayList<>();
    for (Target target : targets) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", target.name());
      m.put("limit_ms", target.limitMs());
      m.put("value_ms", Stats.round(target.valueMs()));
      m.put("pass", target.pass());
      t.add(m);
    }
    json.put("targets", t);
    json.put("all_targets_met", allPass);
    json.put("notes", notes);
    return BenchSupport.writeResults(cfg.resultsDir(), "registry", startedAt, json);
  }

  // ------------------------------------------------------------------------------------ helpers

  /** A generated catalog whose first plan of every service has a description of revision {@code rev}. */
  @SuppressWarnings("unchecked")
  private Map<String, Object> revision(String prefix, int rev) {
    Map<String, Object> catalog = FakeCatalog.generate(prefix, cfg.services(), cfg.plansPerService());
    if (rev > 0) {
      for (Object service : (List<Object>) catalog.get("services")) {
        Map<String, Object> s = (Map<String, Object>) service;
        Map<String, Object> plan = ((List<Map<String, Object>>) s.get("plans")).get(0);
        plan.put("description", plan.get("description") + " (revision " + rev + ")");
      }
    }
    return catalog;
  }

  private static String populationPrefix(int k) {
    return "b" + k + "-";
  }

  private Map<String, Object> brokerBody(String name) {
    return Map.of(
        "name", name,
        "broker_url", fake.url(),
        "credentials", Map.of("basic", Map.of("username", fake.username(), "password", fake.password())));
  }

  private static String id(Http.Result r) {
    Object id = r.json().get("id");
    if (!(id instanceof String s) || s.isEmpty()) {
      throw new BenchException(r.method() + " " + r.path() + " answered without an id: " + Http.abbreviate(r.body()));
    }
    return s;
  }

  private long numItems(String path) {
    Object n = http.get(path).expect(200).json().get("num_items");
    if (!(n instanceof Number number)) {
      throw new BenchException("GET " + path + " has no num_items");
    }
    return number.longValue();
  }

  private static String listPath(ListCase lc, int maxItems) {
    StringBuilder path = new StringBuilder(PLANS).append('?');
    if (lc.fieldQuery() != null) {
      path.append("fieldQuery=").append(Http.encode(lc.fieldQuery())).append('&');
    }
    if (lc.labelQuery() != null) {
      path.append("labelQuery=").append(Http.encode(lc.labelQuery())).append('&');
    }
    return path.append("max_items=").append(maxItems).toString();
  }

  private void checkBrokerPlans(String brokerId, int expected) throws SQLException {
    try (Connection c = jdbc();
        PreparedStatement ps =
            c.prepareStatement("SELECT count(*) FROM service_plans p JOIN service_offerings o"
                + " ON p.service_offering_id = o.id WHERE o.broker_id = ?")) {
      ps.setString(1, brokerId);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        long n = rs.getLong(1);
        if (n != expected) {
          throw new BenchException("broker " + brokerId + " has " + n + " plans in the database, expected " + expected);
        }
      }
    }
  }

  private void checkDescription(String brokerId, String prefix, int rev) throws SQLException {
    String catalogId = prefix + FakeCatalog.planId(0, 0);
    String expected = "Plan 0 of fake service 0 (revision " + rev + ")";
    try (Connection c = jdbc();
        PreparedStatement ps =
            c.prepareStatement("SELECT p.description FROM service_plans p JOIN service_offerings o"
                + " ON p.service_offering_id = o.id WHERE o.broker_id = ? AND p.catalog_id = ?")) {
      ps.setString(1, brokerId);
      ps.setString(2, catalogId);
      try (ResultSet rs = ps.executeQuery()) {
        String actual = rs.next() ? rs.getString(1) : null;
        if (!expected.equals(actual)) {
          throw new BenchException("after the refresh plan " + catalogId + " has description '" + actual
              + "', expected '" + expected + "'");
        }
      }
    }
  }

  private Connection jdbc() throws SQLException {
    return server.jdbc();
  }

  private void progress(String message) {
    OUT.printf(Locale.ROOT, "[%6.1fs] %s%n", (System.nanoTime() - t0) / 1e9, message);
    OUT.flush();
  }

  private static String fmt(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static String abbreviate(Object s, int max) {
    String text = String.valueOf(s);
    return text.length() <= max ? text : text.substring(0, max - 3) + "...";
  }

  /** Stops the server, the database and the fake broker, and deletes the temporary directory. */
  @Override
  public synchronized void cleanup() {
    if (cleanedUp) {
      return;
    }
    cleanedUp = true;
    if (fake != null) {
      fake.close();
    }
    if (server != null) {
      server.close();
    }
  }
}

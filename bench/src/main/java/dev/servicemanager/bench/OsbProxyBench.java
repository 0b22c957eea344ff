package dev.servicemanager.bench;

import dev.servicemanager.testkit.FakeBroker;
import dev.servicemanager.testkit.FakeCatalog;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the platform-facing OSB endpoint {@code /v1/osb/{broker_id}/v2/...} costs compared with
 * calling the broker directly. See {@code bench/README.md}.
 *
 * <p>It starts a real Service Manager in this JVM (embedded PostgreSQL 17 in a fresh temporary
 * directory) and an in-process {@link FakeBroker}, registers the broker and a platform, makes every
 * plan visible to the platform, and then has the same client call the same OSB paths ({@code GET
 * /v2/catalog}, {@code PUT /v2/service_instances/<new id>}) on the broker directly (broker basic
 * credentials) and through SM (platform basic credentials):
 *
 * <ul>
 *   <li>latency: one keep-alive client, sequential, direct and via SM interleaved in blocks so that
 *       machine noise hits both alike;
 *   <li>throughput: a closed loop of {@code concurrency} clients for a fixed time, direct and via SM
 *       alternating over {@code rounds} rounds.
 * </ul>
 *
 * It prints a table with PASS/FAIL per target and writes the same as JSON to {@code
 * bench/results/osb-proxy-<timestamp>.json}.
 */
public final class OsbProxyBench implements BenchSupport.Harness {
  private static final double ADDED_P50_LIMIT_MS = 2;
  private static final double PROVISION_RATIO_LIMIT = 0.5;
  private static final double CATALOG_RATIO_LIMIT = 0.8;
  private static final String API_VERSION_HEADER = "X-Broker-API-Version";
  private static final String API_VERSION = "2.17";
  private static final String PREFIX = "osb-";
  private static final String PLATFORM_TYPE = "kubernetes";
  private static final String NODELAY = "sun.net.httpserver.nodelay";
  private static final PrintStream OUT = System.out;

  private final OsbConfig cfg;
  private final Instant startedAt = Instant.now();
  private final long t0 = System.nanoTime();
  private final Map<String, Object> machine = BenchSupport.describeMachine();
  private final Map<String, Object> setup = new LinkedHashMap<>();
  private final List<LatencyPair> latencies = new ArrayList<>();
  private final List<ThroughputPair> throughputs = new ArrayList<>();
  private final List<Target> targets = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  private BenchServer server;
  private FakeBroker fake;
  private CpuMeter cpu;
  private Side direct;
  private Side proxied;
  private Side forwarder;
  private ForwardingCeiling ceiling;
  private String platformId;
  private String platformUser;
  private String platformPassword;
  private boolean cleanedUp;

  /**
   * Where the OSB calls go: the broker itself, or SM's endpoint for it. Both serve the same {@code
   * /v2/...} paths under their base URL; only the credentials differ.
   */
  private record Side(String key, String label, String baseUrl, String username, String password, AtomicLong created) {
    Http connect(Http pool) {
      return pool.sibling(baseUrl).basic(username, password).header(API_VERSION_HEADER, API_VERSION);
    }
  }

  /** One OSB call, made the same way against either side; the result must have {@code expected}. */
  private record Operation(String key, String label, int expected, Call call) {}

  private interface Call {
    Http.Result send(Side side, Http http);
  }

  /** Sequential latency of one operation, direct and via SM. */
  private record LatencyPair(String key, String label, String directLabel, String proxiedLabel, Stats direct,
      Stats proxied) {
    double addedP50() {
      return proxied.p50() - direct.p50();
    }
  }

  /** A closed-loop run (or the sum of several): completed requests, wall time, latencies and CPU. */
  private record Throughput(long completed, double seconds, long[] nanos, CpuMeter.Reading cpu, long[] db) {
    double rps() {
      return completed / seconds;
    }

    Throughput plus(Throughput other) {
      long[] all = Arrays.copyOf(nanos, nanos.length + other.nanos.length);
      System.arraycopy(other.nanos, 0, all, nanos.length, other.nanos.length);
      return new Throughput(completed + other.completed, seconds + other.seconds, all,
          new CpuMeter.Reading(sum(cpu.jvmMs(), other.cpu.jvmMs()), sum(cpu.postgresMs(), other.cpu.postgresMs())),
          new long[] {db[0] + other.db[0], db[1] + other.db[1]});
    }

    /** Database transactions (index 0) or WAL syncs (1) per request. */
    double dbPerRequest(int index) {
      return completed == 0 ? 0 : (double) db[index] / completed;
    }

    private static double sum(double a, double b) {
      return a < 0 || b < 0 ? -1 : a + b;
    }

    /** CPU milliseconds per request, or -1. */
    double cpuPerRequest(double ms) {
      return ms < 0 || completed == 0 ? -1 : ms / completed;
    }
  }

  /** Direct, via SM, and via the do-nothing forwarder (the ceiling of any forwarding proxy here). */
  private record ThroughputPair(Operation op, Throughput direct, Throughput proxied, Throughput ceiling) {
    double ratio() {
      return proxied.rps() / direct.rps();
    }

    double ceilingRatio() {
      return ceiling.rps() / direct.rps();
    }
  }

  /** One target: a value against a limit, either at most or at least. */
  private record Target(String name, double value, double limit, boolean atMost, String unit) {
    boolean pass() {
      return atMost ? value <= limit : value >= limit;
    }
  }

  private OsbProxyBench(OsbConfig cfg) {
    this.cfg = cfg;
  }

  public static void main(String[] args) {
    BenchSupport.tcpNoDelayForFakes();
    BenchSupport.runMain(() -> new OsbProxyBench(OsbConfig.from(args)));
  }

  @Override
  public int timeoutMinutes() {
    return cfg.timeoutMinutes();
  }

  @Override
  public int run() throws Exception {
    OUT.printf(Locale.ROOT, "Service Manager OSB endpoint benchmark (direct vs /v1/osb/{broker_id}), %s%n", startedAt);
    OUT.printf(Locale.ROOT, "machine: %s CPUs, %s, Java %s (%s), max heap %s MB%n",
        machine.get("cpus"), machine.get("os"), machine.get("java"), machine.get("vm"), machine.get("max_heap_mb"));
    OUT.printf(Locale.ROOT, "config:  %s%n%n", cfg.asMap());

    server = BenchServer.start(this::progress);
    machine.put("postgresql", server.postgresVersion());
    setup.put("server_start_ms", Stats.round(server.startupNanos() / 1e6));
    cpu = new CpuMeter(server.dataDir());
    if (!cfg.synchronousCommit().isEmpty()) {
      // Diagnosis only (the server ships with "on"): how much of the cost is the commit's flush.
      server.synchronousCommit(cfg.synchronousCommit());
      notes.add("synchronous_commit was set to '" + cfg.synchronousCommit() + "' for this run (diagnosis; SM ships"
          + " with 'on').");
    }
    register();

    Operation catalog =
        new Operation("catalog", "catalog", 200, (side, http) -> http.get("/v2/catalog"));
    String body = Http.write(provisionBody());
    Operation provision =
        new Operation(
            "provision",
            "provision",
            201,
            (side, http) -> {
              Http.Result r =
                  http.send("PUT", "/v2/service_instances/" + UUID.randomUUID(), "application/json", body);
              if (r.status() == 201) {
                side.created().incrementAndGet();
              }
              return r;
            });
    checkCatalogs();

    progress("latency: " + cfg.warmup() + " warm-up + " + cfg.requests() + " measured requests per side,"
        + " one client, sequential, direct and via SM alternating in blocks of " + cfg.block());
    latency(catalog);
    latency(provision);
    baseline();

    progress("throughput: " + cfg.concurrency() + " clients, closed loop, " + cfg.seconds() + " s per side in "
        + cfg.rounds() + " round(s), after " + cfg.warmupSeconds() + " s warm-up per side");
    settleStats();
    ExecutorService workers = Executors.newFixedThreadPool(cfg.concurrency(), daemonThreads());
    try {
      Http[] pools = new Http[cfg.concurrency()];
      for (int i = 0; i < pools.length; i++) {
        pools[i] = new Http(server.url());
      }
      throughput(catalog, workers, pools);
      throughput(provision, workers, pools);
    } finally {
      workers.shutdownNow();
    }
    checkTracked();

    boolean allPass = report();
    return allPass || !cfg.failOnMiss() ? 0 : 2;
  }

  // ------------------------------------------------------------------------------------ setup

  /** Broker, platform, one visibility per plan for the platform: everything through the API. */
  private void register() {
    Http admin = server.admin();
    fake = FakeBroker.start(FakeCatalog.generate(PREFIX, cfg.services(), cfg.plansPerService()));
    Map<String, Object> brokerBody =
        Map.of(
            "name", "bench-osb-broker",
            "broker_url", fake.url(),
            "credentials", Map.of("basic", Map.of("username", fake.username(), "password", fake.password())));
    String brokerId = id(admin.post("/v1/service_brokers", brokerBody).expect(201));

    Http.Result platform =
        admin.post("/v1/platforms", Map.of("name", "bench-osb-platform", "type", PLATFORM_TYPE)).expect(201);
    platformId = id(platform);
    Map<?, ?> basic = platform.json().get("credentials") instanceof Map<?, ?> c && c.get("basic") instanceof Map<?, ?> b
        ? b : null;
    if (basic == null || !(basic.get("username") instanceof String u) || !(basic.get("password") instanceof String p)) {
      throw new BenchException("POST /v1/platforms answered without credentials.basic: " + Http.abbreviate(platform.body()));
    }
    platformUser = u;
    platformPassword = p;

    List<String> planIds = new ArrayList<>();
    String path = "/v1/service_plans?max_items=200";
    while (path != null) {
      Map<String, Object> page = admin.get(path).expect(200).json();
      for (Object item : (List<?>) page.get("items")) {
        planIds.add((String) ((Map<?, ?>) item).get("id"));
      }
      path = page.get("token") instanceof String t ? "/v1/service_plans?max_items=200&token=" + Http.encode(t) : null;
    }
    if (planIds.size() != cfg.catalogPlans()) {
      throw new BenchException("expected " + cfg.catalogPlans() + " plans after the registration, the API lists "
          + planIds.size());
    }
    for (String planId : planIds) {
      admin.post("/v1/visibilities", Map.of("platform_id", platformId, "service_plan_id", planId)).expect(201);
    }

    direct = new Side("direct", "direct", fake.url(), fake.username(), fake.password(), new AtomicLong());
    try {
      ceiling = new ForwardingCeiling(fake.url(), fake.username(), fake.password());
    } catch (java.io.IOException e) {
      throw new BenchException("could not start the do-nothing forwarder: " + e.getMessage());
    }
    forwarder = new Side("forwarder", "forwarder", ceiling.url(), "any", "any", new AtomicLong());
    proxied = new Side("via_sm", "via SM", server.url() + "/v1/osb/" + brokerId, platformUser, platformPassword,
        new AtomicLong());
    setup.put("broker_id", brokerId);
    setup.put("platform_id", platformId);
    setup.put("platform_type", PLATFORM_TYPE);
    setup.put("fake_broker_tcp_nodelay", System.getProperty(NODELAY));
    setup.put("catalog_plans", cfg.catalogPlans());
    setup.put("visibilities", planIds.size());
    progress("registered broker " + brokerId + " (" + cfg.services() + " services x " + cfg.plansPerService()
        + " plans), platform " + platformId + " (" + PLATFORM_TYPE + "), " + planIds.size() + " visibilities");
  }

  private Map<String, Object> provisionBody() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("service_id", PREFIX + FakeCatalog.serviceId(0));
    body.put("plan_id", PREFIX + FakeCatalog.planId(0, 0));
    body.put("organization_guid", "bench-org");
    body.put("space_guid", "bench-space");
    body.put("context", Map.of("platform", PLATFORM_TYPE, "namespace", "bench"));
    setup.put("provision_body", body);
    return body;
  }

  /** Both sides serve the same services and plans; SM's adds {@code metadata.sm_plan_id}. */
  @SuppressWarnings("unchecked")
  private void checkCatalogs() {
    Http pool = new Http(server.url());
    Http.Result d = direct.connect(pool).get("/v2/catalog").expect(200);
    Http.Result p = proxied.connect(pool).get("/v2/catalog").expect(200);
    List<String> directPlans = new ArrayList<>();
    List<String> proxiedPlans = new ArrayList<>();
    for (Map<String, Object> s : (List<Map<String, Object>>) d.json().get("services")) {
      for (Map<String, Object> plan : (List<Map<String, Object>>) s.get("plans")) {
        directPlans.add(s.get("id") + "/" + plan.get("id"));
      }
    }
    for (Map<String, Object> s : (List<Map<String, Object>>) p.json().get("services")) {
      for (Map<String, Object> plan : (List<Map<String, Object>>) s.get("plans")) {
        proxiedPlans.add(s.get("id") + "/" + plan.get("id"));
        if (!(plan.get("metadata") instanceof Map<?, ?> m) || !(m.get("sm_plan_id") instanceof String)) {
          throw new BenchException("plan " + plan.get("id") + " of SM's catalog has no metadata.sm_plan_id");
        }
      }
    }
    if (directPlans.size() != cfg.catalogPlans() || !directPlans.equals(proxiedPlans)) {
      throw new BenchException("the catalogs differ: direct " + directPlans + ", via SM " + proxiedPlans);
    }
    setup.put("catalog_bytes_direct", d.body().length());
    setup.put("catalog_bytes_via_sm", p.body().length());
    notes.add("The catalog via SM is not forwarded: SM renders it from its database (OsbCatalog, visibility-filtered,"
        + " " + p.body().length() + " bytes); the broker serves a fixed string (" + d.body().length() + " bytes).");
  }

  // ------------------------------------------------------------------------------------ latency

  private void latency(Operation op) {
    Http pool = new Http(server.url());
    Http d = direct.connect(pool);
    Http p = proxied.connect(pool);
    Stats[] stats =
        interleaved(op.expected(), () -> op.call().send(direct, d), () -> op.call().send(proxied, p));
    LatencyPair pair = new LatencyPair(op.key(), op.label(), "direct", "via SM", stats[0], stats[1]);
    latencies.add(pair);
    progress(String.format(Locale.ROOT, "  %-10s direct p50 %.3f ms p99 %.3f ms | via SM p50 %.3f ms p99 %.3f ms",
        op.label(), stats[0].p50(), stats[0].p99(), stats[1].p50(), stats[1].p99()));
  }

  /**
   * Info only: what a trivial SM request costs with the same client, to tell the endpoint's own
   * work from the server's fixed cost. {@code GET /v1/info} needs no credentials; {@code GET
   * /v1/platforms/<own id>} authenticates the platform like the OSB endpoint and reads one row.
   */
  private void baseline() {
    Http pool = new Http(server.url());
    Http info = pool.sibling(server.url());
    Http own = pool.sibling(server.url()).basic(platformUser, platformPassword);
    Stats[] stats =
        interleaved(200, () -> info.get("/v1/info"), () -> own.get("/v1/platforms/" + platformId));
    latencies.add(new LatencyPair("sm_baseline", "SM baseline", "GET /v1/info (no auth)",
        "GET /v1/platforms/{own} (platform)", stats[0], stats[1]));
    progress(String.format(Locale.ROOT, "  %-10s /v1/info p50 %.3f ms | /v1/platforms/{own} p50 %.3f ms",
        "baseline", stats[0].p50(), stats[1].p50()));
  }

  private interface Request {
    Http.Result send();
  }

  /**
   * Warm-up, then the measured requests of a and b in alternating blocks (a b, b a, a b, ...),
   * so that drift and noise land on both alike.
   */
  private Stats[] interleaved(int expected, Request a, Request b) {
    runBlocks(cfg.warmup(), expected, a, b, null, null);
    System.gc();
    long[] ta = new long[cfg.requests()];
    long[] tb = new long[cfg.requests()];
    runBlocks(cfg.requests(), expected, a, b, ta, tb);
    return new Stats[] {Stats.of(ta), Stats.of(tb)};
  }

  private void runBlocks(int perSide, int expected, Request a, Request b, long[] ta, long[] tb) {
    int done = 0;
    for (int k = 0; done < perSide; k++) {
      int n = Math.min(cfg.block(), perSide - done);
      boolean aFirst = k % 2 == 0;
      for (int half = 0; half < 2; half++) {
        boolean isA = (half == 0) == aFirst;
        Request r = isA ? a : b;
        long[] times = isA ? ta : tb;
        for (int i = 0; i < n; i++) {
          Http.Result result = r.send();
          if (result.status() != expected) {
            result.expect(expected);
          }
          if (times != null) {
            times[done + i] = result.nanos();
          }
        }
      }
      done += n;
    }
  }

  // ------------------------------------------------------------------------------------ throughput

  private void throughput(Operation op, ExecutorService workers, Http[] pools) throws Exception {
    if (cfg.warmupSeconds() > 0) {
      closedLoop(direct, op, cfg.warmupSeconds(), workers, pools);
      closedLoop(proxied, op, cfg.warmupSeconds(), workers, pools);
      closedLoop(forwarder, op, cfg.warmupSeconds(), workers, pools);
    }
    Throughput d = null;
    Throughput p = null;
    Throughput f = null;
    for (int round = 0; round < cfg.rounds(); round++) {
      Side first = round % 2 == 0 ? direct : proxied;
      Side second = first == direct ? proxied : direct;
      for (Side side : List.of(first, second, forwarder)) {
        Throughput t = closedLoop(side, op, cfg.secondsPerRound(), workers, pools);
        if (side == direct) {
          d = d == null ? t : d.plus(t);
        } else if (side == proxied) {
          p = p == null ? t : p.plus(t);
        } else {
          f = f == null ? t : f.plus(t);
        }
      }
    }
    ThroughputPair pair = new ThroughputPair(op, d, p, f);
    throughputs.add(pair);
    progress(String.format(Locale.ROOT, "  %-10s direct %.0f req/s | via SM %.0f req/s | ratio %.2f"
        + " | do-nothing forwarder %.0f req/s, ratio %.2f", op.label(), d.rps(), p.rps(), pair.ratio(), f.rps(),
        pair.ceilingRatio()));
  }

  /** {@code concurrency} clients send back to back for {@code seconds}; requests begun in time count. */
  private Throughput closedLoop(Side side, Operation op, double seconds, ExecutorService workers, Http[] pools)
      throws Exception {
    int c = cfg.concurrency();
    CyclicBarrier start = new CyclicBarrier(c + 1);
    AtomicLong deadline = new AtomicLong();
    List<Future<long[]>> futures = new ArrayList<>();
    for (int i = 0; i < c; i++) {
      Http http = side.connect(pools[i]);
      futures.add(
          workers.submit(
              () -> {
                // One request before the clock starts, so every worker has its connection open.
                op.call().send(side, http).expect(op.expected());
                start.await(1, TimeUnit.MINUTES);
                long end = deadline.get();
                long[] times = new long[1024];
                int n = 0;
                while (System.nanoTime() < end) {
                  Http.Result r = op.call().send(side, http);
                  if (r.status() != op.expected()) {
                    r.expect(op.expected());
                  }
                  if (n == times.length) {
                    times = Arrays.copyOf(times, n * 2);
                  }
                  times[n++] = r.nanos();
                }
                return Arrays.copyOf(times, n);
              }));
    }
    long[] dbBefore = dbCounters();
    CpuMeter.Reading cpuBefore = cpu.read();
    long begin = System.nanoTime();
    deadline.set(begin + (long) (seconds * 1e9));
    start.await(1, TimeUnit.MINUTES);
    List<long[]> all = new ArrayList<>();
    try {
      for (Future<long[]> f : futures) {
        all.add(f.get(5, TimeUnit.MINUTES));
      }
    } catch (ExecutionException e) {
      for (Future<long[]> f : futures) {
        f.cancel(true);
      }
      throw e.getCause() instanceof BenchException be ? be : e;
    }
    double elapsed = (System.nanoTime() - begin) / 1e9;
    CpuMeter.Reading used = cpu.read().minus(cpuBefore);
    settleStats();
    long[] dbAfter = dbCounters();
    fake.reset(); // drops the fake's recorded requests and instances, so memory stays flat
    long[] nanos = all.stream().flatMapToLong(Arrays::stream).toArray();
    return new Throughput(nanos.length, elapsed, nanos, used,
        new long[] {dbAfter[0] - dbBefore[0], dbAfter[1] - dbBefore[1]});
  }

  /**
   * Busy PostgreSQL backends publish their statistics at most once a second, idle ones a second
   * after their last transaction: wait that long (outside the measured time) before reading them.
   */
  private static void settleStats() throws InterruptedException {
    Thread.sleep(1100);
  }

  /**
   * Committed + rolled-back transactions of SM's database and WAL syncs (fsyncs) of the server so
   * far, after asking PostgreSQL to publish its pending statistics. This query is one of them.
   */
  private long[] dbCounters() throws SQLException {
    try (Connection c = server.jdbc(); Statement s = c.createStatement()) {
      s.execute("SELECT pg_stat_force_next_flush()");
      s.execute("SELECT pg_stat_clear_snapshot()");
      try (ResultSet rs = s.executeQuery("SELECT (SELECT xact_commit + xact_rollback FROM pg_stat_database"
          + " WHERE datname = current_database()), (SELECT wal_sync FROM pg_stat_wal)")) {
        rs.next();
        return new long[] {rs.getLong(1), rs.getLong(2)};
      }
    }
  }

  private static java.util.concurrent.ThreadFactory daemonThreads() {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "bench-client-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Every provision SM answered 201 must be a tracked, ready instance of the platform; none direct. */
  private void checkTracked() throws SQLException {
    try (Connection c = server.jdbc();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*), count(*) FILTER (WHERE ready AND platform_id = '"
            + platformId.replace("'", "''") + "') FROM service_instances")) {
      rs.next();
      long all = rs.getLong(1);
      long ready = rs.getLong(2);
      long expected = proxied.created().get();
      if (all != expected || ready != expected) {
        throw new BenchException("SM tracks " + all + " instances (" + ready + " ready, of the platform) after "
            + expected + " provisions answered 201 via SM");
      }
      setup.put("instances_tracked", all);
      setup.put("provisions_direct", direct.created().get());
      progress("check: SM tracks all " + all + " instances provisioned through it (" + direct.created().get()
          + " more were provisioned directly)");
    }
  }

  // ------------------------------------------------------------------------------------ output

  private boolean report() throws IOException {
    LatencyPair prov = find("provision");
    ThroughputPair provT = findT("provision");
    ThroughputPair catT = findT("catalog");
    targets.add(new Target("provision: added p50 latency (via SM - direct)", prov.addedP50(), ADDED_P50_LIMIT_MS,
        true, "ms"));
    targets.add(new Target("provision: throughput via SM / direct", provT.ratio(), PROVISION_RATIO_LIMIT, false, ""));
    targets.add(new Target("catalog: throughput via SM / direct", catT.ratio(), CATALOG_RATIO_LIMIT, false, ""));

    OUT.println();
    OUT.printf(Locale.ROOT, "LATENCY  (ms; one keep-alive client, sequential; %d per side after %d warm-up,"
        + " alternating blocks of %d)%n", cfg.requests(), cfg.warmup(), cfg.block());
    String header = String.format(Locale.ROOT, "%-12s %-36s %6s %8s %8s %8s %8s %8s %9s",
        "operation", "target", "n", "p50", "p90", "p99", "max", "mean", "seq req/s");
    OUT.println(header);
    OUT.println("-".repeat(header.length()));
    for (LatencyPair pair : latencies) {
      latencyLine(pair.label(), pair.directLabel(), pair.direct());
      latencyLine("", pair.proxiedLabel(), pair.proxied());
      OUT.printf(Locale.ROOT, "%-12s %-36s %6s %+8.3f %+8.3f %+8.3f %8s %+8.3f%n", "", "difference", "",
          pair.addedP50(), pair.proxied().p90() - pair.direct().p90(), pair.proxied().p99() - pair.direct().p99(), "",
          pair.proxied().mean() - pair.direct().mean());
    }

    OUT.println();
    OUT.printf(Locale.ROOT, "THROUGHPUT  (closed loop, %d clients, %d s per side in %d round(s); latency under load"
        + " in ms; CPU ms per request: this JVM = client + SM + fake broker, PG = embedded PostgreSQL;"
        + " database transactions and WAL syncs (fsync) per request)%n",
        cfg.concurrency(), cfg.seconds(), cfg.rounds());
    String theader = String.format(Locale.ROOT, "%-12s %-8s %8s %9s %7s %8s %8s %9s %8s %7s %7s",
        "operation", "target", "requests", "req/s", "ratio", "p50", "p99", "cpu JVM", "cpu PG", "tx", "fsync");
    OUT.println(theader);
    OUT.println("-".repeat(theader.length()));
    for (ThroughputPair pair : throughputs) {
      throughputLine(pair.op().label(), "direct", pair.direct(), "");
      throughputLine("", "via SM", pair.proxied(), String.format(Locale.ROOT, "%.2f", pair.ratio()));
      throughputLine("", "forwarder", pair.ceiling(), String.format(Locale.ROOT, "%.2f", pair.ceilingRatio()));
    }

    OUT.println();
    OUT.println("TARGETS");
    boolean allPass = true;
    for (Target t : targets) {
      allPass &= t.pass();
      OUT.printf(Locale.ROOT, "  %-50s %8.3f %-2s %s %5.2f %-2s  %s%n", t.name(), t.value(), t.unit(),
          t.atMost() ? "<=" : ">=", t.limit(), t.unit(), t.pass() ? "PASS" : "FAIL");
    }
    long missed = targets.stream().filter(t -> !t.pass()).count();
    OUT.println(allPass ? "ALL TARGETS MET" : missed + " TARGET(S) MISSED");
    notes.add("forwarder = a do-nothing forwarder (JDK HttpServer + JDK HttpClient, no auth, no checks, no database)"
        + " between the same client and broker: the ceiling of any forwarding proxy in this harness, since each"
        + " forwarded request costs a second HTTP exchange on the same CPUs. Provision via SM reached "
        + String.format(Locale.ROOT, "%.0f%%", 100 * provT.ratio() / provT.ceilingRatio()) + " of it, catalog "
        + String.format(Locale.ROOT, "%.0f%%", 100 * catT.ratio() / catT.ceilingRatio()) + ".");
    notes.add("All of it shares " + machine.get("cpus") + " CPUs: the clients, SM, the fake broker (this JVM) and"
        + " PostgreSQL; throughput is bounded by CPU, so the ratio is about what SM's work costs per request.");
    for (String note : notes) {
      OUT.println("note: " + note);
    }
    Path file = BenchSupport.writeResults(cfg.resultsDir(), "osb-proxy", startedAt, json(allPass));
    OUT.printf(Locale.ROOT, "%nresults written to %s (run took %.1f s)%n", file, (System.nanoTime() - t0) / 1e9);
    return allPass;
  }

  private static void latencyLine(String op, String target, Stats s) {
    OUT.printf(Locale.ROOT, "%-12s %-36s %6d %8.3f %8.3f %8.3f %8.3f %8.3f %9.0f%n", op, target, s.n(), s.p50(),
        s.p90(), s.p99(), s.max(), s.mean(), s.throughput());
  }

  private static void throughputLine(String op, String target, Throughput t, String ratio) {
    Stats s = Stats.of(t.nanos());
    OUT.printf(Locale.ROOT, "%-12s %-8s %8d %9.1f %7s %8.3f %8.3f %9s %8s %7.2f %7.2f%n", op, target, t.completed(),
        t.rps(), ratio, s.p50(), s.p99(), cpuText(t.cpuPerRequest(t.cpu().jvmMs())),
        cpuText(t.cpuPerRequest(t.cpu().postgresMs())), t.dbPerRequest(0), t.dbPerRequest(1));
  }

  private static String cpuText(double ms) {
    return ms < 0 ? "n/a" : String.format(Locale.ROOT, "%.3f", ms);
  }

  private Map<String, Object> json(boolean allPass) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("benchmark", "osb-proxy");
    json.put("timestamp", startedAt.toString());
    json.put("machine", machine);
    json.put("config", cfg.asMap());
    json.put("setup", setup);
    Map<String, Object> lat = new LinkedHashMap<>();
    for (LatencyPair pair : latencies) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(pair.key().equals("sm_baseline") ? "info" : "direct", side(pair.directLabel(), pair.direct()));
      m.put(pair.key().equals("sm_baseline") ? "platform_get" : "via_sm", side(pair.proxiedLabel(), pair.proxied()));
      m.put("added_p50_ms", Stats.round(pair.addedP50()));
      m.put("added_p99_ms", Stats.round(pair.proxied().p99() - pair.direct().p99()));
      lat.put(pair.key(), m);
    }
    json.put("latency", lat);
    Map<String, Object> thr = new LinkedHashMap<>();
    for (ThroughputPair pair : throughputs) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("direct", throughputMap(pair.direct()));
      m.put("via_sm", throughputMap(pair.proxied()));
      m.put("ratio", Math.round(pair.ratio() * 1000) / 1000.0);
      m.put("forwarder", throughputMap(pair.ceiling()));
      m.put("forwarder_ratio", Math.round(pair.ceilingRatio() * 1000) / 1000.0);
      thr.put(pair.op().key(), m);
    }
    json.put("throughput", thr);
    List<Object> t = new ArrayList<>();
    for (Target target : targets) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", target.name());
      m.put("value", Math.round(target.value() * 1000) / 1000.0);
      m.put(target.atMost() ? "max" : "min", target.limit());
      m.put("unit", target.unit());
      m.put("pass", target.pass());
      t.add(m);
    }
    json.put("targets", t);
    json.put("all_targets_met", allPass);
    json.put("notes", notes);
    return json;
  }

  private static Map<String, Object> side(String label, Stats s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("label", label);
    m.putAll(s.asMap());
    m.put("sequential_rps", Stats.round(s.throughput()));
    return m;
  }

  private static Map<String, Object> throughputMap(Throughput t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("requests", t.completed());
    m.put("seconds", Stats.round(t.seconds()));
    m.put("rps", Stats.round(t.rps()));
    m.put("latency_under_load", Stats.of(t.nanos()).asMap());
    m.put("cpu_ms_per_request_jvm", Math.round(t.cpuPerRequest(t.cpu().jvmMs()) * 1000) / 1000.0);
    m.put("cpu_ms_per_request_postgres", Math.round(t.cpuPerRequest(t.cpu().postgresMs()) * 1000) / 1000.0);
    m.put("db_transactions_per_request", Math.round(t.dbPerRequest(0) * 100) / 100.0);
    m.put("wal_syncs_per_request", Math.round(t.dbPerRequest(1) * 100) / 100.0);
    return m;
  }

  // ------------------------------------------------------------------------------------ helpers

  private LatencyPair find(String key) {
    return latencies.stream().filter(l -> l.key().equals(key)).findFirst().orElseThrow();
  }

  private ThroughputPair findT(String key) {
    return throughputs.stream().filter(l -> l.op().key().equals(key)).findFirst().orElseThrow();
  }

  private static String id(Http.Result r) {
    Object id = r.json().get("id");
    if (!(id instanceof String s) || s.isEmpty()) {
      throw new BenchException(r.method() + " " + r.path() + " answered without an id: " + Http.abbreviate(r.body()));
    }
    return s;
  }

  private void progress(String message) {
    OUT.printf(Locale.ROOT, "[%6.1fs] %s%n", (System.nanoTime() - t0) / 1e9, message);
    OUT.flush();
  }

  /** Stops the forwarder, the fake broker, the server and the database, and deletes the temporary directory. */
  @Override
  public synchronized void cleanup() {
    if (cleanedUp) {
      return;
    }
    cleanedUp = true;
    if (ceiling != null) {
      ceiling.close();
    }
    if (fake != null) {
      fake.close();
    }
    if (server != null) {
      server.close();
    }
  }
}

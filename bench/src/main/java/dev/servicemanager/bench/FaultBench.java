package dev.servicemanager.bench;

import dev.servicemanager.testkit.FakeBroker;
import dev.servicemanager.testkit.RecordedRequest;
import dev.servicemanager.testkit.Responder;
import dev.servicemanager.testkit.Route;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The fault benchmark (issue 12): two Service Manager replicas, each its own JVM, on one PostgreSQL,
 * with asynchronous provisions, binds and deletes in flight against a slow fake broker; each round
 * kills one replica at a random moment with SIGKILL and starts it again. After each round it checks:
 * every operation ended (succeeded or failed), a broker call was repeated only when a replica died
 * around it (a step whose answer was not yet recorded is asked again: at least once, OSB's calls
 * are idempotent), and the instances the broker holds are exactly those the Service Manager records
 * (no orphan left, nothing forgotten). Prints rounds passed and recovery times; writes a results file.
 */
final class FaultBench implements BenchSupport.Harness {
  private static final String SECRET = "fault-bench-" + UUID.randomUUID();
  private static final String KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
  private static final Duration BROKER_DELAY = Duration.ofMillis(300);

  private final int rounds;
  private final int perRound;
  private final int timeoutMinutes;
  private final long seed;
  private final Path resultsDir;
  private final Random random;
  private final List<ReplicaProcess> replicas = new ArrayList<>();
  private final Map<String, List<Long>> callTimes = new LinkedHashMap<>();
  private final List<Long> kills = new CopyOnWriteArrayList<>();
  private Path tempDir;
  private EmbeddedPostgres postgres;
  private FakeBroker broker;

  FaultBench(Knobs knobs) {
    rounds = knobs.integer("rounds", 20);
    perRound = knobs.integer("perRound", 8);
    timeoutMinutes = knobs.integer("timeoutMinutes", 30);
    seed = knobs.integer("seed", 12);
    resultsDir = Path.of(knobs.string("resultsDir", "results"));
    random = new Random(seed);
  }

  public static void main(String[] args) {
    BenchSupport.tcpNoDelayForFakes();
    BenchSupport.runMain(() -> new FaultBench(new Knobs(args)));
  }

  @Override
  public int timeoutMinutes() {
    return timeoutMinutes;
  }

  // Every replica gets the same settings: short leases and timeouts so a kill is recovered quickly.
  private Map<String, String> replicaEnv() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("DATASOURCES_DEFAULT_URL", postgres.getJdbcUrl("postgres", "postgres"));
    env.put("DATASOURCES_DEFAULT_USERNAME", "postgres");
    env.put("DATASOURCES_DEFAULT_PASSWORD", "");
    env.put("SM_ENCRYPTION_KEY", KEY);
    env.put("SM_ADMIN_CLIENT_SECRET", SECRET);
    env.put("SM_OPERATIONS_POLLING_INTERVAL", "200ms");
    env.put("SM_OPERATIONS_RETRY_MIN", "100ms");
    env.put("SM_OPERATIONS_RETRY_MAX", "1s");
    env.put("SM_OPERATIONS_DISPATCH_INTERVAL", "100ms");
    env.put("SM_OPERATIONS_LEASE", "5s");
    env.put("SM_OPERATIONS_WORKERS", "4");
    env.put("SM_BROKER_CLIENT_CONNECT_TIMEOUT", "1s");
    env.put("SM_BROKER_CLIENT_READ_TIMEOUT", "3s");
    return env;
  }

  @Override
  public int run() throws Exception {
    Instant startedAt = Instant.now();
    tempDir = Files.createTempDirectory("sm-fault-bench-");
    postgres = EmbeddedPostgres.builder().setDataDirectory(tempDir.resolve("pg")).setCleanDataDirectory(false)
        .setServerConfig("max_connections", "200").start();
    broker = FakeBroker.start();
    broker.on(Route.PROVISION, timed("provision", Responder.delay(BROKER_DELAY, Responder.async("prov"))));
    broker.on(Route.DEPROVISION, timed("deprovision", Responder.delay(BROKER_DELAY, Responder.async("deprov"))));
    broker.on(Route.BIND, timed("bind", Responder.delay(BROKER_DELAY, Responder.defaults())));
    broker.on(Route.UNBIND, timed("unbind", Responder.delay(BROKER_DELAY, Responder.defaults())));
    broker.pollsBeforeSuccess(Route.INSTANCE_LAST_OPERATION, 3);

    replicas.add(new ReplicaProcess("replica-a", tempDir, replicaEnv(), "-Xmx384m"));
    replicas.add(new ReplicaProcess("replica-b", tempDir, replicaEnv(), "-Xmx384m"));
    for (ReplicaProcess r : replicas) {
      r.start();
    }
    for (ReplicaProcess r : replicas) {
      r.awaitHealthy(Duration.ofMinutes(2));
    }
    Http admin = new Http(replicas.get(0).url());
    admin.loginAsAdmin("admin", SECRET);
    String brokerId = admin.post("/v1/service_brokers", Map.of("name", "slow", "broker_url", broker.url(),
        "credentials", Map.of("basic", Map.of("username", broker.username(), "password", broker.password()))))
        .expect(201).json().get("id").toString();
    String offering = ids(admin.get("/v1/service_offerings?fieldQuery=" + Http.encode("broker_id eq '" + brokerId + "'"))).get(0);
    String plan = ids(admin.get("/v1/service_plans?fieldQuery=" + Http.encode("service_offering_id eq '" + offering + "'"))).get(0);
    admin.post("/v1/visibilities", Map.of("service_plan_id", plan)).expect(201);

    List<Map<String, Object>> results = new ArrayList<>();
    List<String> ready = new ArrayList<>();
    int passed = 0;
    for (int round = 1; round <= rounds; round++) {
      Map<String, Object> result = round(round, plan, ready);
      results.add(result);
      boolean ok = Boolean.TRUE.equals(result.get("passed"));
      passed += ok ? 1 : 0;
      System.out.printf("round %2d: %s  killed %s after %d ms, healthy again in %d ms, all operations ended %d ms after the kill%s%n",
          round, ok ? "PASS" : "FAIL", result.get("killed"), result.get("kill_after_ms"), result.get("restart_ms"),
          result.get("settled_ms"), ok ? "" : "  " + result.get("problems"));
    }
    List<Long> restart = results.stream().map(r -> ((Number) r.get("restart_ms")).longValue()).sorted().toList();
    List<Long> settled = results.stream().map(r -> ((Number) r.get("settled_ms")).longValue()).sorted().toList();
    System.out.printf("%nFAULT BENCH: %d/%d rounds passed; restart to healthy median %d ms max %d ms;"
            + " kill to every operation ended median %d ms max %d ms%n",
        passed, rounds, restart.get(restart.size() / 2), restart.get(restart.size() - 1),
        settled.get(settled.size() / 2), settled.get(settled.size() - 1));
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("harness", "fault");
    json.put("machine", BenchSupport.describeMachine());
    json.put("seed", seed);
    json.put("rounds", rounds);
    json.put("passed", passed);
    json.put("per_round", perRound);
    json.put("results", results);
    System.out.println("results: " + BenchSupport.writeResults(resultsDir, "fault", startedAt, json));
    return passed == rounds ? 0 : 2;
  }

  private Map<String, Object> round(int round, String plan, List<String> ready) throws Exception {
    List<String> problems = new ArrayList<>();
    // Instances bound in an earlier round are deleted with cascade (their bindings first).
    List<String> bound = strings("SELECT DISTINCT service_instance_id FROM service_bindings ORDER BY 1");
    Http client = adminOn(replicas.get(random.nextInt(replicas.size())));
    // New provisions, binds on instances from earlier rounds, and deletes (with cascade) of older ones.
    for (int i = 0; i < perRound; i++) {
      client.post("/v1/service_instances", Map.of("name", "r" + round + "-" + i, "service_plan_id", plan)).expect(202);
    }
    for (int i = 0; i < Math.min(2, ready.size()); i++) {
      client.post("/v1/service_bindings", Map.of("name", "b" + round + "-" + i, "service_instance_id", ready.get(i))).expect(202);
    }
    for (String doomed : bound.subList(0, Math.min(2, bound.size()))) {
      client.delete("/v1/service_instances/" + doomed + "?cascade=true").expect(202);
    }

    long killAfterMs = random.nextInt(1500);
    Thread.sleep(killAfterMs);
    ReplicaProcess victim = replicas.get(random.nextInt(replicas.size()));
    long killedAt = System.nanoTime();
    kills.add(killedAt);
    victim.kill();
    victim.start();
    long restartMs = victim.awaitHealthy(Duration.ofMinutes(2));

    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (count("SELECT count(*) FROM operations WHERE state = 'in progress' OR next_attempt_at IS NOT NULL") > 0) {
      if (System.nanoTime() > deadline) {
        problems.add("operations still unfinished 120 s after the kill");
        break;
      }
      Thread.sleep(100);
    }
    long settledMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);

    long failed = count("SELECT count(*) FROM operations WHERE state = 'failed'");
    if (failed > 0) {
      problems.add(failed + " operation(s) failed: " + strings("SELECT type || ' ' || resource_type || ': ' || coalesce(description, '') FROM operations WHERE state = 'failed' LIMIT 3"));
    }
    // Instances: the broker holds exactly those the Service Manager records.
    List<String> recorded = strings("SELECT id FROM service_instances ORDER BY id");
    List<String> atBroker = broker.instances().keySet().stream().sorted().toList();
    if (!recorded.equals(atBroker)) {
      problems.add("instances differ: SM " + recorded.size() + ", broker " + atBroker.size());
    }
    problems.addAll(unexplainedRepeats());
    ready.clear();
    ready.addAll(strings("SELECT id FROM service_instances WHERE ready AND id NOT IN (SELECT service_instance_id FROM service_bindings) ORDER BY created_at"));

    Map<String, Object> result = new LinkedHashMap<>();
    result.put("round", round);
    result.put("killed", victim.name);
    result.put("kill_after_ms", killAfterMs);
    result.put("restart_ms", restartMs);
    result.put("settled_ms", settledMs);
    result.put("operations_failed", failed);
    result.put("instances", recorded.size());
    result.put("passed", problems.isEmpty());
    result.put("problems", problems);
    // Each round checks its own operations only.
    try (Connection c = jdbc(); Statement s = c.createStatement()) {
      s.execute("DELETE FROM operations");
    }
    return result;
  }

  /**
   * A broker call for the same resource made twice is allowed only when a replica was killed
   * while the first one could still have been unrecorded (it started less than one broker round
   * trip plus the recording before the kill); anything else is a step run twice.
   */
  private List<String> unexplainedRepeats() {
    List<String> problems = new ArrayList<>();
    long window = BROKER_DELAY.toNanos() + Duration.ofSeconds(2).toNanos();
    synchronized (callTimes) {
      callTimes.forEach((key, times) -> {
        for (int i = 1; i < times.size(); i++) {
          long first = times.get(i - 1);
          boolean killedMeanwhile = kills.stream().anyMatch(k -> k >= first && k - first <= window);
          if (!killedMeanwhile) {
            problems.add("repeated without a kill: " + key);
          }
        }
      });
    }
    return problems;
  }

  private Responder timed(String what, Responder then) {
    return request -> {
      String key = what + " " + request.path();
      synchronized (callTimes) {
        callTimes.computeIfAbsent(key, k -> new ArrayList<>()).add(System.nanoTime());
      }
      return then.handle(request);
    };
  }

  private Http adminOn(ReplicaProcess replica) {
    Http http = new Http(replica.url());
    http.loginAsAdmin("admin", SECRET);
    return http;
  }

  @SuppressWarnings("unchecked")
  private static List<String> ids(Http.Result list) {
    return ((List<Map<String, Object>>) list.expect(200).json().get("items")).stream()
        .map(m -> m.get("id").toString()).collect(Collectors.toList());
  }

  private Connection jdbc() throws SQLException {
    return postgres.getPostgresDatabase().getConnection();
  }

  private long count(String sql) throws SQLException {
    try (Connection c = jdbc(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private List<String> strings(String sql) throws SQLException {
    List<String> values = new ArrayList<>();
    try (Connection c = jdbc(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        values.add(rs.getString(1));
      }
    }
    return values;
  }

  @Override
  public void cleanup() {
    for (ReplicaProcess r : replicas) {
      try {
        r.kill();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (broker != null) {
      broker.close();
    }
    if (postgres != null) {
      try {
        postgres.close();
      } catch (IOException e) {
        System.err.println("bench: stopping PostgreSQL failed: " + e);
      }
    }
    if (tempDir != null) {
      deleteQuietly(tempDir.toFile());
    }
  }

  private static void deleteQuietly(File f) {
    File[] children = f.listFiles();
    if (children != null) {
      for (File c : children) {
        deleteQuietly(c);
      }
    }
    f.delete();
  }
}

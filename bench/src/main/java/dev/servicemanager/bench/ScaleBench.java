package dev.servicemanager.bench;

import dev.servicemanager.server.testsupport.KafkaTestBroker;
import dev.servicemanager.testkit.FakeBroker;
import dev.servicemanager.testkit.FakeCatalog;
import dev.servicemanager.testkit.Responder;
import dev.servicemanager.testkit.Route;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * Scale-out (issue 17): three Service Manager replicas, each its own JVM, on one PostgreSQL and one
 * Kafka broker, behind nginx as the load balancer (Debian's nginx, config generated into a temporary
 * directory, bound to 127.0.0.1). Checks: a notification reaches agents connected to every replica;
 * the OSB catalog cache of every replica sees a visibility added on another within 1 s; each async
 * provision is run once; exactly one replica holds the Kafka relay's lock and the topic carries every
 * change; one Compass broker is registered; killing a replica mid-traffic loses no accepted request
 * (clients see at most retryable errors). Then throughput through nginx with 1, 2 and 3 replicas in
 * the upstream. Prints PASS/FAIL per check and writes a results file.
 */
final class ScaleBench implements BenchSupport.Harness {
  private static final String SECRET = "scale-bench-" + UUID.randomUUID();
  private static final String KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
  private static final String TOPIC = "service-manager.changes";
  // KafkaRelay.LOCK_KEY 0x534D_4B41_4641 as pg_locks shows a bigint advisory lock.
  private static final long LOCK_CLASSID = 0x534DL;
  private static final long LOCK_OBJID = 0x4B414641L;

  private final int replicaCount;
  private final int clients;
  private final int seconds;
  private final int asyncProvisions;
  private final int timeoutMinutes;
  private final Path resultsDir;
  private final String nginxBinary;
  private final List<ReplicaProcess> replicas = new ArrayList<>();
  private final Map<String, Object> json = new LinkedHashMap<>();
  private final List<String> failures = new ArrayList<>();
  private final Map<String, AtomicLong> provisionCalls = new ConcurrentHashMap<>();
  private final List<FakeBroker> extraBrokers = new CopyOnWriteArrayList<>();
  private Path tempDir;
  private EmbeddedPostgres postgres;
  private KafkaTestBroker kafka;
  private FakeBroker asyncBroker;
  private FakeBroker syncBroker;
  private Process nginx;
  private int lbPort;
  private Http admin;

  ScaleBench(Knobs knobs) {
    replicaCount = knobs.integer("replicas", 3);
    clients = knobs.integer("clients", 8);
    seconds = knobs.integer("seconds", 10);
    asyncProvisions = knobs.integer("asyncProvisions", 30);
    timeoutMinutes = knobs.integer("timeoutMinutes", 20);
    resultsDir = Path.of(knobs.string("resultsDir", "results"));
    nginxBinary = knobs.string("nginx", "/usr/sbin/nginx");
  }

  public static void main(String[] args) {
    BenchSupport.tcpNoDelayForFakes();
    BenchSupport.runMain(() -> new ScaleBench(new Knobs(args)));
  }

  @Override
  public int timeoutMinutes() {
    return timeoutMinutes;
  }

  private Map<String, String> replicaEnv(String name) {
    Map<String, String> env = new LinkedHashMap<>();
    // The application name tells which replica a database session (e.g. the relay's lock) belongs to.
    String url = postgres.getJdbcUrl("postgres", "postgres");
    env.put("DATASOURCES_DEFAULT_URL", url + (url.contains("?") ? "&" : "?") + "ApplicationName=" + name);
    env.put("DATASOURCES_DEFAULT_USERNAME", "postgres");
    env.put("DATASOURCES_DEFAULT_PASSWORD", "");
    env.put("DATASOURCES_DEFAULT_MAXIMUM_POOL_SIZE", "20");
    env.put("SM_PUBLIC_URL", lbUrl());
    env.put("SM_ENCRYPTION_KEY", KEY);
    env.put("SM_ADMIN_CLIENT_SECRET", SECRET);
    env.put("SM_OPERATIONS_POLLING_INTERVAL", "200ms");
    env.put("SM_OPERATIONS_DISPATCH_INTERVAL", "100ms");
    env.put("SM_OPERATIONS_LEASE", "10s");
    env.put("SM_OPERATIONS_RETRY_MIN", "100ms");
    env.put("SM_OPERATIONS_RETRY_MAX", "1s");
    env.put("SM_BROKER_CLIENT_CONNECT_TIMEOUT", "1s");
    env.put("SM_BROKER_CLIENT_READ_TIMEOUT", "3s");
    env.put("SM_SHUTDOWN_GRACE_PERIOD", "2s");
    env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    env.put("SM_KAFKA_POLL_INTERVAL", "200ms");
    env.put("COMPASS_BROKER_URL", lbUrl() + "/compass/osb");
    return env;
  }

  @Override
  public int run() throws Exception {
    Instant startedAt = Instant.now();
    System.out.printf(Locale.ROOT, "Scale-out benchmark: %d replicas, one PostgreSQL, one Kafka, nginx; %s%n", replicaCount, startedAt);
    tempDir = Files.createTempDirectory("sm-scale-bench-");
    postgres = EmbeddedPostgres.builder().setDataDirectory(tempDir.resolve("pg")).setCleanDataDirectory(false)
        .setServerConfig("max_connections", "300").start();
    kafka = KafkaTestBroker.start(KafkaTestBroker.freePort());
    asyncBroker = FakeBroker.start(FakeCatalog.generate("async-", 1, 1));
    asyncBroker.on(Route.PROVISION, counting(Responder.delay(Duration.ofMillis(100), Responder.async("prov"))));
    asyncBroker.pollsBeforeSuccess(Route.INSTANCE_LAST_OPERATION, 2);
    syncBroker = FakeBroker.start(FakeCatalog.generate("sync-", 1, 6));
    lbPort = ReplicaProcess.freePort();
    for (int i = 0; i < replicaCount; i++) {
      String name = "replica-" + (char) ('a' + i);
      replicas.add(new ReplicaProcess(name, tempDir, replicaEnv(name), "-Xmx384m", "-XX:+UseSerialGC"));
    }
    for (ReplicaProcess r : replicas) {
      r.start();
    }
    for (ReplicaProcess r : replicas) {
      r.awaitHealthy(Duration.ofMinutes(3));
    }
    startNginx(replicas);
    System.out.printf(Locale.ROOT, "  %d replicas healthy, nginx on %s%n", replicas.size(), lbUrl());

    admin = new Http(lbUrl());
    admin.loginAsAdmin("admin", SECRET);
    tokensWorkOnEveryReplica();
    String asyncId = registerBroker("async", asyncBroker);
    String syncId = registerBroker("sync", syncBroker);
    notifications();
    caches(syncId);
    asyncOperationsOnce(asyncId);
    kafkaAndCompass(false);
    throughput(syncId);
    killMidTraffic(syncId);
    kafkaAndCompass(true);

    json.put("harness", "scale");
    json.put("machine", BenchSupport.describeMachine());
    json.put("failures", failures);
    System.out.println();
    System.out.println(failures.isEmpty() ? "SCALE BENCH: every check PASSED" : "SCALE BENCH: FAILED: " + failures);
    System.out.println("results: " + BenchSupport.writeResults(resultsDir, "scale", startedAt, json));
    return failures.isEmpty() ? 0 : 2;
  }

  // ------------------------------------------------------------------------------ checks

  private void tokensWorkOnEveryReplica() {
    boolean ok = true;
    for (ReplicaProcess r : replicas) {
      ok &= admin.siblingWithCredentials(r.url()).get("/v1/platforms").status() == 200;
    }
    check("a token issued through the balancer is accepted by every replica", ok, "");
  }

  private void notifications() throws Exception {
    System.out.println();
    System.out.println("Notifications: one agent connected straight to each replica, one through nginx");
    List<Agent> agents = new ArrayList<>();
    List<String> targets = new ArrayList<>();
    for (ReplicaProcess r : replicas) {
      targets.add(r.url());
    }
    targets.add(lbUrl());
    for (int i = 0; i < targets.size(); i++) {
      String[] basic = basic(admin.post("/v1/platforms", Map.of("name", "agent-" + i, "type", "cloudfoundry")).expect(201).json());
      Agent agent = new Agent(targets.get(i));
      String auth = "Basic " + Base64.getEncoder().encodeToString((basic[0] + ":" + basic[1]).getBytes(StandardCharsets.UTF_8));
      agent.socket = agent.client.newWebSocketBuilder().header("Authorization", auth).connectTimeout(Duration.ofSeconds(10))
          .buildAsync(URI.create(targets.get(i).replaceFirst("^http", "ws") + "/v1/notifications"), agent).get(30, TimeUnit.SECONDS);
      agents.add(agent);
    }
    Thread.sleep(500);
    int changes = 6;
    Map<String, Long> sentAt = new ConcurrentHashMap<>();
    for (int c = 0; c < changes; c++) {
      String correlation = "scale-notify-" + c;
      Http viaReplica = admin.siblingWithCredentials(replicas.get(c % replicas.size()).url()).header("X-Correlation-ID", correlation);
      sentAt.put(correlation, System.nanoTime());
      FakeBroker fake = FakeBroker.start(FakeCatalog.generate("notify" + c + "-", 1, 1));
      extraBrokers.add(fake);
      viaReplica.post("/v1/service_brokers", Map.of("name", "notify-" + c, "broker_url", fake.url(),
          "credentials", Map.of("basic", Map.of("username", fake.username(), "password", fake.password())))).expect(201);
    }
    await(Duration.ofSeconds(15), () -> agents.stream().allMatch(a -> a.received.keySet().containsAll(sentAt.keySet())));
    long worst = 0;
    List<String> rows = new ArrayList<>();
    boolean all = true;
    for (Agent a : agents) {
      Set<String> got = new HashSet<>(a.received.keySet());
      got.retainAll(sentAt.keySet());
      all &= got.size() == changes && a.duplicates.get() == 0;
      long max = got.stream().mapToLong(k -> (a.received.get(k) - sentAt.get(k)) / 1_000_000).max().orElse(-1);
      worst = Math.max(worst, max);
      rows.add(a.target + ": " + got.size() + "/" + changes + " (max " + max + " ms, duplicates " + a.duplicates.get() + ")");
      a.socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
    }
    rows.forEach(r -> System.out.println("  " + r));
    json.put("notifications", Map.of("agents", rows, "worst_ms", worst));
    check("every notification (changes made on every replica) reached the agents of every replica", all, "worst " + worst + " ms");
  }

  private void caches(String syncId) throws Exception {
    System.out.println();
    System.out.println("Caches: a visibility added on one replica, the OSB catalog polled on every replica directly");
    Map<String, Object> platform = admin.post("/v1/platforms", Map.of("name", "k8s-cache", "type", "kubernetes")).expect(201).json();
    String platformId = platform.get("id").toString();
    String[] basic = basic(platform);
    List<String> plans = planIds(syncId);
    List<Long> worstPerChange = new ArrayList<>();
    boolean ok = true;
    for (int i = 0; i < plans.size(); i++) {
      ReplicaProcess writer = replicas.get(i % replicas.size());
      // Warm every replica's cache first, so the check sees an invalidation, not a first read.
      for (ReplicaProcess r : replicas) {
        osb(r.url(), basic).get("/v1/osb/" + syncId + "/v2/catalog").expect(200);
      }
      long t0 = System.nanoTime();
      admin.siblingWithCredentials(writer.url()).post("/v1/visibilities", Map.of("service_plan_id", plans.get(i), "platform_id", platformId)).expect(201);
      long worst = 0;
      for (ReplicaProcess r : replicas) {
        Http reader = osb(r.url(), basic);
        String plan = plans.get(i);
        long seenAt = -1;
        while (System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos()) {
          if (reader.get("/v1/osb/" + syncId + "/v2/catalog").body().contains(plan)) {
            seenAt = System.nanoTime();
            break;
          }
          Thread.sleep(5);
        }
        long ms = seenAt < 0 ? 5000 : (seenAt - t0) / 1_000_000;
        worst = Math.max(worst, ms);
        ok &= seenAt > 0 && ms <= 1000;
      }
      worstPerChange.add(worst);
    }
    System.out.println("  slowest replica per change (ms): " + worstPerChange);
    json.put("caches_worst_ms", worstPerChange);
    check("every replica's OSB catalog showed a visibility added on another within 1 s", ok,
        "max " + Collections.max(worstPerChange) + " ms");
  }

  private void asyncOperationsOnce(String asyncId) throws Exception {
    System.out.println();
    System.out.printf(Locale.ROOT, "Async operations: %d provisions through nginx (broker answers 202, 2 polls)%n", asyncProvisions);
    String plan = planIds(asyncId).get(0);
    admin.post("/v1/visibilities", Map.of("service_plan_id", plan)).expect(201);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < asyncProvisions; i++) {
      admin.post("/v1/service_instances", Map.of("name", "async-" + i, "service_plan_id", plan)).expect(202);
    }
    await(Duration.ofSeconds(120), () -> count("SELECT count(*) FROM operations WHERE state = 'in progress'") == 0);
    ids.addAll(strings("SELECT id FROM service_instances WHERE name LIKE 'async-%'"));
    long succeeded = count("SELECT count(*) FROM operations WHERE type = 'create' AND state = 'succeeded'"
        + " AND resource_id IN (SELECT id FROM service_instances WHERE name LIKE 'async-%' AND ready)");
    long repeated = provisionCalls.values().stream().filter(n -> n.get() > 1).count();
    Set<String> atBroker = asyncBroker.instances().keySet();
    boolean sameSet = ids.size() == asyncProvisions && atBroker.containsAll(ids) && atBroker.size() == ids.size();
    System.out.printf(Locale.ROOT, "  %d succeeded, broker called %d times for %d instances (%d repeated), broker holds %d%n",
        succeeded, provisionCalls.values().stream().mapToLong(AtomicLong::get).sum(), provisionCalls.size(), repeated, atBroker.size());
    json.put("async", Map.of("provisions", asyncProvisions, "succeeded", succeeded, "repeated", repeated));
    check("each async operation ran once (one broker call per instance, all succeeded)",
        succeeded == asyncProvisions && repeated == 0 && sameSet, "");
  }

  private void kafkaAndCompass(boolean afterKill) throws Exception {
    System.out.println();
    System.out.println("Kafka relay and Compass broker" + (afterKill ? " (after the kill)" : ""));
    await(Duration.ofSeconds(30), () -> count(lockHolders()) == 1);
    long holders = count(lockHolders());
    long maxRevision = count("SELECT coalesce(max(revision), 0) FROM changes");
    long rows = count("SELECT count(*) FROM changes");
    List<KafkaTestBroker.Received> records = kafka.readUntil(TOPIC,
        got -> got.stream().map(KafkaTestBroker.Received::revisionHeader).collect(Collectors.toSet()).size() >= rows,
        Duration.ofSeconds(30));
    Set<Long> revisions = records.stream().map(KafkaTestBroker.Received::revisionHeader).collect(Collectors.toSet());
    Set<Long> inTable = new HashSet<>(longs("SELECT revision FROM changes"));
    long missing = inTable.stream().filter(r -> !revisions.contains(r)).count();
    long duplicates = records.size() - revisions.size();
    long compass = count("SELECT count(*) FROM service_brokers WHERE name = 'compass'");
    System.out.printf(Locale.ROOT, "  relay lock held by %s;", relayHolder());
    System.out.printf(Locale.ROOT, "  relay lock holders %d; changes %d (max revision %d); on the topic %d records, %d missing, %d duplicates; compass brokers %d%n",
        holders, rows, maxRevision, records.size(), missing, duplicates, compass);
    json.put(afterKill ? "kafka_after_kill" : "kafka", Map.of("lock_holders", holders, "changes", rows, "records", records.size(),
        "missing", missing, "duplicates", duplicates, "compass_brokers", compass));
    check("exactly one replica holds the Kafka relay lock" + (afterKill ? " after the kill" : ""), holders == 1, "");
    // At least once: a takeover after a kill may publish the last batch again (the revision header de-duplicates).
    check("every change is on the topic" + (afterKill ? " after the kill" : ", none twice"),
        missing == 0 && (afterKill || duplicates == 0), missing + " missing, " + duplicates + " duplicates");
    check("exactly one Compass broker registered", compass == 1, "");
  }

  private void throughput(String syncId) throws Exception {
    System.out.println();
    System.out.printf(Locale.ROOT, "Throughput through nginx: %d clients, closed loop, %d s per step; OSB provision (sync broker) and catalog, alternating%n",
        clients, seconds);
    Map<String, Object> platform = admin.post("/v1/platforms", Map.of("name", "k8s-load", "type", "kubernetes")).expect(201).json();
    String[] basic = basic(platform);
    for (String plan : planIds(syncId)) {
      admin.post("/v1/visibilities", Map.of("service_plan_id", plan, "platform_id", platform.get("id").toString())).expect(201);
    }
    List<Map<String, Object>> steps = new ArrayList<>();
    for (int n = 1; n <= replicas.size(); n++) {
      restartNginx(replicas.subList(0, n));
      Load warm = load(syncId, basic, 2, null);
      Load load = load(syncId, basic, seconds, null);
      Stats lat = Stats.of(load.latencies.stream().mapToLong(Long::longValue).toArray());
      double rps = load.ok.get() / (double) seconds;
      System.out.printf(Locale.ROOT, "  %d replica(s): %7.0f req/s  p50 %5.1f ms  p99 %6.1f ms  errors %d (warm-up %d req)%n",
          n, rps, lat.p50(), lat.p99(), load.retryable.get() + load.other.get(), warm.ok.get());
      steps.add(Map.of("replicas", n, "req_per_s", rps, "p50_ms", lat.p50(), "p99_ms", lat.p99(),
          "errors", load.retryable.get() + load.other.get()));
    }
    json.put("throughput", steps);
  }

  private void killMidTraffic(String syncId) throws Exception {
    System.out.println();
    // The victim is the replica that publishes to Kafka, so that the relay must be taken over.
    String holder = relayHolder();
    ReplicaProcess victim = replicas.stream().filter(r -> r.name.equals(holder)).findFirst().orElse(replicas.get(1 % replicas.size()));
    System.out.printf(Locale.ROOT, "Kill: %d OSB clients and one registry writer through nginx for %d s, SIGKILL of %s (the Kafka publisher) after %d s%n",
        clients, seconds, victim.name, seconds / 3);
    Map<String, Object> platform = admin.post("/v1/platforms", Map.of("name", "k8s-kill", "type", "kubernetes")).expect(201).json();
    for (String plan : planIds(syncId)) {
      admin.post("/v1/visibilities", Map.of("service_plan_id", plan, "platform_id", platform.get("id").toString())).expect(201);
    }
    String[] basic = basic(platform);
    // Registry changes all along (each one a change-log row the relay must publish).
    List<String> created = new CopyOnWriteArrayList<>();
    AtomicLong writerRetryable = new AtomicLong();
    AtomicLong writerOther = new AtomicLong();
    long writerEnd = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    Thread writer = new Thread(() -> {
      Http http = admin.siblingWithCredentials(lbUrl());
      for (int i = 0; System.nanoTime() < writerEnd; i++) {
        String name = "during-kill-" + i;
        try {
          int st = http.post("/v1/platforms", Map.of("name", name, "type", "kubernetes")).status();
          if (st == 201) {
            created.add(name);
          } else if (st == 502 || st == 503 || st == 504) {
            writerRetryable.incrementAndGet();
          } else {
            writerOther.incrementAndGet();
          }
        } catch (UncheckedIOException e) {
          writerRetryable.incrementAndGet();
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "scale-registry-writer");
    writer.start();
    Load load = load(syncId, basic, seconds, () -> {
      try {
        victim.kill();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    writer.join();
    Set<String> platforms = new HashSet<>(strings("SELECT name FROM platforms"));
    long lostPlatforms = created.stream().filter(n -> !platforms.contains(n)).count();
    System.out.printf(Locale.ROOT, "  registry writer: %d platforms created, %d retryable errors, %d other, %d created but missing%n",
        created.size(), writerRetryable.get(), writerOther.get(), lostPlatforms);
    check("registry writes during the kill: none lost, only retryable errors", writerOther.get() == 0 && lostPlatforms == 0,
        writerRetryable.get() + " retryable");
    // Every provision the Service Manager answered 201 for is recorded and at the broker.
    Set<String> recorded = new HashSet<>(strings("SELECT id FROM service_instances"));
    long lostAtSm = load.accepted.stream().filter(id -> !recorded.contains(id)).count();
    long lostAtBroker = load.accepted.stream().filter(id -> !syncBroker.instances().containsKey(id)).count();
    System.out.printf(Locale.ROOT, "  %d answered, %d provisions accepted; %d retryable errors (502/503/504/connection), %d other; accepted but not recorded %d, not at the broker %d%n",
        load.ok.get(), load.accepted.size(), load.retryable.get(), load.other.get(), lostAtSm, lostAtBroker);
    if (!load.otherSamples.isEmpty()) {
      System.out.println("  other errors, first: " + load.otherSamples.subList(0, Math.min(3, load.otherSamples.size())));
    }
    json.put("kill", Map.of("answered", load.ok.get(), "accepted", load.accepted.size(), "retryable", load.retryable.get(),
        "other", load.other.get(), "lost_at_sm", lostAtSm, "lost_at_broker", lostAtBroker));
    check("killing a replica mid-traffic lost nothing (clients saw at most retryable errors)",
        load.other.get() == 0 && lostAtSm == 0 && lostAtBroker == 0, load.retryable.get() + " retryable errors");
    victim.start();
    victim.awaitHealthy(Duration.ofMinutes(2));
  }

  // ------------------------------------------------------------------------------ load

  private static final class Load {
    final AtomicLong ok = new AtomicLong();
    final AtomicLong retryable = new AtomicLong();
    final AtomicLong other = new AtomicLong();
    final List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    final List<String> accepted = new CopyOnWriteArrayList<>();
    final List<String> otherSamples = new CopyOnWriteArrayList<>();
  }

  /** Closed loop through nginx; each client alternates an OSB provision and a catalog read. */
  private Load load(String syncId, String[] basic, int secs, Runnable midway) throws Exception {
    Load load = new Load();
    Map<String, Object> catalog = syncBroker.catalog();
    @SuppressWarnings("unchecked")
    Map<String, Object> service = ((List<Map<String, Object>>) catalog.get("services")).get(0);
    @SuppressWarnings("unchecked")
    String planId = ((List<Map<String, Object>>) service.get("plans")).get(0).get("id").toString();
    String sid = service.get("id").toString();
    long end = System.nanoTime() + Duration.ofSeconds(secs).toNanos();
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      Thread t = new Thread(() -> {
        Http http = osb(lbUrl(), basic);
        int i = 0;
        while (System.nanoTime() < end) {
          boolean provision = i++ % 2 == 0;
          String id = UUID.randomUUID().toString();
          long t0 = System.nanoTime();
          try {
            Http.Result r = provision
                ? http.put("/v1/osb/" + syncId + "/v2/service_instances/" + id, Map.of("service_id", sid, "plan_id", planId,
                    "organization_guid", "org", "space_guid", "space", "context", Map.of("platform", "kubernetes")))
                : http.get("/v1/osb/" + syncId + "/v2/catalog");
            int s = r.status();
            if (s == 200 || s == 201) {
              load.ok.incrementAndGet();
              load.latencies.add(System.nanoTime() - t0);
              if (provision) {
                load.accepted.add(id);
              }
            } else if (s == 502 || s == 503 || s == 504) {
              load.retryable.incrementAndGet();
            } else {
              load.other.incrementAndGet();
              load.otherSamples.add(s + " " + Http.abbreviate(r.body()));
            }
          } catch (UncheckedIOException e) {
            load.retryable.incrementAndGet();
          }
        }
      }, "scale-client-" + c);
      t.start();
      threads.add(t);
    }
    if (midway != null) {
      Thread.sleep(secs * 1000L / 3);
      midway.run();
    }
    for (Thread t : threads) {
      t.join();
    }
    return load;
  }

  // ------------------------------------------------------------------------------ nginx

  private void startNginx(List<ReplicaProcess> upstream) throws IOException, InterruptedException {
    Path dir = tempDir.resolve("nginx");
    Files.createDirectories(dir.resolve("logs"));
    StringBuilder servers = new StringBuilder();
    for (ReplicaProcess r : upstream) {
      servers.append("    server 127.0.0.1:").append(r.port).append(" max_fails=1 fail_timeout=3s;\n");
    }
    String conf = """
        worker_processes 1;
        pid %1$s/nginx.pid;
        error_log %1$s/logs/error.log warn;
        events { worker_connections 4096; }
        http {
          access_log off;
          client_body_temp_path %1$s/body;
          proxy_temp_path %1$s/proxy;
          fastcgi_temp_path %1$s/fastcgi;
          uwsgi_temp_path %1$s/uwsgi;
          scgi_temp_path %1$s/scgi;
          upstream service_manager {
        %2$s    keepalive 64;
          }
          map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
          server {
            listen 127.0.0.1:%3$d;
            location / {
              proxy_pass http://service_manager;
              proxy_http_version 1.1;
              proxy_set_header Upgrade $http_upgrade;
              proxy_set_header Connection $connection_upgrade;
              proxy_set_header Host $http_host;
              proxy_set_header X-Forwarded-For $remote_addr;
              proxy_connect_timeout 1s;
              proxy_read_timeout 3600s;
              # A replica that refuses or drops the connection: the request goes to the next one
              # (for non-idempotent methods only when nothing was sent yet: nginx's default).
              proxy_next_upstream error timeout http_502 http_503;
            }
          }
        }
        """.formatted(dir, servers, lbPort);
    Files.writeString(dir.resolve("nginx.conf"), conf);
    nginx = new ProcessBuilder(nginxBinary, "-p", dir.toString(), "-c", dir.resolve("nginx.conf").toString(), "-g", "daemon off;")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("logs/stdout.log").toFile())).start();
    await(Duration.ofSeconds(10), () -> {
      try {
        return new Http(lbUrl()).get("/v1/monitor/alive").status() == 200;
      } catch (RuntimeException notYet) {
        return false;
      }
    });
  }

  private void restartNginx(List<ReplicaProcess> upstream) throws IOException, InterruptedException {
    stopNginx();
    startNginx(upstream);
  }

  private void stopNginx() throws InterruptedException {
    if (nginx != null) {
      nginx.destroy();
      if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
        nginx.destroyForcibly();
      }
      nginx.descendants().forEach(ProcessHandle::destroyForcibly);
      nginx = null;
    }
  }

  private String lbUrl() {
    return "http://127.0.0.1:" + lbPort;
  }

  // ------------------------------------------------------------------------------ helpers

  private final class Agent implements WebSocket.Listener {
    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    final String target;
    final Map<String, Long> received = new ConcurrentHashMap<>();
    final AtomicLong duplicates = new AtomicLong();
    volatile WebSocket socket;
    private StringBuilder partial = new StringBuilder();

    Agent(String target) {
      this.target = target;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      long now = System.nanoTime();
      partial.append(data);
      if (last) {
        String frame = partial.toString();
        partial = new StringBuilder();
        try {
          if (Http.parse(frame).get("correlation_id") instanceof String c && received.putIfAbsent(c, now) != null) {
            duplicates.incrementAndGet();
          }
        } catch (RuntimeException ignored) {
          // not a notification
        }
      }
      webSocket.request(1);
      return null;
    }
  }

  private Responder counting(Responder then) {
    return request -> {
      provisionCalls.computeIfAbsent(request.path(), k -> new AtomicLong()).incrementAndGet();
      return then.handle(request);
    };
  }

  private String registerBroker(String name, FakeBroker broker) {
    return admin.post("/v1/service_brokers", Map.of("name", name, "broker_url", broker.url(),
        "credentials", Map.of("basic", Map.of("username", broker.username(), "password", broker.password()))))
        .expect(201).json().get("id").toString();
  }

  @SuppressWarnings("unchecked")
  private List<String> planIds(String brokerId) {
    String offering = ((List<Map<String, Object>>) admin.get("/v1/service_offerings?fieldQuery="
        + Http.encode("broker_id eq '" + brokerId + "'")).expect(200).json().get("items")).get(0).get("id").toString();
    return ((List<Map<String, Object>>) admin.get("/v1/service_plans?fieldQuery="
        + Http.encode("service_offering_id eq '" + offering + "'")).expect(200).json().get("items")).stream()
        .map(m -> m.get("id").toString()).sorted().toList();
  }

  private static Http osb(String url, String[] basic) {
    return new Http(url).basic(basic[0], basic[1]).header("X-Broker-API-Version", "2.17");
  }

  private static String[] basic(Map<String, Object> platform) {
    if (platform.get("credentials") instanceof Map<?, ?> c && c.get("basic") instanceof Map<?, ?> b
        && b.get("username") instanceof String u && b.get("password") instanceof String p) {
      return new String[] {u, p};
    }
    throw new BenchException("POST /v1/platforms answered without credentials.basic");
  }

  /** The replica whose session holds the relay's lock, or null. */
  private String relayHolder() {
    List<String> names;
    try {
      names = strings("SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
          + " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = " + LOCK_CLASSID + " AND l.objid = " + LOCK_OBJID);
    } catch (SQLException e) {
      throw new BenchException(e.getMessage());
    }
    return names.isEmpty() ? null : names.get(0);
  }

  private static String lockHolders() {
    return "SELECT count(DISTINCT pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = "
        + LOCK_CLASSID + " AND objid = " + LOCK_OBJID;
  }

  private void check(String what, boolean ok, String detail) {
    System.out.printf(Locale.ROOT, "  %s  %s%s%n", ok ? "PASS" : "FAIL", what, detail.isEmpty() ? "" : " (" + detail + ")");
    if (!ok) {
      failures.add(what);
    }
  }

  private static void await(Duration max, BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + max.toNanos();
    while (System.nanoTime() < end && !condition.getAsBoolean()) {
      Thread.sleep(50);
    }
  }

  private Connection jdbc() throws SQLException {
    return postgres.getPostgresDatabase().getConnection();
  }

  private long count(String sql) {
    try (Connection c = jdbc(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new BenchException(sql + ": " + e.getMessage());
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

  private List<Long> longs(String sql) throws SQLException {
    List<Long> values = new ArrayList<>();
    try (Connection c = jdbc(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        values.add(rs.getLong(1));
      }
    }
    return values;
  }


  @Override
  public void cleanup() {
    try {
      stopNginx();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (ReplicaProcess r : replicas) {
      try {
        r.kill();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      // The replicas' logs go with the temporary directory: show what they said about trouble.
      try {
        List<String> lines = Files.exists(r.log) ? Files.readAllLines(r.log) : List.of();
        List<String> trouble = lines.stream().filter(l -> l.contains("ERROR") || l.contains("Exception")).limit(5).toList();
        if (!trouble.isEmpty()) {
          System.out.println(r.name + " log (first errors, last lines):");
          trouble.forEach(l -> System.out.println("  " + l));
          lines.subList(Math.max(0, lines.size() - 15), lines.size()).forEach(l -> System.out.println("  " + l));
        }
      } catch (IOException e) {
        // still stopping
      }
    }
    extraBrokers.forEach(FakeBroker::close);
    for (FakeBroker b : new FakeBroker[] {asyncBroker, syncBroker}) {
      if (b != null) {
        b.close();
      }
    }
    if (kafka != null) {
      try {
        kafka.close();
      } catch (RuntimeException e) {
        System.err.println("bench: stopping Kafka: " + e);
      }
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

package dev.servicemanager.bench;

import dev.servicemanager.proxy.cf.BenchCloudFoundry;
import dev.servicemanager.testkit.FakeBroker;
import dev.servicemanager.testkit.FakeCatalog;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * How fast a change at the Service Manager reaches platforms (issue 4, "Measured, not assumed"). See
 * {@code bench/README.md}.
 *
 * <ol>
 *   <li><b>End to end</b>: SM in this JVM, the fake Cloud Controller of broker-proxy-cf's tests with
 *       jobs that complete on their first poll, and the real CF proxy in this JVM following
 *       notifications with a 10-minute resync interval (so only notifications drive it). Per
 *       registration: register a broker with its own catalog, make one plan public (a platform only
 *       sees brokers with a visible plan), and poll the fake CC every {@code pollMs} until the broker
 *       exists, has its plans, and the plan is public there. Times count from the start of the
 *       registration request.
 *   <li><b>Delivery</b>: {@code agents} platforms, one websocket agent each on {@code
 *       /v1/notifications} (JDK client, pings every {@code pingSeconds}); then {@code changes} broker
 *       registrations spaced {@code spacingMs} apart, each with its own {@code X-Correlation-ID}, so
 *       every frame is matched to the call that caused it. Latency per delivery = receive time minus
 *       the start of that call (and, for information, minus its return).
 * </ol>
 */
public final class ProxyLatencyBench implements BenchSupport.Harness {
  private static final double E2E_P99_LIMIT_MS = 3000;
  private static final double DELIVERY_P99_LIMIT_MS = 1000;
  private static final PrintStream OUT = System.out;

  private final int registrations;
  private final int warmup;
  private final int agents;
  private final int changes;
  private final int spacingMs;
  private final int pingSeconds;
  private final int jobPolls;
  private final int jobPollMs;
  private final int pollMs;
  private final int timeoutMinutes;
  private final boolean failOnMiss;
  private final Path resultsDir;
  private final Map<String, Object> config = new LinkedHashMap<>();

  private final Instant startedAt = Instant.now();
  private final Map<String, Object> machine = BenchSupport.describeMachine();
  private final Map<String, Object> results = new LinkedHashMap<>();
  private final List<String[]> targets = new ArrayList<>();
  private final List<FakeBroker> fakes = new ArrayList<>();
  private final List<Agent> agentList = new ArrayList<>();
  private BenchServer server;
  private BenchCloudFoundry.Cc cc;
  private BenchCloudFoundry.Proxy proxy;
  private ScheduledExecutorService pinger;
  private boolean cleanedUp;
  private boolean allPass = true;

  private ProxyLatencyBench(Knobs k) {
    registrations = put("registrations", k.integer("registrations", 50));
    warmup = put("warmup", k.integer("warmup", 3));
    agents = put("agents", k.integer("agents", 100));
    changes = put("changes", k.integer("changes", 50));
    spacingMs = put("spacingMs", k.integer("spacingMs", 250));
    pingSeconds = put("pingSeconds", k.integer("pingSeconds", 5));
    jobPolls = put("jobPolls", k.integer("jobPolls", 0));
    jobPollMs = put("jobPollMs", k.integer("jobPollMs", 2000));
    pollMs = put("pollMs", k.integer("pollMs", 5));
    timeoutMinutes = put("timeoutMinutes", k.integer("timeoutMinutes", 10));
    failOnMiss = k.bool("failOnMiss", false);
    resultsDir = Path.of(k.string("resultsDir", "results"));
    k.rejectUnknown();
    if (registrations < 1 || agents < 1 || changes < 1 || pollMs < 1 || pingSeconds < 1 || warmup < 0) {
      throw new IllegalArgumentException("registrations, agents, changes, pollMs, pingSeconds must be >= 1");
    }
  }

  private int put(String name, int value) {
    config.put(name, value);
    return value;
  }

  public static void main(String[] args) {
    BenchSupport.tcpNoDelayForFakes();
    BenchSupport.runMain(() -> new ProxyLatencyBench(new Knobs(args)));
  }

  @Override
  public int timeoutMinutes() {
    return timeoutMinutes;
  }

  @Override
  public int run() throws Exception {
    OUT.printf(Locale.ROOT, "Service Manager proxy latency benchmark (notifications -> CF proxy -> CC; delivery to agents), %s%n", startedAt);
    OUT.printf(Locale.ROOT, "machine: %s CPUs, %s, Java %s (%s), max heap %s MB%n",
        machine.get("cpus"), machine.get("os"), machine.get("java"), machine.get("vm"), machine.get("max_heap_mb"));
    OUT.printf(Locale.ROOT, "config:  %s%n%n", config);
    server = BenchServer.start(m -> OUT.println("  " + m));
    machine.put("postgresql", server.postgresVersion());

    endToEnd();
    delivery();

    OUT.println();
    OUT.println("Targets");
    for (String[] t : targets) {
      OUT.printf(Locale.ROOT, "  %-62s %s%n", t[0], t[1]);
    }
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("harness", "proxy-latency");
    json.put("started_at", startedAt.toString());
    json.put("machine", machine);
    json.put("config", config);
    json.putAll(results);
    List<Map<String, Object>> t = new ArrayList<>();
    for (String[] target : targets) {
      t.add(Map.of("target", target[0], "result", target[1]));
    }
    json.put("targets", t);
    json.put("all_pass", allPass);
    Path file = BenchSupport.writeResults(resultsDir, "proxy-latency", startedAt, json);
    OUT.println();
    OUT.println("results: " + file.toAbsolutePath());
    return !allPass && failOnMiss ? 2 : 0;
  }

  // ------------------------------------------------------------------------------ end to end

  private void endToEnd() throws Exception {
    Http admin = server.admin();
    cc = new BenchCloudFoundry.Cc(jobPolls);
    Map<String, Object> platform = admin.post("/v1/platforms", Map.of("name", "bench-cf", "type", "cloudfoundry"))
        .expect(201).json();
    String[] credentials = basic(platform);
    proxy = new BenchCloudFoundry.Proxy(server.url(), credentials[0], credentials[1], cc, Duration.ofMinutes(10),
        Duration.ofMillis(jobPollMs));
    waitFor("the proxy's notification follower to connect", Duration.ofSeconds(30), proxy::connected);
    // The first resync (on start) ran against an empty registry; let it finish.
    waitFor("the proxy's first resync", Duration.ofSeconds(30), () -> proxy.metrics.resyncs() >= 1);
    OUT.printf(Locale.ROOT, "%nEnd to end: %d registrations (+%d warm-up), CC jobs complete after %d polls, proxy job poll interval %d ms, resync interval 10 min%n",
        registrations, warmup, jobPolls, jobPollMs);

    long[] api = new long[registrations];
    long[] created = new long[registrations];
    long[] synced = new long[registrations];
    long[] visible = new long[registrations];
    long[] afterVisibility = new long[registrations];
    for (int i = -warmup; i < registrations; i++) {
      String prefix = "e2e" + (i + warmup) + "-";
      FakeBroker fake = FakeBroker.start(FakeCatalog.generate(prefix, 1, 2));
      fakes.add(fake);
      long t0 = System.nanoTime();
      String brokerId = id(admin.post("/v1/service_brokers", Map.of(
          "name", "e2e-" + (i + warmup), "broker_url", fake.url(),
          "credentials", Map.of("basic", Map.of("username", fake.username(), "password", fake.password()))))
          .expect(201));
      String planId = onlyId(admin.get("/v1/service_plans?fieldQuery="
          + Http.encode("catalog_id eq '" + prefix + FakeCatalog.planId(0, 0) + "'")).expect(200));
      admin.post("/v1/visibilities", Map.of("service_plan_id", planId)).expect(201);
      long tApi = System.nanoTime();
      String osbUrl = server.url() + "/v1/osb/" + brokerId;
      long deadline = t0 + TimeUnit.SECONDS.toNanos(60);
      long tCreated = -1;
      long tSynced = -1;
      long tVisible = -1;
      String name = null;
      while (tVisible < 0) {
        long now = System.nanoTime();
        if (now > deadline) {
          throw new BenchException("broker " + brokerId + " did not reach the fake CC with a public plan within 60 s"
              + " (created=" + (tCreated >= 0) + ", plans=" + (tSynced >= 0) + ")");
        }
        if (tCreated < 0 && (name = cc.brokerNameForUrl(osbUrl)) != null) {
          tCreated = now;
        }
        if (name != null && tSynced < 0 && !cc.planVisibilities(name).isEmpty()) {
          tSynced = now;
        }
        if (tSynced >= 0 && cc.planVisibilities(name).contains("public")) {
          tVisible = now;
        }
        if (tVisible < 0) {
          Thread.sleep(pollMs);
        }
      }
      if (i >= 0) {
        api[i] = tApi - t0;
        created[i] = tCreated - t0;
        synced[i] = tSynced - t0;
        visible[i] = tVisible - t0;
        afterVisibility[i] = tVisible - tApi;
      }
    }
    if (cc.brokerCount() != registrations + warmup) {
      throw new BenchException("expected " + (registrations + warmup) + " brokers in the fake CC, found " + cc.brokerCount());
    }
    Map<String, Object> e2e = new LinkedHashMap<>();
    OUT.printf(Locale.ROOT, "  %-52s %5s %9s %9s %9s %9s%n", "phase (ms from the start of POST /v1/service_brokers)", "n", "p50", "p90", "p99", "max");
    row(e2e, "api_calls", "API calls done (register, find plan, public visibility)", Stats.of(api));
    row(e2e, "cc_broker_created", "broker created in CC (POST /v3/service_brokers seen)", Stats.of(created));
    row(e2e, "cc_catalog_synced", "its job complete: plans exist in CC", Stats.of(synced));
    Stats end = Stats.of(visible);
    row(e2e, "cc_plan_public", "plan public in CC (end to end)", end);
    row(e2e, "after_visibility_call", "  of which after the visibility call returned", Stats.of(afterVisibility));
    e2e.put("proxy_resyncs", proxy.metrics.resyncs());
    e2e.put("proxy_failed_resyncs", proxy.metrics.failedResyncs());
    OUT.printf(Locale.ROOT, "  proxy: %d resyncs (%d failed)%n", proxy.metrics.resyncs(), proxy.metrics.failedResyncs());
    results.put("end_to_end", e2e);
    target(String.format(Locale.ROOT, "end to end p99 < %.0f ms (registration start -> plan public in CC)", E2E_P99_LIMIT_MS),
        end.p99(), E2E_P99_LIMIT_MS);
    proxy.close();
    proxy = null;
  }

  // ------------------------------------------------------------------------------ delivery

  private void delivery() throws Exception {
    Http admin = server.admin();
    OUT.printf(Locale.ROOT, "%nDelivery: %d platforms with one websocket agent each (own HttpClient, ping every %d s), %d broker registrations %d ms apart%n",
        agents, pingSeconds, changes, spacingMs);
    String wsUrl = server.url().replaceFirst("^http", "ws") + "/v1/notifications";
    long connectStart = System.nanoTime();
    List<CompletableFuture<WebSocket>> opening = new ArrayList<>();
    for (int a = 0; a < agents; a++) {
      String[] credentials = basic(admin.post("/v1/platforms", Map.of("name", "bench-agent-" + a, "type", "cloudfoundry"))
          .expect(201).json());
      Agent agent = new Agent(changes);
      agentList.add(agent);
      String auth = "Basic " + Base64.getEncoder().encodeToString(
          (credentials[0] + ":" + credentials[1]).getBytes(StandardCharsets.UTF_8));
      opening.add(agent.client.newWebSocketBuilder().header("Authorization", auth)
          .connectTimeout(Duration.ofSeconds(10)).buildAsync(URI.create(wsUrl), agent));
    }
    for (int a = 0; a < agents; a++) {
      agentList.get(a).socket = opening.get(a).get(30, TimeUnit.SECONDS);
    }
    double connectMs = (System.nanoTime() - connectStart) / 1e6;
    OUT.printf(Locale.ROOT, "  %d agents connected in %.0f ms (platform creation included)%n", agents, connectMs);
    pinger = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "bench-agent-pings");
      t.setDaemon(true);
      return t;
    });
    long pingMs = pingSeconds * 1000L;
    for (int a = 0; a < agents; a++) {
      Agent agent = agentList.get(a);
      pinger.scheduleAtFixedRate(() -> agent.socket.sendPing(ByteBuffer.allocate(0)),
          a * pingMs / agents, pingMs, TimeUnit.MILLISECONDS);
    }
    Thread.sleep(1000);

    long[] starts = new long[changes];
    long[] returns = new long[changes];
    for (int c = 0; c < changes; c++) {
      FakeBroker fake = FakeBroker.start(FakeCatalog.generate("dlv" + c + "-", 1, 1));
      fakes.add(fake);
      admin.header("X-Correlation-ID", "bench-delivery-" + c);
      starts[c] = System.nanoTime();
      admin.post("/v1/service_brokers", Map.of("name", "dlv-" + c, "broker_url", fake.url(),
          "credentials", Map.of("basic", Map.of("username", fake.username(), "password", fake.password()))))
          .expect(201);
      returns[c] = System.nanoTime();
      Thread.sleep(spacingMs);
    }
    admin.header("X-Correlation-ID", "bench-setup");
    long expected = (long) agents * changes;
    waitFor("every agent to receive every notification", Duration.ofSeconds(30),
        () -> agentList.stream().mapToLong(a -> a.matched.get()).sum() >= expected, false);

    List<Long> fromStart = new ArrayList<>();
    List<Long> fromReturn = new ArrayList<>();
    long received = 0;
    long duplicates = 0;
    long others = 0;
    long closed = 0;
    for (Agent agent : agentList) {
      others += agent.others.get();
      duplicates += agent.duplicates.get();
      closed += agent.closed ? 1 : 0;
      for (int c = 0; c < changes; c++) {
        long t = agent.received[c];
        if (t != 0) {
          received++;
          fromStart.add(t - starts[c]);
          fromReturn.add(t - returns[c]);
        }
      }
    }
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("agents", agents);
    d.put("platforms", agents);
    d.put("changes", changes);
    d.put("expected_deliveries", expected);
    d.put("received_deliveries", received);
    d.put("duplicate_frames", duplicates);
    d.put("other_frames", others);
    d.put("agents_closed_by_server", closed);
    d.put("connect_ms", Stats.round(connectMs));
    OUT.printf(Locale.ROOT, "  received %d of %d deliveries (%d duplicates, %d unrelated frames, %d agents closed)%n",
        received, expected, duplicates, others, closed);
    OUT.printf(Locale.ROOT, "  %-52s %5s %9s %9s %9s %9s%n", "latency (ms)", "n", "p50", "p90", "p99", "max");
    row(d, "api_call", "POST /v1/service_brokers itself", Stats.of(diff(returns, starts)));
    Stats s = fromStart.isEmpty() ? null : Stats.of(fromStart.stream().mapToLong(Long::longValue).toArray());
    if (s != null) {
      row(d, "from_call_start", "receive - start of the API call", s);
      row(d, "from_call_return", "receive - return of the API call (may be < 0)",
          Stats.of(fromReturn.stream().mapToLong(Long::longValue).toArray()));
    }
    results.put("delivery", d);
    targets.add(new String[] {"delivery: every agent got every notification exactly once",
        received == expected && duplicates == 0 ? "PASS (" + received + "/" + expected + ")" : "FAIL (" + received + "/" + expected + ", " + duplicates + " duplicates)"});
    allPass &= received == expected && duplicates == 0;
    target(String.format(Locale.ROOT, "delivery p99 < %.0f ms (receive - API call start)", DELIVERY_P99_LIMIT_MS),
        s == null ? Double.POSITIVE_INFINITY : s.p99(), DELIVERY_P99_LIMIT_MS);
  }

  /** One agent: its own HttpClient (own selector thread, as separate agent processes would have). */
  private final class Agent implements WebSocket.Listener {
    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    final long[] received;
    final AtomicInteger matched = new AtomicInteger();
    final AtomicInteger duplicates = new AtomicInteger();
    final AtomicInteger others = new AtomicInteger();
    final ConcurrentLinkedQueue<String> unparsed = new ConcurrentLinkedQueue<>();
    volatile WebSocket socket;
    volatile boolean closed;
    private StringBuilder partial = new StringBuilder();

    Agent(int changes) {
      received = new long[changes];
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      long now = System.nanoTime();
      partial.append(data);
      if (last) {
        String frame = partial.toString();
        partial = new StringBuilder();
        Object correlation = null;
        try {
          correlation = Http.parse(frame).get("correlation_id");
        } catch (RuntimeException e) {
          unparsed.add(frame);
        }
        int c = correlation instanceof String s && s.startsWith("bench-delivery-")
            ? Integer.parseInt(s.substring("bench-delivery-".length())) : -1;
        if (c < 0 || c >= received.length) {
          others.incrementAndGet();
        } else if (received[c] != 0) {
          duplicates.incrementAndGet();
        } else {
          received[c] = now;
          matched.incrementAndGet();
        }
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed = true;
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closed = true;
    }
  }

  // ------------------------------------------------------------------------------ helpers

  private void row(Map<String, Object> json, String key, String label, Stats s) {
    json.put(key, s.asMap());
    OUT.printf(Locale.ROOT, "  %-52s %5d %9.1f %9.1f %9.1f %9.1f%n", label, s.n(), s.p50(), s.p90(), s.p99(), s.max());
  }

  private void target(String name, double value, double limit) {
    boolean pass = value < limit;
    allPass &= pass;
    targets.add(new String[] {name, String.format(Locale.ROOT, "%s (p99 %.1f ms)", pass ? "PASS" : "FAIL", value)});
  }

  private static long[] diff(long[] a, long[] b) {
    long[] d = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i] - b[i];
    }
    return d;
  }

  private static String[] basic(Map<String, Object> platform) {
    if (platform.get("credentials") instanceof Map<?, ?> c && c.get("basic") instanceof Map<?, ?> b
        && b.get("username") instanceof String u && b.get("password") instanceof String p) {
      return new String[] {u, p};
    }
    throw new BenchException("POST /v1/platforms answered without credentials.basic");
  }

  private static String id(Http.Result result) {
    if (result.json().get("id") instanceof String id) {
      return id;
    }
    throw new BenchException("no id in " + Http.abbreviate(result.body()));
  }

  private static String onlyId(Http.Result result) {
    if (result.json().get("items") instanceof List<?> items && items.size() == 1
        && items.get(0) instanceof Map<?, ?> item && item.get("id") instanceof String id) {
      return id;
    }
    throw new BenchException("expected exactly one item in " + Http.abbreviate(result.body()));
  }

  private static void waitFor(String what, Duration limit, BooleanSupplier condition) throws InterruptedException {
    waitFor(what, limit, condition, true);
  }

  private static void waitFor(String what, Duration limit, BooleanSupplier condition, boolean mustHappen)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        if (mustHappen) {
          throw new BenchException("timed out after " + limit.toSeconds() + " s waiting for " + what);
        }
        return;
      }
      Thread.sleep(5);
    }
  }

  @Override
  public synchronized void cleanup() {
    if (cleanedUp) {
      return;
    }
    cleanedUp = true;
    if (pinger != null) {
      pinger.shutdownNow();
    }
    for (Agent a : agentList) {
      if (a.socket != null) {
        a.socket.abort();
      }
    }
    if (proxy != null) {
      proxy.close();
    }
    if (cc != null) {
      cc.close();
    }
    fakes.forEach(FakeBroker::close);
    if (server != null) {
      server.close();
    }
  }
}

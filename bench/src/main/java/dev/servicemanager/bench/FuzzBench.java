package dev.servicemanager.bench;

import dev.servicemanager.testkit.FakeBroker;
import dev.servicemanager.testkit.fuzz.FuzzRun;
import dev.servicemanager.testkit.fuzz.HostileRequests;
import dev.servicemanager.testkit.fuzz.RawHttp;
import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

/**
 * The hostile-input fuzz of the server's HostileInputFuzzIT, for longer (issue 12): the same
 * generator (testkit) against a real server and a FakeBroker, {@code -Dfuzz.requests} requests from
 * {@code -Dfuzz.seed}, stopping after {@code -Dfuzz.minutes}. Prints what was sent, the statuses and
 * every failure with its seed and index; exits 2 when there was one. See bench/README.md.
 */
public final class FuzzBench implements BenchSupport.Harness {
  private static final List<String> TABLES = List.of("platforms", "platform_labels", "service_brokers", "service_offerings",
      "service_plans", "visibilities", "service_instances", "service_bindings", "operations", "changes");
  private final long seed = Long.getLong("fuzz.seed", 20261204L);
  private final int requests = Integer.getInteger("fuzz.requests", 100_000);
  private final int minutes = Integer.getInteger("fuzz.minutes", 20);
  private BenchServer server;
  private FakeBroker broker;

  public static void main(String[] args) {
    BenchSupport.runMain(FuzzBench::new);
  }

  @Override
  public int timeoutMinutes() {
    return minutes + 5;
  }

  @Override
  public int run() throws Exception {
    server = BenchServer.start(System.out::println);
    broker = FakeBroker.start();
    Http admin = server.admin();
    String brokerId = (String) admin.post("/v1/service_brokers", Map.of("name", "fuzz-broker", "broker_url", broker.url(),
        "credentials", Map.of("basic", Map.of("username", broker.username(), "password", broker.password())))).expect(201).json().get("id");
    Map<String, Object> platform = admin.post("/v1/platforms", Map.of("name", "fuzz-platform", "type", "kubernetes")).expect(201).json();
    @SuppressWarnings("unchecked")
    Map<String, Object> basic = (Map<String, Object>) ((Map<String, Object>) platform.get("credentials")).get("basic");
    Http platformApi = new Http(server.url()).basic((String) basic.get("username"), (String) basic.get("password"))
        .header("X-Broker-API-Version", "2.17");
    String offeringsQuery = Http.encode("broker_id eq '" + brokerId + "'");
    @SuppressWarnings("unchecked")
    Map<String, Object> offering = ((List<Map<String, Object>>) admin.get("/v1/service_offerings?fieldQuery=" + offeringsQuery)
        .expect(200).json().get("items")).get(0);
    @SuppressWarnings("unchecked")
    Map<String, Object> plan = ((List<Map<String, Object>>) admin.get("/v1/service_plans?fieldQuery="
        + Http.encode("service_offering_id eq '" + offering.get("id") + "'")).expect(200).json().get("items")).get(0);
    String visibilityId = (String) admin.post("/v1/visibilities", Map.of("service_plan_id", plan.get("id"),
        "platform_id", platform.get("id"))).expect(201).json().get("id");
    String osb = "/v1/osb/" + brokerId + "/v2/service_instances/fuzz-instance";
    Map<String, Object> osbBody = Map.of("service_id", offering.get("catalog_id"), "plan_id", plan.get("catalog_id"),
        "context", Map.of("platform", "kubernetes", "namespace", "fz"));
    platformApi.put(osb, osbBody).expect(201);
    platformApi.put(osb + "/service_bindings/fuzz-binding", osbBody).expect(201);

    HostileRequests generator = new HostileRequests(seed, new HostileRequests.Targets(
        admin.authorization(), platformApi.authorization(), (String) platform.get("id"), brokerId,
        (String) offering.get("id"), (String) plan.get("id"), visibilityId, "fuzz-instance", "fuzz-binding",
        (String) offering.get("catalog_id"), (String) plan.get("catalog_id"), broker.url(), broker.username(),
        broker.password()));
    URI uri = URI.create(server.url());
    System.out.printf("fuzz: seed %d, up to %d requests or %d minutes%n", seed, requests, minutes);
    FuzzRun.Result result = FuzzRun.run(new RawHttp(uri.getHost(), uri.getPort()), generator, seed, requests,
        System.currentTimeMillis() + minutes * 60_000L, this::snapshot);
    System.out.printf("fuzz: %d requests in %.1f s (%.0f/s), %d failures%n", result.sent(), result.millis() / 1000.0,
        result.sent() * 1000.0 / Math.max(1, result.millis()), result.failureCount());
    System.out.println("fuzz: statuses " + result.statuses());
    System.out.println("fuzz: routes " + result.routes());
    result.failures().forEach(f -> System.out.println("FAILURE " + f));
    return result.failureCount() == 0 ? 0 : 2;
  }

  private String snapshot() {
    StringBuilder sql = new StringBuilder("SELECT concat_ws('|'");
    for (String table : TABLES) {
      sql.append(", (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM ").append(table).append(" t)");
    }
    try (Connection c = server.jdbc(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql.append(")").toString())) {
      rs.next();
      // The broker's side too: a refusal on /v1/osb must come before the broker is asked.
      return rs.getString(1) + "|broker " + broker.instances().keySet() + broker.bindings().keySet();
    } catch (SQLException e) {
      throw new BenchException("snapshot failed: " + e.getMessage());
    }
  }

  @Override
  public void cleanup() {
    if (broker != null) {
      broker.close();
    }
    if (server != null) {
      server.close();
    }
  }
}

package dev.servicemanager.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.server.support.ApiTestBase;
import dev.servicemanager.testkit.fuzz.FuzzRequest;
import dev.servicemanager.testkit.fuzz.FuzzRun;
import dev.servicemanager.testkit.fuzz.HostileRequests;
import dev.servicemanager.testkit.fuzz.RawHttp;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A bounded fuzz over the registry, instance and OSB routes (issue 12): a fixed seed and budget, so it
 * runs the same few hundred requests every time; the bench ({@code -Pbench-fuzz}) runs the same
 * generator for longer. See {@link FuzzRun} for what is checked.
 */
@MicronautTest(transactional = false)
class HostileInputFuzzIT extends ApiTestBase {
  private static final long SEED = Long.getLong("fuzz.seed", 20261204L);
  private static final int REQUESTS = Integer.getInteger("fuzz.requests", 400);
  static final List<String> TABLES = List.of("platforms", "platform_labels", "service_brokers", "service_offerings",
      "service_plans", "visibilities", "service_instances", "service_bindings", "operations", "changes");

  @Test
  void hostileRequestsNeverGet5xxAlwaysTheErrorShapeAndRefusalsWriteNothing() throws Exception {
    String brokerId = (String) registerBroker("fuzz-broker").get("id");
    Map<String, Object> platform = createPlatform("fuzz-platform", "kubernetes");
    Api platformApi = platformClient(platform);
    String planId = planIds(brokerId).get(0);
    Map<String, Object> plan = admin().get("/v1/service_plans/" + planId).json();
    Map<String, Object> offering = admin().get("/v1/service_offerings/" + plan.get("service_offering_id")).json();
    String visibilityId = admin().post("/v1/visibilities", Map.of("service_plan_id", planId, "platform_id", platform.get("id"))).string("id");
    String osb = "/v1/osb/" + brokerId + "/v2/service_instances/fuzz-instance";
    byte[] osbBody = Api.toJson(Map.of("service_id", offering.get("catalog_id"), "plan_id", plan.get("catalog_id"),
        "context", Map.of("platform", "kubernetes", "namespace", "fz"))).getBytes(StandardCharsets.UTF_8);
    Map<String, String> osbHeaders = Map.of("Authorization", platformApi.authorization(), "X-Broker-API-Version", "2.17",
        "Content-Type", "application/json");
    RawHttp http = new RawHttp(server.getHost(), server.getPort());
    assertThat(http.send(new FuzzRequest("PUT", osb, osbHeaders, osbBody, "setup")).status()).isEqualTo(201);
    assertThat(http.send(new FuzzRequest("PUT", osb + "/service_bindings/fuzz-binding", osbHeaders, osbBody, "setup")).status())
        .isEqualTo(201);

    HostileRequests generator = new HostileRequests(SEED, new HostileRequests.Targets(
        admin().authorization(), platformApi.authorization(), (String) platform.get("id"), brokerId,
        (String) offering.get("id"), planId, visibilityId, "fuzz-instance", "fuzz-binding",
        (String) offering.get("catalog_id"), (String) plan.get("catalog_id"), broker.url(), broker.username(),
        broker.password()));
    FuzzRun.Result result = FuzzRun.run(http, generator, SEED, REQUESTS, System.currentTimeMillis() + 120_000, this::snapshot);

    System.out.printf("fuzz: seed %d, %d requests in %d ms, statuses %s, failures %d%n",
        SEED, result.sent(), result.millis(), result.statuses(), result.failureCount());
    assertThat(result.sent()).isEqualTo(REQUESTS);
    assertThat(result.failures()).as("failures (replay with -Dfuzz.seed=%d)", SEED).isEmpty();
    assertThat(result.routes()).hasSizeGreaterThan(35);
  }

  private String snapshot() {
    StringBuilder sql = new StringBuilder("SELECT concat_ws('|'");
    for (String table : TABLES) {
      sql.append(", (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM ").append(table).append(" t)");
    }
    try (Connection c = DriverManager.getConnection(jdbcUrl(), "postgres", "");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql.append(")").toString())) {
      rs.next();
      // The broker's side too: a refusal on /v1/osb must come before the broker is asked.
      return rs.getString(1) + "|broker " + broker.instances().keySet() + broker.bindings().keySet();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}

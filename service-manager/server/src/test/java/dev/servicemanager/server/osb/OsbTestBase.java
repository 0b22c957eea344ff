package dev.servicemanager.server.osb;

import dev.servicemanager.server.store.Sql;
import dev.servicemanager.server.support.Api;
import dev.servicemanager.server.support.ApiTestBase;
import dev.servicemanager.testkit.FakeCatalog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;

/**
 * Common set-up of the OSB endpoint tests: one Kubernetes platform, the fake broker registered as
 * "fake-broker", and helpers to call {@code /v1/osb/{broker_id}/v2/...} with any headers.
 */
abstract class OsbTestBase extends ApiTestBase {
  static final String SERVICE = FakeCatalog.DEFAULT_SERVICE_ID;
  static final String SMALL = FakeCatalog.SMALL_PLAN_ID;
  static final String LARGE = FakeCatalog.LARGE_PLAN_ID;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  protected String brokerId;
  protected String platformId;
  protected String platformAuth;
  /** SM ids of the small and large plans. */
  protected String smallPlanId;
  protected String largePlanId;

  @BeforeEach
  void registerPlatformAndBroker() {
    Map<String, Object> platform = createPlatform("k8s-one", "kubernetes");
    platformId = (String) platform.get("id");
    platformAuth = auth(platform);
    brokerId = (String) registerBroker("fake-broker").get("id");
    List<String> plans = planIds(brokerId);
    smallPlanId = plans.get(0);
    largePlanId = plans.get(1);
  }

  @SuppressWarnings("unchecked")
  static String auth(Map<String, Object> platform) {
    Map<String, Object> basic =
        (Map<String, Object>) ((Map<String, Object>) platform.get("credentials")).get("basic");
    return Api.basic((String) basic.get("username"), (String) basic.get("password"));
  }

  /** A visibility of the plan for the platform (null = public), with optional org labels. */
  protected void visible(String planId, String platform, String... orgs) {
    Map<String, Object> body = new HashMap<>();
    body.put("service_plan_id", planId);
    if (platform != null) {
      body.put("platform_id", platform);
    }
    if (orgs.length > 0) {
      body.put("labels", Map.of("organization_guid", List.of(orgs)));
    }
    Api.Result result = admin().post("/v1/visibilities", body);
    if (result.status() != 201) {
      throw new AssertionError("visibility create failed: " + result);
    }
  }

  protected String base() {
    return "/v1/osb/" + brokerId + "/v2";
  }

  /** Sends a request as the default platform with X-Broker-API-Version 2.17. */
  protected Api.Result osb(String method, String path, String body) {
    return send(platformAuth, method, base() + path, body, Map.of("X-Broker-API-Version", "2.17"));
  }

  protected Api.Result send(String authorization, String method, String path, String body, Map<String, String> headers) {
    return sendAbsolute(authorization, method, server.getURL() + path, body, headers);
  }

  /** The same to any URL (e.g. the fake broker itself). */
  protected Api.Result sendAbsolute(String authorization, String method, String url, String body, Map<String, String> headers) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(60))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      builder.header("Content-Type", "application/json");
    }
    if (authorization != null) {
      builder.header("Authorization", authorization);
    }
    headers.forEach(builder::header);
    try {
      HttpResponse<String> response = HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofString());
      return new Api.Result(response.statusCode(), response.headers().map(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String provisionBody(String planId, Map<String, Object> context) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("service_id", SERVICE);
    body.put("plan_id", planId);
    body.put("context", context);
    return Api.toJson(body);
  }

  static Map<String, Object> k8sContext(String name) {
    Map<String, Object> context = new LinkedHashMap<>();
    context.put("platform", "kubernetes");
    context.put("namespace", "default");
    context.put("instance_name", name);
    return context;
  }

  /** Provisions synchronously (the fake answers 201) with the small plan, visible to the platform. */
  protected void provisioned(String instanceId) {
    visible(smallPlanId, platformId);
    Api.Result result = osb("PUT", "/service_instances/" + instanceId, provisionBody(SMALL, k8sContext("db-" + instanceId)));
    if (result.status() != 201) {
      throw new AssertionError("provision failed: " + result);
    }
  }

  /** synchronous_commit as a tracking transaction of the running server sees it. */
  protected String trackingCommitSetting() {
    Sql sql = server.getApplicationContext().getBean(Sql.class);
    return server.getApplicationContext().getBean(TrackingWrites.class)
        .write(status -> sql.queryOne("SHOW synchronous_commit", List.of(), rs -> rs.getString(1)).orElseThrow());
  }

  protected void exec(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl(), "postgres", "");
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /** The first row of a query as column name → value (strings for jsonb), or null. */
  protected Map<String, Object> row(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl(), "postgres", "");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      if (!rs.next()) {
        return null;
      }
      Map<String, Object> row = new LinkedHashMap<>();
      for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
        Object value = rs.getObject(i);
        row.put(rs.getMetaData().getColumnLabel(i), value == null ? null : value instanceof Boolean ? value : value.toString());
      }
      return row;
    }
  }

  /** The newest operation of a resource. */
  protected Map<String, Object> lastOperation(String resourceId) throws SQLException {
    return row(
        "SELECT type, state, resource_type, platform_id, correlation_id, external_id, step, next_attempt_at,"
            + " errors::text AS errors, description FROM operations WHERE resource_id = '" + resourceId
            + "' ORDER BY paging_sequence DESC LIMIT 1");
  }
}

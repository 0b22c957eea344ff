package dev.servicemanager.proxy.testkit;

import dev.servicemanager.proxy.core.Json;
import dev.servicemanager.server.ServiceManagerLauncher;
import dev.servicemanager.testkit.FakeBroker;
import dev.servicemanager.testkit.TestDatabases;
import io.micronaut.runtime.server.EmbeddedServer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A real Service Manager on a fresh database, with the admin steps the proxies' tests need. */
public final class ServiceManagerFixture implements AutoCloseable {
  public static final String ADMIN_CLIENT = "admin";
  public static final String ADMIN_SECRET = "proxy-it-admin-secret";
  public static final String ENCRYPTION_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

  public final ServiceManagerLauncher.Running running;
  public final String url;
  public final SmAdmin admin;

  /** A registered platform with its basic credentials. */
  public record PlatformCredentials(String id, String username, String password) {}

  public ServiceManagerFixture() {
    this(Map.of());
  }

  /** With extra server properties (e.g. a shorter {@code sm.operations.polling-interval}). */
  public ServiceManagerFixture(Map<String, Object> extra) {
    Map<String, Object> props = new HashMap<>();
    props.put("datasources.default.url", TestDatabases.newDatabase());
    props.put("datasources.default.username", "postgres");
    props.put("datasources.default.password", "");
    props.put("micronaut.server.port", -1);
    props.put("micronaut.server.host", "127.0.0.1");
    props.put("sm.encryption-key", ENCRYPTION_KEY);
    props.put("sm.admin.client-secret", ADMIN_SECRET);
    // A proxy module that has the Compass plugin on its test class path (broker-proxy-k8s, for pairing)
    // switches it on explicitly; elsewhere its broker would be one more broker the proxies see.
    props.put("compass.enabled", false);
    props.putAll(extra);
    running = ServiceManagerLauncher.start(props);
    String u = running.context().getBean(EmbeddedServer.class).getURL().toString();
    url = u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    admin = SmAdmin.login(url, ADMIN_SECRET);
  }

  public PlatformCredentials registerCloudFoundry(String name) {
    return registerPlatform(name, "cloudfoundry");
  }

  public PlatformCredentials registerKubernetes(String name) {
    return registerPlatform(name, "kubernetes");
  }

  public PlatformCredentials registerPlatform(String name, String type) {
    SmAdmin.Result created = admin.expect(201, admin.post("/v1/platforms", Map.of("name", name, "type", type)));
    Map<String, Object> basic = Json.object(Json.object(created.json(), "credentials"), "basic");
    return new PlatformCredentials(created.string("id"), (String) basic.get("username"), (String) basic.get("password"));
  }

  /** Registers the broker; returns its SM id. */
  public String registerBroker(String name, FakeBroker broker) {
    SmAdmin.Result registered = admin.post("/v1/service_brokers", Map.of("name", name, "broker_url", broker.url(),
        "credentials", Map.of("basic", Map.of("username", broker.username(), "password", broker.password()))));
    return admin.expect(201, registered).string("id");
  }

  /** The SM id of the plan with this catalog id in this broker. */
  public String planId(String brokerId, String catalogPlanId) {
    List<Map<String, Object>> offerings = admin.items("/v1/service_offerings?fieldQuery=" + SmAdmin.q("broker_id eq '" + brokerId + "'"));
    for (Map<String, Object> offering : offerings) {
      for (Map<String, Object> plan : admin.items("/v1/service_plans?fieldQuery="
          + SmAdmin.q("service_offering_id eq '" + offering.get("id") + "' and catalog_id eq '" + catalogPlanId + "'"))) {
        return (String) plan.get("id");
      }
    }
    throw new AssertionError("no plan " + catalogPlanId + " in broker " + brokerId);
  }

  /** A visibility of the plan for the platform, limited to these organizations. */
  public String orgVisibility(String planId, String platformId, String... orgs) {
    return admin.expect(201, admin.post("/v1/visibilities", Map.of("service_plan_id", planId, "platform_id", platformId,
        "labels", Map.of("organization_guid", List.of(orgs))))).string("id");
  }

  public String publicVisibility(String planId) {
    return admin.expect(201, admin.post("/v1/visibilities", Map.of("service_plan_id", planId))).string("id");
  }

  public String platformVisibility(String planId, String platformId) {
    return admin.expect(201, admin.post("/v1/visibilities", Map.of("service_plan_id", planId, "platform_id", platformId))).string("id");
  }

  public List<Map<String, Object>> instances() {
    return admin.items("/v1/service_instances");
  }

  @Override
  public void close() {
    running.close();
  }
}

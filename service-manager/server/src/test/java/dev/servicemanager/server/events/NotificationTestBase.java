package dev.servicemanager.server.events;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.server.support.ApiTestBase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A platform with its credentials, agents that connect as it, and a few registry helpers. */
abstract class NotificationTestBase extends ApiTestBase {
  static final Duration WAIT = Duration.ofSeconds(10);
  final List<Agent> agents = new ArrayList<>();

  @org.junit.jupiter.api.AfterEach
  void closeAgents() {
    agents.forEach(Agent::close);
    agents.clear();
  }

  record TestPlatform(String id, String authorization) {}

  TestPlatform platform(String name) {
    Map<String, Object> created = createPlatform(name, "cloudfoundry");
    @SuppressWarnings("unchecked")
    Map<String, Object> basic = (Map<String, Object>) ((Map<String, Object>) created.get("credentials")).get("basic");
    return new TestPlatform((String) created.get("id"), Api.basic((String) basic.get("username"), (String) basic.get("password")));
  }

  String baseUrl() {
    String url = server.getURL().toString();
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  Agent connect(TestPlatform platform, String revision) {
    Agent agent = Agent.connect(baseUrl(), platform.authorization(), revision);
    agents.add(agent);
    return agent;
  }

  int refusedStatus(String authorization, String revision) {
    try {
      Agent agent = Agent.connect(baseUrl(), authorization, revision);
      agents.add(agent);
      return 101;
    } catch (Agent.Refused refused) {
      return refused.status;
    }
  }

  String latestRevision() throws Exception {
    return Long.toString(count("SELECT coalesce(max(revision), 0) FROM changes"));
  }

  String visibility(String platformId, String planId) {
    Map<String, Object> body = platformId == null ? Map.of("service_plan_id", planId) : Map.of("platform_id", platformId, "service_plan_id", planId);
    Api.Result result = admin().post("/v1/visibilities", body);
    if (result.status() != 201) {
      throw new AssertionError("visibility create failed: " + result);
    }
    return result.string("id");
  }

  String bearer() {
    Api.Result token = anonymous().withAuthorization(Api.basic("admin", ADMIN_SECRET))
        .send("POST", "/oauth/token", "application/x-www-form-urlencoded", "grant_type=client_credentials");
    return "Bearer " + token.string("access_token");
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object value) {
    return (Map<String, Object>) value;
  }
}

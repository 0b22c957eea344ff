package dev.servicemanager.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.ServiceManagerLauncher;
import dev.servicemanager.server.support.Api;
import dev.servicemanager.server.support.ApiTestBase;
import dev.servicemanager.testkit.FakeBroker;
import dev.servicemanager.testkit.TestDatabases;
import io.micronaut.runtime.server.EmbeddedServer;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two servers on one database: a change made through one reaches an agent connected to the other. */
class NotificationFanOutIT {
  private final FakeBroker broker = FakeBroker.start();
  private final String jdbcUrl = TestDatabases.newDatabase();
  private final List<ServiceManagerLauncher.Running> servers = new ArrayList<>();
  private final List<Agent> agents = new ArrayList<>();

  @AfterEach
  void stop() {
    agents.forEach(Agent::close);
    servers.forEach(ServiceManagerLauncher.Running::close);
    broker.close();
  }

  @Test
  void aBrokerRegisteredThroughServerAReachesAnAgentOnServerB() throws Exception {
    String a = start();
    String b = start();
    Api adminA = admin(a);
    Api.Result platform = adminA.post("/v1/platforms", Map.of("name", "fan-out", "type", "cloudfoundry"));
    assertThat(platform.status()).isEqualTo(201);
    Map<String, Object> basic = NotificationTestBase.map(NotificationTestBase.map(platform.json().get("credentials")).get("basic"));
    String auth = Api.basic((String) basic.get("username"), (String) basic.get("password"));
    Agent onB = Agent.connect(b, auth, null);
    agents.add(onB);
    Agent onA = Agent.connect(a, auth, null);
    agents.add(onA);

    Api.Result registered = adminA.post("/v1/service_brokers", Map.of("name", "fanned", "broker_url", broker.url(),
        "credentials", Map.of("basic", Map.of("username", broker.username(), "password", broker.password()))));
    assertThat(registered.status()).as(registered.toString()).isEqualTo(201);

    Map<String, Object> atB = onB.next(Duration.ofSeconds(10));
    assertThat(atB).containsEntry("resource", "/v1/service_brokers").containsEntry("type", "CREATED");
    assertThat(NotificationTestBase.map(NotificationTestBase.map(NotificationTestBase.map(atB.get("payload")).get("new")).get("resource")))
        .containsEntry("id", registered.string("id"));
    assertThat(onA.next(Duration.ofSeconds(10)).get("revision")).isEqualTo(atB.get("revision"));
  }

  private String start() throws Exception {
    Map<String, Object> props = new HashMap<>();
    props.put("datasources.default.url", jdbcUrl);
    props.put("datasources.default.username", "postgres");
    props.put("datasources.default.password", "");
    props.put("datasources.default.maximum-pool-size", "5");
    props.put("micronaut.server.port", -1);
    props.put("micronaut.server.host", "127.0.0.1");
    props.put("sm.encryption-key", ApiTestBase.ENCRYPTION_KEY);
    props.put("sm.admin.client-secret", ApiTestBase.ADMIN_SECRET);
    props.put("sm.data-dir", Files.createTempDirectory("sm-fanout").toString());
    ServiceManagerLauncher.Running running = ServiceManagerLauncher.start(props);
    servers.add(running);
    String url = running.context().getBean(EmbeddedServer.class).getURL().toString();
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  private static Api admin(String baseUrl) {
    Api.Result token = new Api(baseUrl, Api.basic("admin", ApiTestBase.ADMIN_SECRET))
        .send("POST", "/oauth/token", "application/x-www-form-urlencoded", "grant_type=client_credentials");
    assertThat(token.status()).as(token.toString()).isEqualTo(200);
    return new Api(baseUrl, "Bearer " + token.string("access_token"));
  }
}

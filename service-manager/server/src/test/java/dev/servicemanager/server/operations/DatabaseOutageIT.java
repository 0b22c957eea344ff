package dev.servicemanager.server.operations;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.ServiceManagerLauncher;
import dev.servicemanager.server.events.RegistryVersion;
import dev.servicemanager.server.support.Api;
import dev.servicemanager.server.testsupport.KafkaTestBroker;
import dev.servicemanager.testkit.FakeBroker;
import dev.servicemanager.testkit.RecordedRequest;
import dev.servicemanager.testkit.Responder;
import dev.servicemanager.testkit.Route;
import io.micronaut.runtime.server.EmbeddedServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An external PostgreSQL stopped under traffic and started again on the same data and port: while
 * it is down every call answers 503 quickly (never 500, never a hang), health is DOWN; afterwards
 * every operation that was in flight completes, new ones run, and no broker call ran twice.
 */
class DatabaseOutageIT {
  private static final int INSTANCES = 6;
  private final FakeBroker broker = FakeBroker.start();
  private final int port = EngineHarness.freePort();
  private Path dataDir;
  private EmbeddedPostgres postgres;
  private ServiceManagerLauncher.Running server;
  private KafkaTestBroker kafka;
  private static final String TOPIC = "outage.changes";

  @AfterEach
  void stop() throws IOException {
    if (server != null) {
      server.close();
    }
    if (postgres != null) {
      postgres.close();
    }
    broker.close();
    if (kafka != null) {
      kafka.close();
    }
  }

  private void startDatabase() throws IOException {
    postgres =
        EmbeddedPostgres.builder().setPort(port).setDataDirectory(dataDir).setCleanDataDirectory(false).start();
  }

  @Test
  void aDatabaseOutageAnswers503AndLosesNothing() throws Exception {
    dataDir = Files.createTempDirectory("sm-outage-pg");
    startDatabase();
    String jdbcUrl = postgres.getJdbcUrl("postgres", "postgres");
    kafka = KafkaTestBroker.start(KafkaTestBroker.freePort());
    Map<String, Object> props = EngineHarness.properties(jdbcUrl);
    props.put("datasources.default.connection-timeout", "1000");
    props.put("kafka.bootstrap.servers", kafka.bootstrapServers());
    props.put("sm.kafka.topic", TOPIC);
    props.put("sm.kafka.poll-interval", "200ms");
    server = ServiceManagerLauncher.start(props);
    String url = server.context().getBean(EmbeddedServer.class).getURL().toString();
    Api admin = EngineHarness.admin(url);
    String plan = EngineHarness.registerPublicBroker(admin, broker);
    Map<String, Object> platform = admin.post("/v1/platforms", Map.of("name", "outage-k8s", "type", "kubernetes")).json();
    @SuppressWarnings("unchecked")
    Map<String, Object> basic = (Map<String, Object>) ((Map<String, Object>) platform.get("credentials")).get("basic");
    String platformAuth = Api.basic((String) basic.get("username"), (String) basic.get("password"));
    String brokerId = admin.get("/v1/service_brokers").ids().get(0);

    // Provisions that are accepted by the broker and polled until after the outage.
    broker.on(Route.PROVISION, Responder.async("op"));
    broker.pollsBeforeSuccess(Route.INSTANCE_LAST_OPERATION, 8);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < INSTANCES; i++) {
      Api.Result accepted = admin.post("/v1/service_instances", Map.of("name", "before-" + i, "service_plan_id", plan));
      assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
      ids.add(accepted.header("Location").split("/")[3]);
    }
    // Wait until each 202 is recorded: a broker answer whose record is lost with the database is
    // asked for again after the lease (at least once, and OSB's PUT is idempotent), which would
    // blur what this test checks, that the outage itself repeats nothing.
    EngineHarness.eventually("every provision is accepted and recorded", Duration.ofSeconds(20),
        () -> EngineHarness.count(jdbcUrl, "SELECT count(*) FROM operations WHERE step = 'poll'") == INSTANCES);

    RegistryVersion registry = server.context().getBean(RegistryVersion.class);
    assertThat(registry.isListening()).isTrue();
    postgres.close();
    postgres = null;
    EngineHarness.eventually("the change listener notices", Duration.ofSeconds(10), () -> !registry.isListening());

    for (String path : List.of("/v1/platforms", "/v1/service_brokers", "/v1/service_instances", "/v1/operations")) {
      long started = System.nanoTime();
      Api.Result result = admin.get(path);
      assertThat(result.status()).as(path + " " + result).isEqualTo(503);
      assertThat(result.string("error")).isEqualTo("ServiceUnavailable");
      assertThat(result.string("description")).isNotBlank();
      assertThat(Duration.ofNanos(System.nanoTime() - started)).as(path).isLessThan(Duration.ofSeconds(5));
    }
    Api.Result write = admin.post("/v1/platforms", Map.of("name", "during-outage", "type", "kubernetes"));
    assertThat(write.status()).as(write.toString()).isEqualTo(503);
    Api.Result health = new Api(url, null).get("/v1/monitor/health");
    assertThat(health.status()).isEqualTo(503);
    assertThat(health.string("status")).isEqualTo("DOWN");
    // Liveness does not ask the database: an orchestrator must not restart replicas for an outage.
    Api.Result alive = new Api(url, null).get("/v1/monitor/alive");
    assertThat(alive.status()).as(alive.toString()).isEqualTo(200);
    assertThat(alive.string("status")).isEqualTo("UP");
    // A platform asking through the OSB endpoint gets a retryable error in OSB's shape.
    HttpResponse<String> osb = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(url + "/v1/osb/" + brokerId + "/v2/service_instances/during-outage?accepts_incomplete=true"))
            .header("Authorization", platformAuth)
            .header("X-Broker-API-Version", "2.17")
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(10))
            .PUT(HttpRequest.BodyPublishers.ofString("{\"service_id\":\"service-0\",\"plan_id\":\"plan-0-0\"}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(osb.statusCode()).as(osb.body()).isEqualTo(503);
    assertThat(osb.body()).contains("\"description\"");
    int provisionsDuringOutage = broker.requests(Route.PROVISION).size();
    Thread.sleep(1500); // the dispatcher's claims fail meanwhile, many times over

    startDatabase();

    EngineHarness.eventually("health is UP again", Duration.ofSeconds(30),
        () -> new Api(url, null).get("/v1/monitor/health").status() == 200);
    EngineHarness.eventually("every in-flight provision succeeded", Duration.ofSeconds(60),
        () -> EngineHarness.count(jdbcUrl, "SELECT count(*) FROM operations WHERE state = 'succeeded' AND type = 'create'")
            == INSTANCES);
    assertThat(provisionsDuringOutage).as("the platform's provision was not forwarded without a record").isEqualTo(INSTANCES);
    Api.Result after = admin.post("/v1/service_instances", Map.of("name", "after", "service_plan_id", plan));
    assertThat(after.status()).as(after.toString()).isEqualTo(202);
    EngineHarness.eventually("a new provision runs after the outage", Duration.ofSeconds(30),
        () -> EngineHarness.count(jdbcUrl, "SELECT count(*) FROM operations WHERE state = 'succeeded' AND type = 'create'")
            == INSTANCES + 1);
    EngineHarness.eventually("the change listener listens again", Duration.ofSeconds(20), registry::isListening);
    String afterId = admin.post("/v1/platforms", Map.of("name", "after-outage", "type", "kubernetes")).string("id");
    List<KafkaTestBroker.Received> relayed = kafka.readUntil(
        TOPIC, got -> got.stream().anyMatch(r -> afterId.equals(r.key())), Duration.ofSeconds(30));
    assertThat(relayed).as("the Kafka relay publishes again").anyMatch(r -> afterId.equals(r.key()));
    Dispatcher dispatcher = server.context().getBean(Dispatcher.class);
    EngineHarness.eventually("every worker is free again", Duration.ofSeconds(10),
        () -> dispatcher.freeWorkers() == 2);

    Map<String, Long> provisions = broker.requests(Route.PROVISION).stream()
        .collect(Collectors.groupingBy(RecordedRequest::instanceId, Collectors.counting()));
    assertThat(provisions.values()).as("no provision ran twice").allMatch(n -> n == 1);
    assertThat(provisions.keySet()).containsAll(ids);
    assertThat(EngineHarness.count(jdbcUrl, "SELECT count(*) FROM service_instances WHERE ready")).isEqualTo(INSTANCES + 1);
  }
}

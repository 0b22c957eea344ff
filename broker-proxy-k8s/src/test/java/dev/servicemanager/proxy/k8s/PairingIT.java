package dev.servicemanager.proxy.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.servicemanager.proxy.core.Json;
import dev.servicemanager.proxy.testkit.ServiceManagerFixture;
import io.fabric8.kubernetes.api.model.Secret;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The agent pairs itself ({@link Pairing}) with a one-time token at the real Compass Connector of a
 * real Service Manager, keeps the platform credentials in a Secret of the (mock) cluster, uses them
 * again after a restart without a token, and reports a used token clearly while it retries.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PairingIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private ServiceManagerFixture sm;
  private FakeKubernetes k8s;
  private String adminToken;

  @BeforeAll
  void start() throws Exception {
    sm = new ServiceManagerFixture(Map.of("compass.enabled", true, "compass.broker.enabled", false));
    k8s = new FakeKubernetes();
    HttpResponse<String> token = HTTP.send(HttpRequest.newBuilder(URI.create(sm.url + "/oauth/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
            (ServiceManagerFixture.ADMIN_CLIENT + ":" + ServiceManagerFixture.ADMIN_SECRET).getBytes(StandardCharsets.UTF_8)))
        .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build(), HttpResponse.BodyHandlers.ofString());
    adminToken = Json.string(Json.parse(token.body()), "access_token");
  }

  @AfterAll
  void stop() {
    k8s.close();
    sm.close();
  }

  private Map<String, Object> director(String query, Map<String, Object> variables) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(sm.url + "/compass/graphql"))
        .header("Content-Type", "application/json").header("Authorization", "Bearer " + adminToken).header("Tenant", "t-agent")
        .POST(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("query", query, "variables", variables)))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.body()).doesNotContain("\"errors\"");
    return Json.object(Json.parse(r.body()), "data");
  }

  private Pairing pairing(String namespace, String connectorUrl, String token) {
    return new Pairing(k8s.apiClient(), namespace, "agent-credentials", connectorUrl, () -> token,
        Duration.ofMillis(100), Duration.ofMillis(400));
  }

  private Map<String, Object> runtimeWithToken(String name) throws Exception {
    Map<String, Object> runtime = Json.object(director("mutation($in: RuntimeRegisterInput!) { registerRuntime(in: $in) { id platformID } }",
        Map.of("in", Map.of("name", name))), "registerRuntime");
    Map<String, Object> issued = Json.object(director(
        "mutation($id: ID!) { requestOneTimeTokenForRuntime(id: $id) { token connectorURL } }",
        Map.of("id", Json.string(runtime, "id"))), "requestOneTimeTokenForRuntime");
    return Map.of("id", Json.string(runtime, "id"), "platformID", Json.string(runtime, "platformID"),
        "token", Json.string(issued, "token"), "connectorURL", Json.string(issued, "connectorURL"));
  }

  /** The packaged agent, given only a token and the Connector URL (as the Runtime Provisioner's Secret does). */
  @Test
  void theJarPairsItselfAtStartAndKeepsItsCredentialsInASecret() throws Exception {
    Map<String, Object> runtime = runtimeWithToken("jar-edge");
    java.nio.file.Path kubeconfig = java.nio.file.Path.of("target", "pairing-it.kubeconfig");
    java.nio.file.Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters: [{name: fake, cluster: {server: "%s"}}]
        users: [{name: agent, user: {token: not-checked-by-the-fake}}]
        contexts: [{name: fake, context: {cluster: fake, user: agent}}]
        current-context: fake
        """.formatted(k8s.url()));
    java.nio.file.Path log = java.nio.file.Path.of("target", "pairing-it-jar.log");
    int port;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      port = socket.getLocalPort();
    }
    ProcessBuilder builder = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", java.nio.file.Path.of("target", "broker-proxy-k8s.jar").toString()).redirectErrorStream(true).redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    env.put("SM_URL", sm.url);
    env.put("SM_CONNECTOR_URL", (String) runtime.get("connectorURL"));
    env.put("SM_ONE_TIME_TOKEN", (String) runtime.get("token"));
    env.put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
    env.put("K8S_SECRET_NAMESPACE", "sm-system");
    env.put("K8S_CREDENTIALS_SECRET", "jar-credentials");
    env.put("K8S_BROKER_MODE", "false");
    env.put("MICRONAUT_SERVER_PORT", Integer.toString(port));
    env.put("MICRONAUT_SERVER_HOST", "127.0.0.1");
    Process process = builder.start();
    try {
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
        HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(Json.path(Json.parse(health.body()), "details", "brokerProxy", "status")).isEqualTo("UP");
      });
      Secret kept = k8s.client.secrets().inNamespace("sm-system").withName("jar-credentials").get();
      assertThat(new String(Base64.getDecoder().decode(kept.getData().get("platformID")), StandardCharsets.UTF_8))
          .isEqualTo(runtime.get("platformID"));
      String password = new String(Base64.getDecoder().decode(kept.getData().get("password")), StandardCharsets.UTF_8);
      assertThat(java.nio.file.Files.readString(log)).as("no secret in the log").contains("paired with the Connector")
          .doesNotContain((String) runtime.get("token")).doesNotContain(password);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\n--- agent log ---\n" + java.nio.file.Files.readString(log), e);
    } finally {
      process.destroy();
      if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  @Test
  void theAgentPairsWithItsTokenKeepsTheCredentialsAndRefusesAReusedToken() throws Exception {
    Map<String, Object> runtime = runtimeWithToken("agent-edge");
    Map<String, Object> issued = runtime;
    String token = Json.string(issued, "token");
    String connectorUrl = Json.string(issued, "connectorURL");

    Pairing.Credentials credentials = pairing("default", connectorUrl, token).credentials();
    assertThat(credentials.platformId()).isEqualTo(Json.string(runtime, "platformID"));
    assertThat(credentials.toString()).doesNotContain(credentials.password());
    Secret kept = k8s.client.secrets().inNamespace("default").withName("agent-credentials").get();
    assertThat(new String(Base64.getDecoder().decode(kept.getData().get("username")), StandardCharsets.UTF_8))
        .isEqualTo(credentials.username());
    // They are the platform's: SM accepts them.
    HttpResponse<String> asPlatform = HTTP.send(HttpRequest.newBuilder(URI.create(sm.url + "/v1/service_offerings"))
        .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
            (credentials.username() + ":" + credentials.password()).getBytes(StandardCharsets.UTF_8))).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(asPlatform.statusCode()).isEqualTo(200);

    // A restart: the kept credentials, no token needed (the used one would be refused).
    assertThat(pairing("default", connectorUrl, token).credentials()).isEqualTo(credentials);

    // An agent without kept credentials and a used token: a clear error, and it keeps retrying.
    Pairing reused = pairing("elsewhere", connectorUrl, token);
    AtomicReference<Pairing.Credentials> result = new AtomicReference<>();
    Thread agent = new Thread(() -> {
      try {
        result.set(reused.credentials());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    agent.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> reused.lastError() != null);
    assertThat(reused.lastError()).isEqualTo(
        "pairing refused by the Connector: the one-time token has already been used; request a new one from the Director");
    Thread.sleep(600); // several retries
    assertThat(agent.isAlive()).isTrue();
    assertThat(result.get()).isNull();
    agent.interrupt();
    agent.join(5000);
    assertThat(k8s.client.secrets().inNamespace("elsewhere").withName("agent-credentials").get()).isNull();
  }
}

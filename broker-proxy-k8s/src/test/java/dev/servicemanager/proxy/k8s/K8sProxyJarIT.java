package dev.servicemanager.proxy.k8s;

import dev.servicemanager.proxy.testkit.ServiceManagerFixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.servicemanager.proxy.core.Json;
import dev.servicemanager.testkit.FakeBroker;
import dev.servicemanager.testkit.FakeCatalog;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged agent ({@code java -jar target/broker-proxy-k8s.jar}) configured only by environment variables,
 * reaching the API server through a {@code KUBECONFIG} file, with both modes on.
 */
class K8sProxyJarIT {
  private final ServiceManagerFixture sm = new ServiceManagerFixture(java.util.Map.of("sm.operations.polling-interval", "200ms"));
  private final FakeKubernetes k8s = new FakeKubernetes().installOperatorCrds().installServiceCatalog();
  private final FakeBroker broker = FakeBroker.start();
  private final HttpClient http = HttpClient.newHttpClient();
  private Process process;

  @AfterEach
  void stop() throws InterruptedException {
    if (process != null) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
    k8s.close();
    broker.close();
    sm.close();
  }

  @Test
  void theJarRegistersBrokersReconcilesInstancesAndServesHealthAndMetrics() throws Exception {
    ServiceManagerFixture.PlatformCredentials platform = sm.registerKubernetes("k8s-jar");
    String id = sm.registerBroker("jarred", broker);
    sm.publicVisibility(sm.planId(id, FakeCatalog.SMALL_PLAN_ID));
    int port = freePort();
    Path kubeconfig = Path.of("target", "k8s-proxy-jar-it.kubeconfig");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters: [{name: fake, cluster: {server: "%s"}}]
        users: [{name: agent, user: {token: not-checked-by-the-fake}}]
        contexts: [{name: fake, context: {cluster: fake, user: agent}}]
        current-context: fake
        """.formatted(k8s.url()));
    Path log = Path.of("target", "k8s-proxy-jar-it.log");
    ProcessBuilder builder = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", Path.of("target", "broker-proxy-k8s.jar").toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    env.put("SM_URL", sm.url);
    env.put("SM_USERNAME", platform.username());
    env.put("SM_PASSWORD", platform.password());
    env.put("SM_CLIENT_ID", ServiceManagerFixture.ADMIN_CLIENT);
    env.put("SM_CLIENT_SECRET", ServiceManagerFixture.ADMIN_SECRET);
    env.put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
    env.put("PROXY_RESYNC_INTERVAL", "1s");
    env.put("K8S_SECRET_NAMESPACE", "sm-system");
    env.put("K8S_OPERATOR_POLL_INTERVAL", "200ms");
    env.put("MICRONAUT_SERVER_PORT", Integer.toString(port));
    env.put("MICRONAUT_SERVER_HOST", "127.0.0.1");
    assertThat(new File("target/broker-proxy-k8s.jar")).exists();
    process = builder.start();

    try {
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(k8s.list(FakeKubernetes.CLUSTER_BROKERS))
          .extracting(b -> b.getMetadata().getName()).containsExactly("sm-jarred-" + id));
      assertThat(k8s.secretData("sm-system", id)).containsOnlyKeys("username", "password");

      k8s.create(FakeKubernetes.INSTANCES, "default", Map.of("serviceOfferingName", FakeCatalog.DEFAULT_SERVICE_NAME,
          "servicePlanName", "small"), "from-the-jar");
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        GenericKubernetesResource instance = k8s.get(FakeKubernetes.INSTANCES, "default", "from-the-jar");
        assertThat(String.valueOf(instance.getAdditionalProperties().get("status"))).contains("ready=true");
      });
      assertThat(k8s.list(FakeKubernetes.PLANS)).as("the marketplace").hasSize(1);

      await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
        HttpResponse<String> health = get("http://127.0.0.1:" + port + "/health");
        assertThat(health.statusCode()).isEqualTo(200);
        Map<String, Object> body = Json.parse(health.body());
        assertThat(Json.path(body, "details", "brokerProxy", "status")).isEqualTo("UP");
        assertThat(Json.path(body, "details", "k8sOperator", "status")).isEqualTo("UP");
      });
      HttpResponse<String> metrics = get("http://127.0.0.1:" + port + "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).contains("broker_proxy_brokers_created_total 1\n")
          .contains("broker_proxy_k8s_ready_instances 1\n")
          .containsPattern("broker_proxy_resyncs_total [1-9]")
          .containsPattern("broker_proxy_k8s_reconciles_total [1-9]");
      assertThat(Files.readString(log)).as("no secret in the log")
          .doesNotContain(platform.password()).doesNotContain(ServiceManagerFixture.ADMIN_SECRET);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\n--- agent log ---\n" + Files.readString(log), e);
    }
  }

  private HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }
}

package dev.servicemanager.proxy.cf;

import dev.servicemanager.proxy.testkit.ServiceManagerFixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.servicemanager.proxy.core.Json;
import dev.servicemanager.testkit.FakeBroker;
import dev.servicemanager.testkit.FakeCatalog;
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

/** The packaged agent ({@code java -jar target/broker-proxy-cf.jar}) configured only by environment variables. */
class CfProxyJarIT {
  private final ServiceManagerFixture sm = new ServiceManagerFixture();
  private final FakeCloudController cc = new FakeCloudController();
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
    cc.close();
    broker.close();
    sm.close();
  }

  @Test
  void theJarSyncsBrokersAndServesHealthAndMetrics() throws Exception {
    ServiceManagerFixture.PlatformCredentials platform = sm.registerCloudFoundry("cf-jar");
    String id = sm.registerBroker("jarred", broker);
    sm.publicVisibility(sm.planId(id, FakeCatalog.SMALL_PLAN_ID));
    int port = freePort();
    Path log = Path.of("target", "cf-proxy-jar-it.log");
    ProcessBuilder builder = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", Path.of("target", "broker-proxy-cf.jar").toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    Map<String, String> env = builder.environment();
    env.put("SM_URL", sm.url);
    env.put("SM_USERNAME", platform.username());
    env.put("SM_PASSWORD", platform.password());
    env.put("CF_API_URL", cc.url());
    env.put("CF_CLIENT_ID", FakeCloudController.CLIENT_ID);
    env.put("CF_CLIENT_SECRET", FakeCloudController.CLIENT_SECRET);
    env.put("CF_JOB_POLL_INTERVAL", "50ms");
    env.put("PROXY_RESYNC_INTERVAL", "1s");
    env.put("MICRONAUT_SERVER_PORT", Integer.toString(port));
    env.put("MICRONAUT_SERVER_HOST", "127.0.0.1");
    assertThat(new File("target/broker-proxy-cf.jar")).exists();
    process = builder.start();

    try {
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
          assertThat(cc.brokers()).extracting(FakeCloudController.BrokerView::name).containsExactly("sm-jarred-" + id));
      // The resync starts with the context; the HTTP port may open a little later, and the first
      // resync is done only after the broker's plan access is set.
      await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
        HttpResponse<String> health = get("http://127.0.0.1:" + port + "/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(Json.path(Json.parse(health.body()), "details", "brokerProxy", "status")).isEqualTo("UP");
      });
      HttpResponse<String> metrics = get("http://127.0.0.1:" + port + "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).contains("broker_proxy_brokers_created_total 1\n")
          .contains("broker_proxy_plan_access_changes_total 1\n")
          .containsPattern("broker_proxy_resyncs_total [1-9]");
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

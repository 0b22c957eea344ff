package dev.servicemanager.controlplane;

import dev.servicemanager.server.testsupport.KafkaTestBroker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.servicemanager.testkit.HeadlessChromium;
import dev.servicemanager.testkit.TestDatabases;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The page in a real headless Chromium: it lists the runtime after a token is pasted, and a click on
 * Pause changes the observed state shown (via the RPC endpoint, Kafka, the sample consumer service,
 * its feedback and the server-sent events). Skipped, with the reason, where no Chromium is installed.
 */
@Timeout(240)
class FrontendBrowserIT {
  private static final String ORDERS_ROW = "tr[data-target=\"consumer-group:orders\"]";
  private final int port = KafkaTestBroker.freePort();
  private KafkaTestBroker kafka;
  private ControlPlaneServer server;
  private SampleService sample;
  private HeadlessChromium browser;

  @AfterEach
  void stopAll() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {browser, sample, server, kafka}) {
      if (c != null) {
        c.close();
      }
    }
  }

  private String cell(String field) throws Exception {
    Object text = browser.evaluate("(() => { const c = document.querySelector('" + ORDERS_ROW
        + " td[data-field=" + field + "]'); return c ? c.textContent : null; })()");
    return (String) text;
  }

  @Test
  void thePageListsTheRuntimeAndPauseChangesTheObservedState() throws Exception {
    Optional<Path> chromium = HeadlessChromium.find();
    Assumptions.assumeTrue(chromium.isPresent(),
        "No Chromium on the PATH (chromium, chromium-browser, google-chrome): the browser test cannot run here."
            + " Install Debian's chromium package to run it.");
    kafka = KafkaTestBroker.start(port);
    Map<String, Object> props = new HashMap<>();
    props.put("control-plane.kafka.bootstrap-servers", kafka.bootstrapServers());
    props.put("control-plane.publish.poll-interval", "200ms");
    props.put("control-plane.reconcile.initial-backoff", "200ms");
    props.put("control-plane.reconcile.max-backoff", "2s");
    props.put("control-plane.runtimes.shop.topic", "cp.default.shop");
    props.put("control-plane.runtimes.shop.running", List.of("consumer-group:orders", "consumer-group:payments"));
    server = new ControlPlaneServer(TestDatabases.newDatabase(), props);
    sample = new SampleService(kafka.bootstrapServers(), "shop", "cp.default.shop");
    browser = new HeadlessChromium(chromium.get());

    browser.navigate(server.url + "/control-plane/");
    await().atMost(Duration.ofSeconds(20)).until(() -> browser.evaluate("document.readyState").equals("complete"));
    // Paste the token the way a person would, and submit.
    browser.evaluate("document.getElementById('token').value = " + quote(server.adminToken())
        + "; document.getElementById('login').requestSubmit(); true");
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> assertThat(cell("desired")).isEqualTo("running"));
    assertThat((String) browser.evaluate("document.querySelector('#runtimes tbody').textContent")).contains("shop");
    // The sample service reports: the page shows it live.
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
        .untilAsserted(() -> assertThat(cell("observed")).isEqualTo("running"));

    browser.evaluate("document.querySelector('" + ORDERS_ROW + " button').click(); true");
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> assertThat(cell("desired")).isEqualTo("paused"));
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).untilAsserted(() -> {
      assertThat(cell("observed")).isEqualTo("paused");
      assertThat(cell("reconciled")).isEqualTo("yes");
    });
    // And the server agrees: the click went through the RPC endpoint.
    assertThat(server.call("getState", Map.of("runtime", "shop")).toString()).contains("paused");
  }

  private static String quote(String s) {
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}

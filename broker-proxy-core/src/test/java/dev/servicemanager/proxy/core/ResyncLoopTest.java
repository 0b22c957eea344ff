package dev.servicemanager.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The loop over an SM that serves empty lists (or fails) and an in-memory platform. */
class ResyncLoopTest {
  private final AtomicInteger brokerReads = new AtomicInteger();
  private final AtomicBoolean failing = new AtomicBoolean();
  private final HttpServer sm;
  private final ProxyMetrics metrics = new ProxyMetrics();
  private ResyncLoop loop;
  private Reconciler reconciler;

  ResyncLoopTest() throws IOException {
    sm = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 10);
    sm.createContext("/", exchange -> {
      if (exchange.getRequestURI().getPath().equals("/v1/service_brokers")) {
        brokerReads.incrementAndGet();
      }
      byte[] body = "{\"num_items\":0,\"items\":[]}".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(failing.get() ? 500 : 200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    sm.start();
  }

  @AfterEach
  void stop() {
    loop.close();
    reconciler.close();
    sm.stop(0);
  }

  private void start(Duration interval) {
    ProxySettings settings = ProxySettings.defaults("http://127.0.0.1:" + sm.getAddress().getPort(), "u", "p")
        .withResyncInterval(interval);
    reconciler = new Reconciler(settings, new InMemoryPlatform(settings.osbPrefix()));
    loop = new ResyncLoop(new SmClient(settings), reconciler, metrics, interval);
    loop.start();
  }

  private static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
    Instant deadline = Instant.now().plusSeconds(5);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(10);
    }
  }

  @Test
  void resyncsAtStartAndOnEveryInterval() throws Exception {
    start(Duration.ofMillis(100));
    eventually("three resyncs", () -> metrics.resyncs() >= 3);
    assertThat(metrics.lastSuccessMillis()).isPositive();
    assertThat(loop.lastFailed()).isFalse();
  }

  @Test
  void aRequestedResyncRunsWithoutWaitingForTheInterval() throws Exception {
    start(Duration.ofHours(1));
    eventually("the first resync", () -> metrics.resyncs() == 1);
    loop.requestResync(42);
    eventually("the requested resync", () -> metrics.resyncs() == 2);
    assertThat(metrics.revisionLag()).isZero();
  }

  @Test
  void anUnreadableServiceManagerFailsTheResyncAndTheNextOneRecovers() throws Exception {
    failing.set(true);
    start(Duration.ofMillis(100));
    eventually("a failed resync", () -> metrics.failedResyncs() >= 1 && loop.lastFailed());
    failing.set(false);
    eventually("a good resync", () -> !loop.lastFailed() && metrics.lastSuccessMillis() > 0);
  }
}

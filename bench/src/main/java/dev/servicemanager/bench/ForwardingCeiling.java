package dev.servicemanager.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A forwarder that does nothing but forward: it takes any request, swaps the credentials for the
 * broker's and sends it on with the same HTTP client SM uses (JDK HttpClient, HTTP/1.1), on the
 * same HTTP server the fake broker uses. No authentication, no checks, no database. Its throughput
 * is the ceiling any forwarding proxy reaches on this machine in this harness, because every
 * forwarded request costs a second HTTP exchange (client and server side) on the same two CPUs.
 */
final class ForwardingCeiling implements AutoCloseable {
  private static final int THREADS = 16;
  private final HttpServer server;
  private final ExecutorService executor;
  private final HttpClient client;
  private final String target;
  private final String authorization;

  ForwardingCeiling(String targetUrl, String username, String password) throws IOException {
    this.target = targetUrl;
    this.authorization =
        "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    this.client =
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    this.executor = Executors.newFixedThreadPool(THREADS, r -> {
      Thread t = new Thread(r, "forwarding-ceiling");
      t.setDaemon(true);
      return t;
    });
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 64);
    server.setExecutor(executor);
    server.createContext("/", this::forward);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void forward(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI().getRawPath()))
              .timeout(Duration.ofSeconds(30))
              .header("Authorization", authorization)
              .method(
                  exchange.getRequestMethod(),
                  body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
      String version = exchange.getRequestHeaders().getFirst("X-Broker-API-Version");
      if (version != null) {
        request.header("X-Broker-API-Version", version);
      }
      if (body.length > 0) {
        request.header("Content-Type", "application/json");
      }
      HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(response.statusCode(), response.body().length == 0 ? -1 : response.body().length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(response.body());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}

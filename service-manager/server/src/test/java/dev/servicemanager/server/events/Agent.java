package dev.servicemanager.server.events;

import io.micronaut.core.type.Argument;
import io.micronaut.serde.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A test agent on the JDK websocket client: collects notifications, pings on demand. */
final class Agent implements WebSocket.Listener, AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** A refused handshake: the HTTP status the server answered instead of 101. */
  static final class Refused extends RuntimeException {
    final int status;

    Refused(int status) {
      super("handshake refused with " + status);
      this.status = status;
    }
  }

  final BlockingQueue<Map<String, Object>> received = new LinkedBlockingQueue<>();
  final CompletableFuture<Integer> closed = new CompletableFuture<>();
  volatile String closeReason;
  private final StringBuilder partial = new StringBuilder();
  private WebSocket socket;

  static Agent connect(String baseUrl, String authorization, String revision, Map<String, String> headers) {
    Agent agent = new Agent();
    String ws = baseUrl.replaceFirst("^http", "ws") + "/v1/notifications"
        + (revision == null ? "" : "?last_notification_revision=" + revision);
    WebSocket.Builder builder = HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
    if (authorization != null) {
      builder.header("Authorization", authorization);
    }
    headers.forEach(builder::header);
    try {
      agent.socket = builder.buildAsync(URI.create(ws), agent).get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException | CompletionException e) {
      if (e.getCause() instanceof WebSocketHandshakeException refused) {
        throw new Refused(refused.getResponse().statusCode());
      }
      throw new IllegalStateException(e);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return agent;
  }

  static Agent connect(String baseUrl, String authorization, String revision) {
    return connect(baseUrl, authorization, revision, Map.of());
  }

  /** The handshake over a raw socket, to see the 101 response headers the JDK client hides. */
  static Map<String, String> rawHandshake(String baseUrl, String authorization, String query) {
    URI uri = URI.create(baseUrl);
    try (Socket s = new Socket(uri.getHost(), uri.getPort())) {
      s.setSoTimeout(10_000);
      String key = Base64.getEncoder().encodeToString("0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
      String request = "GET /v1/notifications" + (query == null ? "" : "?" + query) + " HTTP/1.1\r\n"
          + "Host: " + uri.getHost() + ":" + uri.getPort() + "\r\n"
          + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n"
          + "Authorization: " + authorization + "\r\n\r\n";
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put(":status", in.readLine().split(" ")[1]);
      for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
        int colon = line.indexOf(':');
        headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
      }
      return headers;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    webSocket.request(1);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      try {
        received.add(ObjectMapper.getDefault().readValue(partial.toString(), Argument.mapOf(String.class, Object.class)));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      partial.setLength(0);
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closeReason = reason;
    closed.complete(statusCode);
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closed.complete(-1);
  }

  /** The next notification, failing after the timeout. */
  Map<String, Object> next(Duration timeout) {
    try {
      Map<String, Object> n = received.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (n == null) {
        throw new AssertionError("no notification within " + timeout);
      }
      return n;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Exactly {@code count} notifications, then nothing more for a short while. */
  List<Map<String, Object>> take(int count, Duration timeout) {
    List<Map<String, Object>> all = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      all.add(next(timeout));
    }
    return all;
  }

  void ping() {
    socket.sendPing(ByteBuffer.wrap(new byte[] {1})).join();
  }

  int awaitClose(Duration timeout) {
    try {
      return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("connection not closed within " + timeout, e);
    }
  }

  boolean isClosed() {
    return closed.isDone();
  }

  @Override
  public void close() {
    if (socket != null && !socket.isOutputClosed()) {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }
    if (socket != null) {
      socket.abort();
    }
  }
}

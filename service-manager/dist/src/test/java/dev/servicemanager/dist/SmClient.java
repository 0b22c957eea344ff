package dev.servicemanager.dist;

import io.micronaut.core.type.Argument;
import io.micronaut.serde.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** Plain HTTP against a running Service Manager, as an operator's script would talk to it. */
final class SmClient {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final Argument<Map<String, Object>> MAP = Argument.mapOf(String.class, Object.class);
  private final String url;
  private final String authorization;

  record Answer(int status, String body) {
    Map<String, Object> json() {
      try {
        return ObjectMapper.getDefault().readValue(body, MAP);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + body, e);
      }
    }

    String string(String field) {
      return (String) json().get(field);
    }
  }

  private SmClient(String url, String authorization) {
    this.url = url;
    this.authorization = authorization;
  }

  /** Logged in as the built-in admin client. */
  static SmClient admin(String url) {
    Answer token =
        send(
            HttpRequest.newBuilder(URI.create(url + "/oauth/token"))
                .header("Authorization", basic("admin", SmProcess.ADMIN_SECRET))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials"))
                .timeout(Duration.ofSeconds(30))
                .build());
    if (token.status() != 200) {
      throw new AssertionError("token: " + token);
    }
    return new SmClient(url, "Bearer " + token.string("access_token"));
  }

  static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  static Answer health(String url, Duration timeout) {
    return send(HttpRequest.newBuilder(URI.create(url + "/v1/monitor/health")).timeout(timeout).GET().build());
  }

  Answer get(String path) {
    return send(request(path).GET().build());
  }

  Answer post(String path, Map<String, ?> body) {
    return send(request(path).header("Content-Type", "application/json").POST(json(body)).build());
  }

  CompletableFuture<Answer> postAsync(String path, Map<String, ?> body) {
    return HTTP.sendAsync(request(path).header("Content-Type", "application/json").POST(json(body)).build(), HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> new Answer(r.statusCode(), r.body()));
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(url + path)).header("Authorization", authorization).timeout(Duration.ofSeconds(60));
  }

  private static HttpRequest.BodyPublisher json(Map<String, ?> body) {
    try {
      return HttpRequest.BodyPublishers.ofString(ObjectMapper.getDefault().writeValueAsString(body));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Answer send(HttpRequest request) {
    try {
      HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(request.method() + " " + request.uri() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

package dev.servicemanager.bench;

import io.micronaut.core.type.Argument;
import io.micronaut.serde.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One HTTP/1.1 keep-alive client against the Service Manager (or, via {@link #sibling}, another
 * server on the same connection pool). Every call is timed around {@code send} including reading
 * the whole body, which is what a client sees.
 */
final class Http {
  private static final Argument<Map<String, Object>> MAP = Argument.mapOf(String.class, Object.class);
  private static final ObjectMapper MAPPER = ObjectMapper.getDefault();
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(120);

  private final HttpClient client;
  private final String baseUrl;
  private final Map<String, String> headers = new LinkedHashMap<>();
  private String authorization;

  /** A response and how long it took, in nanoseconds. */
  record Result(String method, String path, String requestBody, int status, String body, long nanos) {
    double millis() {
      return nanos / 1_000_000.0;
    }

    Map<String, Object> json() {
      return parse(body);
    }

    /** Throws with the full exchange unless the status is the expected one. */
    Result expect(int expected) {
      if (status != expected) {
        throw new BenchException(
            "expected HTTP " + expected + " but got " + status + "\n  request:  " + method + " " + path
                + (requestBody == null ? "" : "\n  body:     " + abbreviate(requestBody))
                + "\n  response: " + abbreviate(body));
      }
      return this;
    }
  }

  Http(String baseUrl) {
    this(
        baseUrl,
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build());
  }

  /** The Authorization header this client sends, or null. */
  String authorization() {
    return authorization;
  }

  private Http(String baseUrl, HttpClient client) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.client = client;
  }

  /**
   * A client for another base URL that shares this one's {@link HttpClient} (its threads and
   * keep-alive connection pool), without its credentials and headers.
   */
  Http sibling(String otherBaseUrl) {
    return new Http(otherBaseUrl, client);
  }

  /** Like {@link #sibling}, but with this one's credentials and headers (the same token on another replica). */
  Http siblingWithCredentials(String otherBaseUrl) {
    Http other = new Http(otherBaseUrl, client);
    other.authorization = authorization;
    other.headers.putAll(headers);
    return other;
  }

  /** Sends HTTP basic credentials on every later call. */
  Http basic(String username, String password) {
    authorization =
        "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    return this;
  }

  /** Sends this header on every later call. */
  Http header(String name, String value) {
    headers.put(name, value);
    return this;
  }

  /** Gets a token with the client-credentials grant and uses it for every later call. */
  void loginAsAdmin(String clientId, String secret) {
    basic(clientId, secret);
    Result token =
        send("POST", "/oauth/token", "application/x-www-form-urlencoded", "grant_type=client_credentials")
            .expect(200);
    authorization = "Bearer " + token.json().get("access_token");
  }

  Result get(String path) {
    return send("GET", path, null, null);
  }

  Result post(String path, Object json) {
    return send("POST", path, "application/json", write(json));
  }

  Result put(String path, Object json) {
    return send("PUT", path, "application/json", write(json));
  }

  Result patch(String path, Object json) {
    return send("PATCH", path, "application/json", write(json));
  }

  Result delete(String path) {
    return send("DELETE", path, null, null);
  }

  Result send(String method, String path, String contentType, String body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(baseUrl + path))
            .timeout(REQUEST_TIMEOUT)
            .header("Accept", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    headers.forEach(request::header);
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    HttpRequest built = request.build();
    long start = System.nanoTime();
    HttpResponse<String> response;
    try {
      response = client.send(built, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted during " + method + " " + path);
    }
    long nanos = System.nanoTime() - start;
    return new Result(method, path, body, response.statusCode(), response.body(), nanos);
  }

  /** A query parameter value, percent-encoded (spaces as %20, not +). */
  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Map<String, Object> parse(String json) {
    try {
      return MAPPER.readValue(json, MAP);
    } catch (IOException e) {
      throw new BenchException("response is not a JSON object: " + abbreviate(json));
    }
  }

  static String abbreviate(String s) {
    if (s == null) {
      return "<none>";
    }
    return s.length() <= 2000 ? s : s.substring(0, 2000) + "... (" + s.length() + " chars)";
  }
}

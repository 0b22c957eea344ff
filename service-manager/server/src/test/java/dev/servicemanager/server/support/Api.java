package dev.servicemanager.server.support;

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
import java.util.List;
import java.util.Map;

/** A small HTTP client for tests: real requests to the real server, raw or JSON bodies. */
public final class Api {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String baseUrl;
  private final String authorization;

  public Api(String baseUrl, String authorization) {
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.authorization = authorization;
  }

  public static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  public Api withAuthorization(String authorization) {
    return new Api(baseUrl, authorization);
  }

  public String baseUrl() {
    return baseUrl;
  }

  public String authorization() {
    return authorization;
  }

  public static String q(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** The status of a GET, or -1 when nothing answers (a server that is still starting). */
  public int getQuietly(String path) {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(2)).GET().build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  public Result get(String path) {
    return send("GET", path, null, null);
  }

  public Result delete(String path) {
    return send("DELETE", path, null, null);
  }

  public Result post(String path, Object body) {
    return send("POST", path, "application/json", toJson(body));
  }

  public Result patch(String path, Object body) {
    return send("PATCH", path, "application/json", toJson(body));
  }

  public Result send(String method, String path, String contentType, String body) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(baseUrl + path))
            .timeout(Duration.ofSeconds(60))
            .method(
                method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      builder.header("Content-Type", contentType);
    }
    if (authorization != null) {
      builder.header("Authorization", authorization);
    }
    try {
      HttpResponse<String> response = HTTP.send(builder.build(), HttpResponse.BodyHandlers.ofString());
      return new Result(response.statusCode(), response.headers().map(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public static String toJson(Object body) {
    if (body == null || body instanceof String) {
      return (String) body;
    }
    try {
      return ObjectMapper.getDefault().writeValueAsString(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A response: status, headers and body, with JSON helpers. */
  public record Result(int status, Map<String, List<String>> headers, String body) {
    public Map<String, Object> json() {
      try {
        return ObjectMapper.getDefault().readValue(body, Argument.mapOf(String.class, Object.class));
      } catch (IOException e) {
        throw new AssertionError("not a JSON object (status " + status + "): " + body, e);
      }
    }

    public String string(String field) {
      Object value = json().get(field);
      return value == null ? null : value.toString();
    }

    @SuppressWarnings("unchecked")
    public List<Map<String, Object>> items() {
      return (List<Map<String, Object>>) json().get("items");
    }

    public List<String> ids() {
      return items().stream().map(i -> (String) i.get("id")).toList();
    }

    public String header(String name) {
      return headers.entrySet().stream()
          .filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0))
          .findFirst()
          .orElse(null);
    }

    public String error() {
      return string("error");
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }
}

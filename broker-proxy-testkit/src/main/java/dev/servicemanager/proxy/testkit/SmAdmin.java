package dev.servicemanager.proxy.testkit;

import dev.servicemanager.proxy.core.Json;
import java.io.IOException;
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

/** The Service Manager's admin REST API, as an operator would drive it in these tests. */
public final class SmAdmin {
  private final String baseUrl;
  private final String authorization;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public record Result(int status, Map<String, Object> json, String body) {
    public String string(String key) {
      return Json.string(json, key);
    }
  }

  private SmAdmin(String baseUrl, String authorization) {
    this.baseUrl = baseUrl;
    this.authorization = authorization;
  }

  public static SmAdmin login(String baseUrl, String adminSecret) {
    SmAdmin basic = new SmAdmin(baseUrl, "Basic " + Base64.getEncoder().encodeToString(("admin:" + adminSecret).getBytes(StandardCharsets.UTF_8)));
    Result token = basic.send("POST", "/oauth/token", "application/x-www-form-urlencoded", "grant_type=client_credentials");
    if (token.status() != 200) {
      throw new IllegalStateException("no admin token: " + token);
    }
    return new SmAdmin(baseUrl, "Bearer " + token.string("access_token"));
  }

  public Result get(String path) {
    return send("GET", path, null, null);
  }

  public Result post(String path, Object body) {
    return send("POST", path, "application/json", Json.write(body));
  }

  public Result patch(String path, Object body) {
    return send("PATCH", path, "application/json", Json.write(body));
  }

  public Result delete(String path) {
    return send("DELETE", path, null, null);
  }

  /** POST that must answer {@code expected}; returns the body. */
  public Result expect(int expected, Result result) {
    if (result.status() != expected) {
      throw new AssertionError("expected " + expected + " but got " + result);
    }
    return result;
  }

  public List<Map<String, Object>> items(String path) {
    return Json.objects(expect(200, get(path)).json(), "items");
  }

  public static String q(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private Result send(String method, String path, String contentType, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", authorization);
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    try {
      HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      Map<String, Object> json;
      try {
        json = Json.parse(response.body());
      } catch (IllegalArgumentException e) {
        json = Map.of();
      }
      return new Result(response.statusCode(), json, response.body());
    } catch (IOException e) {
      throw new IllegalStateException(method + " " + path + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}

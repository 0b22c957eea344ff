package dev.servicemanager.controlplane;

import dev.servicemanager.controlplane.state.Json;
import dev.servicemanager.server.ServiceManagerLauncher;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/** The real Service Manager with the plugin on its classpath, on a given database, and a small HTTP client. */
final class ControlPlaneServer implements AutoCloseable {
  static final String ADMIN_SECRET = "cp-it-admin-secret";
  static final String ENCRYPTION_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  final ServiceManagerLauncher.Running running;
  final String url;
  private String token;

  ControlPlaneServer(String jdbcUrl, Map<String, Object> extra) {
    Map<String, Object> props = new HashMap<>();
    props.put("datasources.default.url", jdbcUrl);
    props.put("datasources.default.username", "postgres");
    props.put("datasources.default.password", "");
    props.put("micronaut.server.port", -1);
    props.put("micronaut.server.host", "127.0.0.1");
    props.put("sm.encryption-key", ENCRYPTION_KEY);
    props.put("sm.admin.client-secret", ADMIN_SECRET);
    props.putAll(extra);
    running = ServiceManagerLauncher.start(props);
    String u = running.context().getBean(EmbeddedServer.class).getURL().toString();
    url = u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
  }

  /** The built-in issuer's admin token (scope sm.admin, which covers control-plane.read and .write). */
  synchronized String adminToken() {
    if (token == null) {
      String basic = Base64.getEncoder().encodeToString(("admin:" + ADMIN_SECRET).getBytes(StandardCharsets.UTF_8));
      Result r = send(HttpRequest.newBuilder(URI.create(url + "/oauth/token"))
          .header("Authorization", "Basic " + basic)
          .header("Content-Type", "application/x-www-form-urlencoded")
          .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")));
      if (r.status() != 200) {
        throw new AssertionError("token: " + r);
      }
      token = (String) r.object().get("access_token");
    }
    return token;
  }

  record Result(int status, String body, String contentType) {
    Map<String, Object> object() {
      try {
        return Json.readObject(body);
      } catch (java.io.IOException e) {
        throw new AssertionError("not a JSON object: " + body, e);
      }
    }

    Object json() {
      try {
        return Json.read(body);
      } catch (java.io.IOException e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }
  }

  /** POST /control-plane/rpc with the admin token. */
  Result rpc(String body) {
    return rpc(body, "Bearer " + adminToken());
  }

  Result rpc(String body, String authorization) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + "/control-plane/rpc"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return send(b);
  }

  /** A call that must succeed; returns its result. */
  @SuppressWarnings("unchecked")
  Map<String, Object> call(String method, Map<String, Object> params) {
    Result r = rpc(Json.write(Map.of("jsonrpc", "2.0", "id", 1, "method", method, "params", params)));
    Map<String, Object> response = r.object();
    if (r.status() != 200 || response.containsKey("error")) {
      throw new AssertionError(method + " failed: " + r);
    }
    return (Map<String, Object>) response.get("result");
  }

  Result get(String path, String authorization) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).GET();
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return send(b);
  }

  static Result send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> r = HTTP.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
      return new Result(r.statusCode(), r.body(), r.headers().firstValue("Content-Type").orElse(""));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    running.close();
  }
}

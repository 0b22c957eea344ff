package dev.servicemanager.proxy.k8s;

import dev.servicemanager.proxy.core.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The Service Manager's REST API for the operator. Instances and bindings ({@code /v1/service_instances},
 * {@code /v1/service_bindings}) are refused to platform credentials by SM's access rule, so these calls carry
 * an administrator's bearer token from SM's {@code /oauth/token} (client-credentials grant, RFC 6749 4.4),
 * renewed shortly before it expires. The marketplace is read with the platform's basic credentials
 * instead, because SM narrows those lists to what this platform may see.
 */
final class SmApi {
  private final String smUrl;
  private final String platformAuthorization;
  private final String tokenUrl;
  private final String clientAuthorization;
  private final Duration timeout;
  private final HttpClient http;
  private String token;
  private Instant tokenExpires = Instant.EPOCH;

  /** An answer: status, parsed JSON body (empty when none) and the {@code Location} header. */
  record Reply(int status, Map<String, Object> json, String location) {
    boolean ok() {
      return status / 100 == 2;
    }

    /** SM's {@code {"error", "description"}} as one line. */
    String problem() {
      String description = Json.string(json, "description");
      String error = Json.string(json, "error");
      return status + (error == null ? "" : " " + error) + (description == null ? "" : ": " + description);
    }
  }

  /** SM could not be reached, or refused the credentials. */
  static final class SmUnavailable extends RuntimeException {
    SmUnavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  SmApi(String smUrl, String platformUser, String platformPassword, String tokenUrl, String clientId,
      String clientSecret, Duration timeout) {
    this.smUrl = smUrl.endsWith("/") ? smUrl.substring(0, smUrl.length() - 1) : smUrl;
    this.platformAuthorization = basic(platformUser, platformPassword);
    this.tokenUrl = tokenUrl == null || tokenUrl.isBlank() ? this.smUrl + "/oauth/token" : tokenUrl;
    this.clientAuthorization = basic(clientId, clientSecret);
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  Reply get(String path) {
    return send("GET", path, null, adminAuthorization());
  }

  Reply post(String path, Object body) {
    return send("POST", path, body, adminAuthorization());
  }

  Reply patch(String path, Object body) {
    return send("PATCH", path, body, adminAuthorization());
  }

  Reply delete(String path) {
    return send("DELETE", path, null, adminAuthorization());
  }

  /** Every item of a paged list, read with the platform's credentials (visibility-filtered). */
  List<Map<String, Object>> listAsPlatform(String path) {
    List<Map<String, Object>> items = new ArrayList<>();
    String token = null;
    do {
      String sep = path.contains("?") ? "&" : "?";
      Reply reply = send("GET", path + sep + "max_items=100" + (token == null ? "" : "&token=" + encode(token)), null,
          platformAuthorization);
      if (!reply.ok()) {
        throw new SmUnavailable("GET " + path + " answered " + reply.problem(), null);
      }
      items.addAll(Json.objects(reply.json(), "items"));
      token = Json.string(reply.json(), "token");
    } while (token != null && !token.isEmpty());
    return items;
  }

  /** Every item of a paged list with the admin token. */
  List<Map<String, Object>> list(String path) {
    List<Map<String, Object>> items = new ArrayList<>();
    String token = null;
    do {
      String sep = path.contains("?") ? "&" : "?";
      Reply reply = get(path + sep + "max_items=100" + (token == null ? "" : "&token=" + encode(token)));
      if (!reply.ok()) {
        throw new SmUnavailable("GET " + path + " answered " + reply.problem(), null);
      }
      items.addAll(Json.objects(reply.json(), "items"));
      token = Json.string(reply.json(), "token");
    } while (token != null && !token.isEmpty());
    return items;
  }

  private synchronized String adminAuthorization() {
    if (token == null || Instant.now().isAfter(tokenExpires)) {
      HttpRequest request = HttpRequest.newBuilder(URI.create(tokenUrl))
          .timeout(timeout)
          .header("Authorization", clientAuthorization)
          .header("Content-Type", "application/x-www-form-urlencoded")
          .header("Accept", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials"))
          .build();
      HttpResponse<String> response = exchange(request, "POST " + tokenUrl);
      if (response.statusCode() != 200) {
        // The body is an OAuth error ({error, error_description}), never a token.
        throw new SmUnavailable("the token endpoint " + tokenUrl + " answered " + response.statusCode() + ": "
            + Json.abbreviate(response.body()), null);
      }
      Map<String, Object> json = Json.parse(response.body());
      token = Json.string(json, "access_token");
      long ttl = json.get("expires_in") instanceof Number n ? n.longValue() : 300;
      tokenExpires = Instant.now().plusSeconds(Math.max(ttl - 30, ttl / 2));
    }
    return "Bearer " + token;
  }

  private synchronized void forgetToken() {
    token = null;
  }

  private Reply send(String method, String path, Object body, String authorization) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(path.startsWith("http") ? path : smUrl + path))
        .timeout(timeout)
        .header("Authorization", authorization)
        .header("Accept", "application/json");
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8));
    HttpResponse<String> response = exchange(request.build(), method + " " + path);
    if (response.statusCode() == 401 && authorization.startsWith("Bearer")) {
      forgetToken(); // expired or SM's signing key changed: the next call fetches a new token
    }
    Map<String, Object> json;
    try {
      json = Json.parse(response.body());
    } catch (IllegalArgumentException e) {
      json = Map.of("description", Json.abbreviate(response.body()));
    }
    return new Reply(response.statusCode(), json, response.headers().firstValue("Location").orElse(null));
  }

  private HttpResponse<String> exchange(HttpRequest request, String what) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new SmUnavailable(what + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SmUnavailable("interrupted during " + what, e);
    }
  }

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString(
        ((user == null ? "" : user) + ":" + (password == null ? "" : password)).getBytes(StandardCharsets.UTF_8));
  }
}

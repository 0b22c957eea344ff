package dev.servicemanager.proxy.cf;

import dev.servicemanager.proxy.core.Json;
import dev.servicemanager.proxy.core.PlatformException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The Cloud Controller v3 calls of reference 4.3, over the JDK HTTP client. Any status of 400 or more
 * becomes a {@link PlatformException} carrying the CC's {@code errors[].detail}. Asynchronous calls
 * (broker create, update, delete) answer 202 with an absolute {@code Location} of a job, polled until
 * {@code COMPLETE} or {@code FAILED}.
 */
final class CloudController {
  private final CfSettings settings;
  private final HttpClient http;
  private volatile String tokenUrl;
  private volatile String token;
  private volatile Instant tokenExpiry = Instant.EPOCH;

  CloudController(CfSettings settings) {
    this.settings = settings;
    this.http = HttpClient.newBuilder().connectTimeout(settings.requestTimeout()).build();
  }

  // ------------------------------------------------------------------ service brokers

  List<Map<String, Object>> brokers() {
    return list(settings.apiUrl() + "/v3/service_brokers?per_page=" + settings.pageSize());
  }

  Map<String, Object> brokerNamed(String name) {
    List<Map<String, Object>> found =
        list(settings.apiUrl() + "/v3/service_brokers?names=" + encode(name) + "&per_page=" + settings.pageSize());
    if (found.isEmpty()) {
      throw new PlatformException(404, "broker " + name + " not found after its job completed");
    }
    return found.get(0);
  }

  Map<String, Object> broker(String guid) {
    return send("GET", "/v3/service_brokers/" + guid, null, 200).body();
  }

  void createBroker(String name, String url, String username, String password) {
    Map<String, Object> body = Map.of(
        "name", name, "url", url,
        "authentication", Map.of("type", "basic", "credentials", Map.of("username", username, "password", password)));
    awaitJob(send("POST", "/v3/service_brokers", body, 202));
  }

  void updateBroker(String guid, String name, String url, String username, String password) {
    Map<String, Object> body = new java.util.LinkedHashMap<>();
    body.put("name", name);
    body.put("url", url);
    if (username != null && !username.isEmpty() && password != null && !password.isEmpty()) {
      body.put("authentication", Map.of("type", "basic", "credentials", Map.of("username", username, "password", password)));
    }
    awaitJob(send("PATCH", "/v3/service_brokers/" + guid, body, 202));
  }

  void deleteBroker(String guid) {
    awaitJob(send("DELETE", "/v3/service_brokers/" + guid, null, 202));
  }

  // ------------------------------------------------------------------ offerings, plans, visibility

  List<Map<String, Object>> offerings(Collection<String> brokerGuids) {
    return list(settings.apiUrl() + "/v3/service_offerings?per_page=" + settings.pageSize()
        + "&service_broker_guids=" + encode(String.join(",", brokerGuids)));
  }

  List<Map<String, Object>> plans(Collection<String> offeringGuids) {
    return list(settings.apiUrl() + "/v3/service_plans?per_page=" + settings.pageSize()
        + "&service_offering_guids=" + encode(String.join(",", offeringGuids)));
  }

  Map<String, Object> visibility(String planGuid) {
    return send("GET", "/v3/service_plans/" + planGuid + "/visibility", null, 200).body();
  }

  void replaceVisibility(String planGuid, Map<String, Object> body) {
    send("PATCH", "/v3/service_plans/" + planGuid + "/visibility", body, 200);
  }

  void appendVisibility(String planGuid, Map<String, Object> body) {
    send("POST", "/v3/service_plans/" + planGuid + "/visibility", body, 200);
  }

  void removeOrganization(String planGuid, String orgGuid) {
    send("DELETE", "/v3/service_plans/" + planGuid + "/visibility/" + orgGuid, null, 204);
  }

  List<Map<String, Object>> organizations(Collection<String> guids) {
    return list(settings.apiUrl() + "/v3/organizations?per_page=50&guids=" + encode(String.join(",", guids)));
  }

  // ------------------------------------------------------------------ mechanics

  /** Follows {@code pagination.next.href}, an absolute URL, until it is null or empty. */
  private List<Map<String, Object>> list(String firstUrl) {
    List<Map<String, Object>> all = new ArrayList<>();
    String next = firstUrl;
    while (next != null && !next.isEmpty()) {
      Map<String, Object> page = sendTo("GET", URI.create(next), null, 200).body();
      all.addAll(Json.objects(page, "resources"));
      next = Json.path(page, "pagination", "next", "href");
    }
    return all;
  }

  private void awaitJob(Reply accepted) {
    String location = accepted.location();
    if (location == null || location.isBlank()) {
      throw new PlatformException(accepted.status(), "the Cloud Controller accepted the request without a job Location");
    }
    Instant deadline = Instant.now().plus(settings.jobPollTimeout());
    while (true) {
      Map<String, Object> job = sendTo("GET", URI.create(location), null, 200).body();
      String state = Json.string(job, "state");
      if ("COMPLETE".equals(state)) {
        return;
      }
      if ("FAILED".equals(state)) {
        throw new PlatformException(422, "job " + Json.string(job, "guid") + " failed: " + details(job));
      }
      if (Instant.now().isAfter(deadline)) {
        throw new PlatformException(-1, "job " + location + " still " + state + " after " + settings.jobPollTimeout());
      }
      sleep(settings.jobPollInterval().toMillis());
    }
  }

  private Reply send(String method, String path, Object body, int expected) {
    return sendTo(method, URI.create(settings.apiUrl() + path), body, expected);
  }

  private Reply sendTo(String method, URI uri, Object body, int expected) {
    Reply reply = exchange(method, uri, body, false);
    if (reply.status() == 401) {
      reply = exchange(method, uri, body, true);
    }
    if (reply.status() >= 400 || reply.status() != expected) {
      throw new PlatformException(reply.status(),
          method + " " + uri.getPath() + " answered " + reply.status() + ": " + details(reply.body()));
    }
    return reply;
  }

  private Reply exchange(String method, URI uri, Object body, boolean freshToken) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(settings.requestTimeout())
            .header("Authorization", "Bearer " + token(freshToken))
            .header("Accept", "application/json")
            .header("User-Agent", "service-manager-broker-proxy-cf");
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(Json.write(body)));
    }
    HttpResponse<String> response = call(request.build());
    return new Reply(response.statusCode(), parseOrEmpty(response.body()),
        response.headers().firstValue("Location").orElse(null));
  }

  /** The UAA token, from the address in the CC root document (reference 4.3, call 0). */
  private synchronized String token(boolean fresh) {
    if (!fresh && token != null && Instant.now().isBefore(tokenExpiry)) {
      return token;
    }
    if (tokenUrl == null) {
      HttpResponse<String> root =
          call(HttpRequest.newBuilder(URI.create(settings.apiUrl() + "/")).timeout(settings.requestTimeout()).GET().build());
      if (root.statusCode() != 200) {
        throw new PlatformException(root.statusCode(), "the Cloud Controller root document answered " + root.statusCode());
      }
      Map<String, Object> links = Json.object(Json.parse(root.body()), "links");
      String uaa = Json.path(links, "uaa", "href");
      if (uaa == null) {
        uaa = Json.path(links, "login", "href");
      }
      if (uaa == null) {
        throw new PlatformException(-1, "the Cloud Controller root document has no uaa link");
      }
      tokenUrl = (uaa.endsWith("/") ? uaa.substring(0, uaa.length() - 1) : uaa) + "/oauth/token";
    }
    String form;
    String client;
    if (settings.clientCredentials()) {
      form = "grant_type=client_credentials";
      client = settings.clientId() + ":" + (settings.clientSecret() == null ? "" : settings.clientSecret());
    } else {
      form = "grant_type=password&username=" + encode(settings.username()) + "&password=" + encode(settings.password());
      client = "cf:";
    }
    HttpResponse<String> response =
        call(HttpRequest.newBuilder(URI.create(tokenUrl))
            .timeout(settings.requestTimeout())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "application/json")
            .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(client.getBytes(StandardCharsets.UTF_8)))
            .POST(HttpRequest.BodyPublishers.ofString(form))
            .build());
    if (response.statusCode() != 200) {
      throw new PlatformException(response.statusCode(), "UAA refused the token request: " + Json.abbreviate(response.body()));
    }
    Map<String, Object> granted = Json.parse(response.body());
    token = Json.string(granted, "access_token");
    Object expiresIn = granted.get("expires_in");
    long seconds = expiresIn instanceof Number n ? n.longValue() : 600;
    tokenExpiry = Instant.now().plusSeconds(Math.max(1, seconds - 30));
    return token;
  }

  private HttpResponse<String> call(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new PlatformException(request.method() + " " + request.uri() + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PlatformException("interrupted: " + request.method() + " " + request.uri(), e);
    }
  }

  /** {@code errors[].detail} (or title) of a CC error body, else the body itself. */
  static String details(Map<String, Object> body) {
    List<Map<String, Object>> errors = Json.objects(body, "errors");
    if (errors.isEmpty()) {
      return Json.abbreviate(Json.write(body));
    }
    List<String> parts = new ArrayList<>();
    for (Map<String, Object> e : errors) {
      String text = Json.string(e, "detail");
      parts.add((Json.string(e, "title") == null ? "" : Json.string(e, "title") + ": ") + (text == null ? "" : text));
    }
    return String.join("; ", parts);
  }

  private static Map<String, Object> parseOrEmpty(String body) {
    try {
      return Json.parse(body);
    } catch (IllegalArgumentException e) {
      return Map.of("raw", Json.abbreviate(body));
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PlatformException("interrupted while polling a job", e);
    }
  }

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private record Reply(int status, Map<String, Object> body, String location) {}
}

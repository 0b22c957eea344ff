package dev.servicemanager.proxy.core;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.security.SecureRandom;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the Service Manager's registry with the platform's basic credentials, the way Peripli's agents
 * do it (reference 4.1): {@code fieldQuery=ready eq true} on brokers, offerings and plans, then
 * visibilities, each paged with {@code max_items} and {@code token}. SM narrows the results to what
 * the platform may see.
 */
public final class SmClient implements BrokerCredentials {
  private static final Logger LOG = LoggerFactory.getLogger(SmClient.class);
  private final ProxySettings settings;
  private final HttpClient http;
  private final String authorization;
  /** Lists whose server rejected {@code fieldQuery=ready eq true}; {@code ready} is filtered here then. */
  private final Set<String> noReadyQuery = ConcurrentHashMap.newKeySet();
  private static final SecureRandom RANDOM = new SecureRandom();
  private volatile boolean noBrokerCredentials;

  public SmClient(ProxySettings settings) {
    this.settings = settings;
    this.http = HttpClient.newBuilder().connectTimeout(settings.requestTimeout()).build();
    this.authorization = basic(settings.smUsername(), settings.smPassword());
  }

  static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** Reads everything a resync needs. Visibilities are read last so none refers to an unread plan. */
  public SmState state() {
    List<SmState.Broker> brokers =
        list("/v1/service_brokers", true, m -> new SmState.Broker(
            Json.string(m, "id"), Json.string(m, "name"), Json.string(m, "broker_url"),
            instant(Json.string(m, "updated_at"))));
    List<SmState.Offering> offerings =
        list("/v1/service_offerings", true, m -> new SmState.Offering(
            Json.string(m, "id"), Json.string(m, "broker_id"), Json.string(m, "catalog_id")));
    List<SmState.Plan> plans =
        list("/v1/service_plans", true, m -> new SmState.Plan(
            Json.string(m, "id"), Json.string(m, "service_offering_id"), Json.string(m, "catalog_id"),
            Json.string(m, "name")));
    List<SmState.Visibility> visibilities =
        list("/v1/visibilities", true, m -> new SmState.Visibility(
            Json.string(m, "id"), Json.string(m, "platform_id"), Json.string(m, "service_plan_id"),
            labels(Json.object(m, "labels"))));
    // A broker deleted while the lists were read has lost its visibilities in the later reads;
    // taken as listed, its plans would be closed although the broker itself has to go (and the
    // platform may refuse that, instances existing). Read the brokers again and leave out the
    // ones gone meanwhile: the resync then treats them as removed.
    java.util.Set<String> stillListed = new java.util.HashSet<>(
        list("/v1/service_brokers", true, m -> Json.string(m, "id")));
    brokers = brokers.stream().filter(b -> stillListed.contains(b.id())).toList();
    return new SmState(brokers, offerings, plans, visibilities);
  }

  <T> List<T> list(String path, boolean readyOnly, Function<Map<String, Object>, T> mapper) {
    boolean serverFilters = readyOnly && !noReadyQuery.contains(path);
    List<T> result = new ArrayList<>();
    String token = null;
    do {
      StringBuilder query = new StringBuilder("?max_items=").append(settings.smPageSize());
      if (serverFilters) {
        query.append("&fieldQuery=").append(encode("ready eq true"));
      }
      if (token != null) {
        query.append("&token=").append(encode(token));
      }
      Map<String, Object> page;
      try {
        page = get(path + query);
      } catch (SmException e) {
        if (serverFilters && e.status == 400 && token == null) {
          // This Service Manager cannot filter on ready: filter here instead (same result).
          LOG.warn("{} rejects fieldQuery=ready eq true ({}); filtering on ready in the proxy", path, e.getMessage());
          noReadyQuery.add(path);
          return list(path, readyOnly, mapper);
        }
        throw e;
      }
      for (Map<String, Object> item : Json.objects(page, "items")) {
        if (!readyOnly || !Boolean.FALSE.equals(item.get("ready"))) {
          result.add(mapper.apply(item));
        }
      }
      token = Json.string(page, "token");
    } while (token != null && !token.isEmpty());
    return result;
  }

  /**
   * {@code PUT /v1/credentials?force=true} with a fresh random pair for the broker. A server without
   * broker-platform credentials (404) gets the platform's own pair instead, from then on.
   */
  @Override
  public Issued issue(String smBrokerId) {
    if (noBrokerCredentials) {
      return new Issued(null, settings.smUsername(), settings.smPassword());
    }
    String username = randomToken();
    String password = randomToken();
    String body = Json.write(Map.of("broker_id", smBrokerId, "username", username, "password", password));
    HttpResponse<String> response = send("PUT", "/v1/credentials?force=true", body);
    if (response.statusCode() == 404 && !response.body().contains("broker")) {
      LOG.warn("The Service Manager has no broker-platform credentials; platform brokers use the platform's own");
      noBrokerCredentials = true;
      return new Issued(null, settings.smUsername(), settings.smPassword());
    }
    if (response.statusCode() != 200 && response.statusCode() != 201) {
      throw new SmException("PUT /v1/credentials for broker " + smBrokerId + " answered " + response.statusCode()
          + ": " + Json.abbreviate(response.body()), null, response.statusCode());
    }
    return new Issued(Json.string(Json.parse(response.body()), "id"), username, password);
  }

  /** {@code PUT /v1/credentials/{id}/activate}: the previous pair of that broker stops working. */
  @Override
  public void activate(Issued issued) {
    if (issued.id() == null) {
      return;
    }
    HttpResponse<String> response = send("PUT", "/v1/credentials/" + encode(issued.id()) + "/activate", "{}");
    if (response.statusCode() != 200) {
      throw new SmException("activating credentials " + issued.id() + " answered " + response.statusCode()
          + ": " + Json.abbreviate(response.body()), null, response.statusCode());
    }
  }

  /**
   * Whether the Service Manager no longer has this broker. The registry lists may hide a broker that
   * still exists (for platform types whose lists are narrowed by visibilities, a broker with no plan
   * visible to the platform), so a platform broker is deleted only after this says so: the OSB
   * catalog answers 404 only for a broker that is gone, and 200 (perhaps with no service) otherwise.
   * Any other answer throws, and the broker is kept until the next resync.
   */
  public boolean brokerGone(String smBrokerId) {
    String path = "/v1/osb/" + encode(smBrokerId) + "/v2/catalog";
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(settings.smUrl() + path))
            .timeout(settings.requestTimeout())
            .header("Authorization", authorization)
            .header("Accept", "application/json")
            .header("X-Broker-API-Version", "2.17")
            .GET()
            .build();
    int status;
    try {
      status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      throw new SmException("GET " + path + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SmException("interrupted during GET " + path, e);
    }
    if (status == 404) {
      return true;
    }
    if (status == 200) {
      return false;
    }
    throw new SmException("GET " + path + " answered " + status, null, status);
  }

  private HttpResponse<String> send(String method, String path, String body) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(settings.smUrl() + path))
            .timeout(settings.requestTimeout())
            .header("Authorization", authorization)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
            .build();
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new SmException(method + " " + path + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SmException("interrupted during " + method + " " + path, e);
    }
  }

  private static String randomToken() {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private Map<String, Object> get(String pathAndQuery) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(settings.smUrl() + pathAndQuery))
            .timeout(settings.requestTimeout())
            .header("Authorization", authorization)
            .header("Accept", "application/json")
            .GET()
            .build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new SmException("GET " + pathAndQuery + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SmException("interrupted during GET " + pathAndQuery, e);
    }
    if (response.statusCode() != 200) {
      throw new SmException(
          "GET " + pathAndQuery + " answered " + response.statusCode() + ": "
              + Json.abbreviate(response.body()), null, response.statusCode());
    }
    return Json.parse(response.body());
  }

  private static Map<String, List<String>> labels(Map<String, Object> raw) {
    Map<String, List<String>> labels = new LinkedHashMap<>();
    raw.forEach((key, value) -> {
      List<String> values = new ArrayList<>();
      if (value instanceof List<?> list) {
        list.forEach(v -> values.add(String.valueOf(v)));
      }
      labels.put(key, values);
    });
    return labels;
  }

  private static Instant instant(String value) {
    return value == null ? null : Instant.parse(value);
  }

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Reading from the Service Manager failed; the resync is skipped and retried. */
  public static final class SmException extends RuntimeException {
    private final int status;

    SmException(String message, Throwable cause) {
      this(message, cause, -1);
    }

    SmException(String message, Throwable cause, int status) {
      super(message, cause);
      this.status = status;
    }
  }
}

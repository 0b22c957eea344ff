package dev.servicemanager.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SmClientTest {
  private final HttpServer server;
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private volatile boolean understandsReady = true;
  private final Map<String, List<Map<String, Object>>> collections = new java.util.concurrent.ConcurrentHashMap<>();
  private volatile Runnable whenVisibilitiesAreRead = () -> {};

  SmClientTest() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 10);
    server.createContext("/", exchange -> {
      String query = exchange.getRequestURI().getRawQuery();
      String path = exchange.getRequestURI().getPath();
      if (path.equals("/v1/visibilities")) {
        whenVisibilitiesAreRead.run();
      }
      requests.add(path + "?" + URLDecoder.decode(query, StandardCharsets.UTF_8));
      authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
      Map<String, String> q = new LinkedHashMap<>();
      for (String pair : query.split("&")) {
        String[] kv = pair.split("=", 2);
        q.put(kv[0], URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
      }
      int status = 200;
      Object body;
      if (q.containsKey("fieldQuery") && !understandsReady) {
        status = 400;
        body = Map.of("error", "InvalidFieldQuery", "description", "unsupported field query key 'ready'");
      } else {
        List<Map<String, Object>> all = collections.getOrDefault(path, List.of()).stream()
            .filter(item -> !q.containsKey("fieldQuery") || !Boolean.FALSE.equals(item.get("ready")))
            .toList();
        int max = Integer.parseInt(q.get("max_items"));
        int from = q.containsKey("token") ? Integer.parseInt(q.get("token")) : 0;
        List<Map<String, Object>> items = new ArrayList<>(all.subList(from, Math.min(all.size(), from + max)));
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("num_items", all.size());
        page.put("items", items);
        if (from + max < all.size()) {
          page.put("token", Integer.toString(from + max));
        }
        body = page;
      }
      byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private SmClient client() {
    return new SmClient(new ProxySettings("http://127.0.0.1:" + server.getAddress().getPort() + "/", "user", "pass", "sm-", 1,
        Duration.ofSeconds(30), Duration.ofSeconds(5), 2, false));
  }

  private void fill() {
    List<Map<String, Object>> brokers = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      brokers.add(Map.of("id", "b" + i, "name", "broker" + i, "broker_url", "http://b" + i, "ready", i != 3,
          "updated_at", "2026-01-01T00:00:0" + i + "Z"));
    }
    collections.put("/v1/service_brokers", brokers);
    collections.put("/v1/service_offerings", List.of(Map.of("id", "o1", "broker_id", "b0", "catalog_id", "s1", "ready", true)));
    collections.put("/v1/service_plans", List.of(Map.of("id", "p1", "service_offering_id", "o1", "catalog_id", "plan-1", "name", "small", "ready", true)));
    collections.put("/v1/visibilities", List.of(
        Map.of("id", "v1", "service_plan_id", "p1", "platform_id", "pl", "labels", Map.of("organization_guid", List.of("org-1")), "ready", true),
        Map.of("id", "v2", "service_plan_id", "p1", "ready", true)));
  }

  @Test
  void readsEveryPageOfEveryListWithReadyOnlyAndBasicCredentials() {
    fill();
    SmState state = client().state();
    assertThat(state.brokers()).extracting(SmState.Broker::id).containsExactly("b0", "b1", "b2", "b4");
    assertThat(state.visibilities()).containsExactly(
        new SmState.Visibility("v1", "pl", "p1", Map.of("organization_guid", List.of("org-1"))),
        new SmState.Visibility("v2", null, "p1", Map.of()));
    assertThat(requests).first().isEqualTo("/v1/service_brokers?max_items=2&fieldQuery=ready eq true");
    assertThat(requests).contains("/v1/service_brokers?max_items=2&fieldQuery=ready eq true&token=2");
    assertThat(requests).filteredOn(r -> r.startsWith("/v1/service_brokers")).as("two pages, read twice").hasSize(4);
    assertThat(requests).extracting(r -> r.substring(0, r.indexOf('?')))
        .containsSubsequence("/v1/service_brokers", "/v1/service_offerings", "/v1/service_plans", "/v1/visibilities",
            "/v1/service_brokers");
    assertThat(authorizations).containsOnly(SmClient.basic("user", "pass"));
  }

  @Test
  void aBrokerDeletedWhileTheListsAreReadIsLeftOutAsRemoved() {
    fill();
    // SM deletes b0 (and with it its visibilities) after its broker was listed
    whenVisibilitiesAreRead = () -> {
      collections.put("/v1/service_brokers", collections.get("/v1/service_brokers").stream()
          .filter(b -> !"b0".equals(b.get("id"))).toList());
      collections.put("/v1/visibilities", List.of());
    };
    assertThat(client().state().brokers()).extracting(SmState.Broker::id).containsExactly("b1", "b2", "b4");
  }

  @Test
  void aServerThatCannotFilterOnReadyIsFilteredHere() {
    fill();
    understandsReady = false;
    SmClient client = client();
    assertThat(client.state().brokers()).extracting(SmState.Broker::id).containsExactly("b0", "b1", "b2", "b4");
    requests.clear();
    client.state();
    assertThat(requests).as("the fallback is remembered").noneMatch(r -> r.contains("fieldQuery"));
  }

  @Test
  void anErrorFromTheServiceManagerFailsTheRead() {
    server.removeContext("/");
    server.createContext("/", exchange -> {
      exchange.sendResponseHeaders(401, -1);
      exchange.close();
    });
    assertThatThrownBy(() -> client().state()).isInstanceOf(SmClient.SmException.class).hasMessageContaining("401");
  }
}

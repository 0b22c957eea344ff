package dev.servicemanager.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.server.support.ApiTestBase;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Input PostgreSQL cannot store, or that means something else to another parser, is a 400 in the
 * API's shape before anything is read or written (issue 12), not a 500 from the database.
 */
@MicronautTest(transactional = false)
class HostileInputIT extends ApiTestBase {
  @Test
  void aNulCharacterInAJsonStringIs400AndStoresNothing() throws Exception {
    Api.Result result = admin().send("POST", "/v1/platforms", "application/json", "{\"name\":\"x\\u0000y\",\"type\":\"k\"}");
    assertBadRequest(result);
    assertThat(count("SELECT count(*) FROM platforms")).isOne();
  }

  @Test
  void aLoneSurrogateInAJsonStringIs400AndStoresNothing() throws Exception {
    Api.Result result = admin().send("POST", "/v1/platforms", "application/json", "{\"name\":\"x\\ud800y\",\"type\":\"k\"}");
    assertBadRequest(result);
    assertThat(count("SELECT count(*) FROM platforms")).isOne();
  }

  @Test
  void aNulInAPathIs400() {
    assertBadRequest(admin().get("/v1/platforms/%00"));
    assertBadRequest(admin().delete("/v1/service_brokers/a%00b"));
  }

  @Test
  void aNulOrInvalidUtf8InAQueryIs400() {
    assertBadRequest(admin().get("/v1/platforms?fieldQuery=" + Api.q("name eq 'a") + "%00'"));
    assertBadRequest(admin().get("/v1/platforms?labelQuery=%ff%fe"));
  }

  @Test
  void invalidUtf8InAPathIs400() {
    assertBadRequest(admin().get("/v1/platforms/%c3%28"));
  }

  @Test
  void invalidUtf8InABodyIs400AndStoresNothing() throws Exception {
    byte[] body = "{\"name\":\"x?y\",\"type\":\"k\"}".getBytes(StandardCharsets.UTF_8);
    body[10] = (byte) 0xff;
    assertBadRequest(raw("POST", "/v1/platforms", body));
    assertThat(count("SELECT count(*) FROM platforms")).isOne();
  }

  @Test
  void overlongIdsInPathsAre4xxInTheApiShape() throws Exception {
    // Netty refuses a request line over 4 KB itself and closes the connection: a client of its own.
    Api.Result result = raw("GET", "/v1/platforms/" + "a".repeat(10_000), new byte[0]);
    assertThat(result.status()).as(result.toString()).isBetween(400, 414);
    assertThat(result.json()).containsKeys("error", "description");
    assertBadRequest(admin().delete("/v1/visibilities/" + "a".repeat(300)));
  }

  @Test
  void overlongIdsAndNamesInBodiesAre400AndStoreNothing() throws Exception {
    assertBadRequest(admin().post("/v1/platforms", Map.of("id", "a".repeat(10_000), "name", "x", "type", "k")));
    assertBadRequest(admin().post("/v1/platforms", Map.of("name", "x".repeat(10_000), "type", "k")));
    assertThat(count("SELECT count(*) FROM platforms")).isOne();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/platforms/%2e%2e", "/v1/platforms/%2E%2E/service_brokers", "/v1/platforms/a%2Fb",
      "/v1/platforms/%252e%252e", "/v1/platforms/a;x=1", "/v1/platforms/a%5Cb", "/v1/platforms/./a"})
  void pathTricksAre400(String path) {
    assertBadRequest(admin().get(path));
  }

  @Test
  void deeplyNestedJsonIs400() throws Exception {
    Api.Result result = admin().send("POST", "/v1/platforms", "application/json", "[".repeat(100_000));
    assertBadRequest(result);
    String nested = "{\"name\":\"x\",\"type\":\"k\",\"description\":" + "[".repeat(5_000) + "]".repeat(5_000) + "}";
    assertBadRequest(admin().send("POST", "/v1/platforms", "application/json", nested));
    assertThat(count("SELECT count(*) FROM platforms")).isOne();
  }

  @Test
  void numbersBeyondWhatCanBeStoredAre400() throws Exception {
    assertBadRequest(admin().send("POST", "/v1/platforms", "application/json", "{\"name\":\"x\",\"type\":\"k\",\"suspended\":1e999999}"));
    assertBadRequest(admin().send("POST", "/v1/platforms", "application/json", "{\"name\":\"x\",\"type\":\"k\",\"x\":" + "9".repeat(5_000) + "}"));
    assertThat(count("SELECT count(*) FROM platforms")).isOne();
  }

  @Test
  void duplicateKeysAre400AndStoreNothing() throws Exception {
    assertBadRequest(admin().send("POST", "/v1/platforms", "application/json", "{\"name\":\"a\",\"name\":\"b\",\"type\":\"k\"}"));
    assertThat(count("SELECT count(*) FROM platforms")).isOne();
  }

  @Test
  void theOsbEndpointRefusesHostileInputBeforeTheBrokerIsAsked() throws Exception {
    String brokerId = (String) registerBroker("b1").get("id");
    Api platform = platformClient(createPlatform("p1", "kubernetes"));
    String plans = "/v1/osb/" + brokerId + "/v2/service_instances/";
    int before = broker.requests().size();
    for (String body : new String[] {
        "{\"service_id\":\"s\\u0000\",\"plan_id\":\"p\"}",
        "{\"service_id\":\"s\",\"plan_id\":\"p\",\"parameters\":{\"k\":\"\\udc00\"}}",
        "{\"service_id\":\"s\",\"plan_id\":\"a\",\"plan_id\":\"b\"}"}) {
      Api.Result result = platform.send("PUT", plans + "i1", "application/json", body);
      assertBadRequest(result);
    }
    assertBadRequest(platform.get(plans + "%00"));
    assertBadRequest(platform.get(plans + "a".repeat(300)));
    assertBadRequest(platform.get(plans + "%2e%2e%2fcatalog"));
    assertThat(broker.requests().size()).isEqualTo(before);
    assertThat(count("SELECT count(*) FROM service_instances")).isZero();
  }

  private Api.Result raw(String method, String path, byte[] body) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create(admin().baseUrl() + path))
                .header("Content-Type", "application/json")
                .header("Authorization", adminAuthorization())
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return new Api.Result(response.statusCode(), response.headers().map(), response.body());
  }

  private String adminAuthorization() {
    return admin().authorization();
  }

  private static void assertBadRequest(Api.Result result) {
    assertThat(result.status()).as(result.toString()).isEqualTo(400);
    assertThat(result.json()).as(result.toString()).containsKeys("error", "description");
  }
}

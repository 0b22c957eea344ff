package dev.servicemanager.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.server.support.ApiTestBase;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Micronaut's own errors come out in the API's {"error","description"} shape and change nothing. */
@MicronautTest(transactional = false)
class ErrorResponsesIT extends ApiTestBase {
  @Test
  void wrongContentTypeIs415AndStoresNothing() throws Exception {
    Api.Result result = admin().send("POST", "/v1/platforms", "text/plain", "{\"name\":\"x\",\"type\":\"k\"}");
    assertThat(result.status()).isEqualTo(415);
    assertThat(result.error()).isEqualTo("UnsupportedMediaType");
    assertThat(count("SELECT count(*) FROM platforms")).isOne();
  }

  @Test
  void bodiesOverOneMegabyteAre413AndStoreNothing() throws Exception {
    String big = "{\"name\":\"x\",\"type\":\"k\",\"description\":\"" + "a".repeat(1_100_000) + "\"}";
    Api.Result result = admin().send("POST", "/v1/platforms", "application/json", big);
    assertThat(result.status()).isEqualTo(413);
    assertThat(result.error()).isEqualTo("PayloadTooLarge");
    assertThat(count("SELECT count(*) FROM platforms")).isOne();
  }

  @Test
  void unknownRoutesAre404InTheApiShape() {
    Api.Result result = admin().get("/v1/nothing-here");
    assertThat(result.status()).isEqualTo(404);
    assertThat(result.json()).containsEntry("error", "NotFound").containsKey("description");
  }

  @Test
  void unsupportedMethodsAre405InTheApiShape() {
    Api.Result result = admin().send("PUT", "/v1/platforms", "application/json", "{}");
    assertThat(result.status()).isEqualTo(405);
    assertThat(result.error()).isEqualTo("MethodNotAllowed");
  }

  @Test
  void malformedJsonIs400WithoutParserInternals() {
    Api.Result result = admin().send("POST", "/v1/platforms", "application/json", "{\"name\": \"x\", ");
    assertThat(result.status()).isEqualTo(400);
    assertThat(result.error()).isEqualTo("BadRequest");
    assertThat(result.string("description")).doesNotContain("dev.servicemanager", "Source");
  }

  @Test
  void unknownFieldsAreNamedInTheError() {
    Api.Result result = admin().post("/v1/platforms", Map.of("name", "x", "type", "k", "colour", "red"));
    assertThat(result.status()).isEqualTo(400);
    assertThat(result.string("description")).contains("colour").doesNotContain("dev.servicemanager");
  }

  @Test
  void wrongTypesAre400() {
    for (String body :
        new String[] {
          "{\"name\": 5, \"type\": \"k\"}",
          "{\"name\": \"x\", \"type\": [\"k\"]}",
          "{\"name\": \"x\", \"type\": \"k\", \"suspended\": \"yes\"}",
          "{\"name\": \"x\", \"type\": \"k\", \"labels\": {\"a\": \"b\"}}",
          "{\"name\": \"x\", \"type\": \"k\", \"labels\": []}"
        }) {
      Api.Result result = admin().send("POST", "/v1/platforms", "application/json", body);
      assertThat(result.status()).as(body + " -> " + result).isEqualTo(400);
    }
  }
}

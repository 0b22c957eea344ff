package dev.servicemanager.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.spi.input.InputRejection.Problem;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class InputRulesTest {
  @Test
  void ordinaryPathsQueriesAndBodiesPass() {
    assertThat(InputRules.path("/v1/platforms/abc.")).isEmpty();
    assertThat(InputRules.path("/v1/platforms/caf%C3%A9")).isEmpty();
    assertThat(InputRules.query("fieldQuery=name%20eq%20%27a%27&max_items=5", "q")).isEmpty();
    assertThat(body("{\"name\":\"\\uD83D\\uDE00 \\\\u0000\",\"n\":[1,2.5,{\"a\":null}]}", true)).isEmpty();
    assertThat(body("not json at all", false)).isEmpty();
  }

  @Test
  void pathTricksAreInvalid() {
    for (String path : new String[] {"/v1/a/%00", "/v1/a/%ff", "/v1/a/%2e%2e", "/v1/a/..", "/v1/a/%2F", "/v1/a/%252e",
        "/v1/a/x;y=1", "/v1/a/%5C", "/v1/a/%zz", "/v1/a/" + "a".repeat(101)}) {
      assertThat(InputRules.path(path)).as(path).hasValueSatisfying(r -> assertThat(r.problem()).isEqualTo(Problem.INVALID));
    }
  }

  @Test
  void unstorableJsonIsInvalidAndUnparseableJsonIsUnparseable() {
    assertThat(body("{\"a\":\"x\\u0000\"}", true).orElseThrow().problem()).isEqualTo(Problem.INVALID);
    assertThat(body("{\"a\\u0000\":1}", true).orElseThrow().problem()).isEqualTo(Problem.INVALID);
    assertThat(body("{\"a\":\"\\ud800\"}", true).orElseThrow().problem()).isEqualTo(Problem.INVALID);
    assertThat(body("{\"a\":\"\\udc00\\ud800\"}", true).orElseThrow().problem()).isEqualTo(Problem.INVALID);
    assertThat(body("{\"a\":1,\"a\":2}", true).orElseThrow().problem()).isEqualTo(Problem.INVALID);
    assertThat(body("{\"a\":1e999999}", true).orElseThrow().problem()).isEqualTo(Problem.INVALID);
    assertThat(body("[".repeat(100_000), true).orElseThrow().problem()).isEqualTo(Problem.UNPARSEABLE);
    assertThat(body("{\"a\":" + "9".repeat(1_001) + "}", true).orElseThrow().problem()).isEqualTo(Problem.UNPARSEABLE);
    assertThat(body("{\"a\": ", true)).as("left to the route").isEmpty();
    assertThat(body("{\"a\":\"\\u0000\", ", true).orElseThrow().problem()).isEqualTo(Problem.INVALID);
    assertThat(InputRules.body(new byte[] {'{', (byte) 0xc3, '}'}, true, false).orElseThrow().problem())
        .isEqualTo(Problem.UNPARSEABLE);
  }

  @Test
  void malformedJsonUnderAnotherContentTypeIsLeftToTheRoute() {
    assertThat(body("{\"a\": ", false)).isEmpty();
    assertThat(body("{\"a\":\"\\u0000\"}", false)).isPresent();
  }

  private static java.util.Optional<InputRules.Rejection> body(String text, boolean json) {
    return InputRules.body(text.getBytes(StandardCharsets.UTF_8), json, false);
  }
}

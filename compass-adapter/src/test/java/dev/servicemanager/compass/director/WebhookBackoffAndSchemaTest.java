package dev.servicemanager.compass.director;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhookBackoffAndSchemaTest {
  @Test
  void backoffDoublesFromTheInitialWaitAndIsCapped() {
    Duration initial = Duration.ofSeconds(2);
    Duration max = Duration.ofSeconds(30);
    assertThat(WebhookDispatcher.backoff(initial, max, 1)).isEqualTo(Duration.ofSeconds(2));
    assertThat(WebhookDispatcher.backoff(initial, max, 2)).isEqualTo(Duration.ofSeconds(4));
    assertThat(WebhookDispatcher.backoff(initial, max, 4)).isEqualTo(Duration.ofSeconds(16));
    assertThat(WebhookDispatcher.backoff(initial, max, 5)).isEqualTo(max);
    assertThat(WebhookDispatcher.backoff(initial, max, 1000)).isEqualTo(max);
  }

  @Test
  void valuesAreCheckedStructurallyAgainstASchema() {
    Map<String, Object> schema = Map.of("type", "object", "required", List.of("a"), "properties", Map.of(
        "a", Map.of("type", "array", "items", Map.of("type", "integer")),
        "b", Map.of("type", List.of("string", "null"), "enum", List.of("x", "y"))));
    assertThatCode(() -> Inputs.validate("p", Map.of("a", List.of(1, 2L), "b", "x"), schema)).doesNotThrowAnyException();
    assertThatThrownBy(() -> Inputs.validate("p", Map.of("b", "x"), schema)).hasMessage("invalid input: p.a is required");
    assertThatThrownBy(() -> Inputs.validate("p", Map.of("a", List.of(1, "2")), schema))
        .hasMessage("invalid input: p.a[1] must be of type integer");
    assertThatThrownBy(() -> Inputs.validate("p", Map.of("a", List.of(), "b", "z"), schema))
        .hasMessage("invalid input: p.b must be one of [x, y]");
    assertThatThrownBy(() -> Inputs.validate("p", "text", schema)).hasMessage("invalid input: p must be of type object");
    assertThatCode(() -> Inputs.validate("p", 3.0, Map.of("type", "integer"))).doesNotThrowAnyException();
    assertThatCode(() -> Inputs.validate("p", 3, Map.of("enum", List.of(3.0)))).doesNotThrowAnyException();
  }
}

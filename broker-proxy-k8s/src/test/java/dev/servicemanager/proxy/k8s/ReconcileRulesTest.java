package dev.servicemanager.proxy.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Conditions, retry backoff and spec hashing: the small rules the reconcilers rely on. */
class ReconcileRulesTest {
  @Test
  void aConditionKeepsItsTransitionTimeWhileItsStatusStays() {
    Map<String, Object> status = Map.of("conditions", List.of(Map.of("type", "Ready", "status", "True",
        "reason", "Provisioned", "message", "", "lastTransitionTime", "2026-01-01T00:00:00Z", "observedGeneration", 1)));
    Conditions conditions = new Conditions(status, 2)
        .set(Conditions.READY, true, "Provisioned", "still ready")
        .set(Conditions.FAILED, true, "UpdateFailed", "quota");
    Map<String, Object> ready = conditions.list().get(0);
    assertThat(ready).containsEntry("lastTransitionTime", "2026-01-01T00:00:00Z").containsEntry("observedGeneration", 2L)
        .containsEntry("message", "still ready");
    assertThat(conditions.isTrue(Conditions.FAILED)).isTrue();

    conditions.set(Conditions.READY, false, "CreateFailed", "gone");
    assertThat(conditions.list().get(0).get("lastTransitionTime")).isNotEqualTo("2026-01-01T00:00:00Z");
    assertThat(conditions.remove(Conditions.FAILED).list()).extracting(c -> c.get("type")).containsExactly("Ready");
  }

  @Test
  void retriesBackOffExponentiallyUpToTheCap() {
    K8sSettings settings = new K8sSettings("false", null, null, null, Duration.ofSeconds(1), Duration.ofSeconds(10),
        Duration.ofMinutes(5), null);
    Operator operator = new Operator(null, null, settings, Duration.ofSeconds(30));
    try {
      assertThat(operator.backoff(1)).isEqualTo(Duration.ofSeconds(10));
      assertThat(operator.backoff(2)).isEqualTo(Duration.ofSeconds(20));
      assertThat(operator.backoff(5)).isEqualTo(Duration.ofSeconds(160));
      assertThat(operator.backoff(6)).isEqualTo(Duration.ofMinutes(5));
      assertThat(operator.backoff(60)).isEqualTo(Duration.ofMinutes(5));
    } finally {
      operator.close();
    }
  }

  @Test
  void specHashesIgnoreKeyOrder() {
    assertThat(Resources.hash(Map.of("a", 1, "b", Map.of("x", 1, "y", 2))))
        .isEqualTo(Resources.hash(new java.util.TreeMap<>(Map.of("b", Map.of("y", 2, "x", 1), "a", 1))))
        .isNotEqualTo(Resources.hash(Map.of("a", 2)));
  }
}

package dev.servicemanager.controlplane.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class StateModelTest {
  @Test
  void targetsParseOnlyKnownKindsAndKafkaNames() {
    assertThat(Target.parse("consumer-group:orders")).contains(new Target("consumer-group", "orders"));
    assertThat(Target.parse("pipeline:a.b_c-1")).isPresent();
    assertThat(Target.parse("queue:orders")).isEmpty();
    assertThat(Target.parse("topic:")).isEmpty();
    assertThat(Target.parse("topic:a b")).isEmpty();
    assertThat(Target.parse("orders")).isEmpty();
    assertThatThrownBy(() -> new Target("topic", "x/y")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void runtimeKeysRoundTrip() {
    RuntimeId id = new RuntimeId("team-b", "billing");
    assertThat(id.key()).isEqualTo("team-b/billing");
    assertThat(RuntimeId.parseKey(id.key())).isEqualTo(id);
    assertThatThrownBy(() -> new RuntimeId("default", "-bad")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void reconciledNeedsTheCurrentRevisionAndEqualStates() {
    Map<String, String> desired = Map.of("topic:a", "paused", "topic:b", "running");
    RuntimeId id = new RuntimeId("default", "r");
    assertThat(StateStore.reconciled(new StateStore.Snapshot(id, 2, desired, null, null, Map.of())))
        .containsEntry("topic:a", false).containsEntry("topic:b", false);
    // Equal states reported for an older revision do not count: the consumer has not seen revision 2.
    assertThat(StateStore.reconciled(new StateStore.Snapshot(id, 2, desired, desired, 1L, Map.of())))
        .containsEntry("topic:a", false);
    assertThat(StateStore.reconciled(new StateStore.Snapshot(id, 2, desired,
        Map.of("topic:a", "paused", "topic:b", "partial"), 2L, Map.of())))
        .containsEntry("topic:a", true).containsEntry("topic:b", false);
  }

  @Test
  void theStateDocumentCarriesTheWholeDesiredStateSorted() {
    String doc = StateStore.document(new RuntimeId("default", "shop"), 3,
        Map.of("topic:b", "running", "consumer-group:a", "paused"), java.time.Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(doc).isEqualTo("{\"runtime\":\"shop\",\"namespace\":\"default\",\"revision\":3,"
        + "\"targets\":{\"consumer-group:a\":\"paused\",\"topic:b\":\"running\"},\"updatedAt\":\"2026-01-01T00:00:00Z\"}");
  }
}

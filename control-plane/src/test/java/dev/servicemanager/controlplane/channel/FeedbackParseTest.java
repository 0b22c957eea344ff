package dev.servicemanager.controlplane.channel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.controlplane.state.RuntimeId;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FeedbackParseTest {
  @Test
  void aReportNamesRuntimeRevisionAndTargetStates() {
    FeedbackListener.Report r = FeedbackListener.parse("{\"runtime\":\"shop\",\"namespace\":\"team-a\",\"revision\":4,"
        + "\"instance\":\"i-1\",\"targets\":{\"topic:a\":\"paused\",\"nonsense\":\"paused\",\"topic:b\":7}}");
    assertThat(r.runtime()).isEqualTo(new RuntimeId("team-a", "shop"));
    assertThat(r.revision()).isEqualTo(4);
    assertThat(r.instance()).isEqualTo("i-1");
    assertThat(r.targets()).isEqualTo(Map.of("topic:a", "paused")); // unknown keys and non-strings dropped
  }

  @Test
  void theNamespaceDefaults() {
    assertThat(FeedbackListener.parse("{\"runtime\":\"shop\",\"revision\":1,\"targets\":{}}").runtime().namespace())
        .isEqualTo("default");
  }

  @Test
  void malformedReportsAreNull() {
    assertThat(FeedbackListener.parse("{not json")).isNull();
    assertThat(FeedbackListener.parse("[]")).isNull();
    assertThat(FeedbackListener.parse("{\"runtime\":\"shop\",\"targets\":{}}")).isNull(); // no revision
    assertThat(FeedbackListener.parse("{\"runtime\":\"-bad\",\"revision\":1,\"targets\":{}}")).isNull();
    assertThat(FeedbackListener.parse(null)).isNull();
  }
}

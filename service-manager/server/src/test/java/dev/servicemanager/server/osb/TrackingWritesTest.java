package dev.servicemanager.server.osb;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micronaut.context.exceptions.ConfigurationException;
import org.junit.jupiter.api.Test;

class TrackingWritesTest {
  @Test
  void onlyDurableAndAsyncAreAcceptedWhateverTheCase() {
    assertThatCode(() -> new TrackingWrites("durable", null, null)).doesNotThrowAnyException();
    assertThatCode(() -> new TrackingWrites(" ASYNC ", null, null)).doesNotThrowAnyException();
    assertThatThrownBy(() -> new TrackingWrites("fast", null, null))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("sm.osb.tracking-commit must be durable or async, not 'fast'");
  }
}

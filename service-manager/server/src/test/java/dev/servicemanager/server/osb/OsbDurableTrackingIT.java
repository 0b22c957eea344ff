package dev.servicemanager.server.osb;

import static org.assertj.core.api.Assertions.assertThat;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The default {@code sm.osb.tracking-commit=durable}: tracking commits are as durable as any other. */
@MicronautTest(transactional = false)
class OsbDurableTrackingIT extends OsbTestBase {
  @Override
  protected Map<String, String> extraProperties() {
    return Map.of("datasources.default.url", OsbAsyncTrackingIT.synchronousCommitOn(jdbcUrl()));
  }

  @Test
  void trackingCommitsWaitForTheFlushLikeEveryOtherCommit() {
    assertThat(trackingCommitSetting()).isEqualTo("on");
  }
}

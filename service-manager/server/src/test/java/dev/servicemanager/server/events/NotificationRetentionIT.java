package dev.servicemanager.server.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Change rows older than keep-for are cleaned every clean-interval; a revision gone with them is 410. */
@MicronautTest(transactional = false)
class NotificationRetentionIT extends NotificationTestBase {
  @Override
  protected Map<String, String> extraProperties() {
    return Map.of("sm.notifications.keep-for", "1s", "sm.notifications.clean-interval", "300ms");
  }

  @Test
  void oldChangesAreDeletedAndTheirRevisionsAreGone() throws Exception {
    TestPlatform platform = platform("retention");
    registerBroker("retained");
    String revision = latestRevision();
    assertThat(count("SELECT count(*) FROM changes")).isPositive();
    await().atMost(WAIT).until(() -> count("SELECT count(*) FROM changes") == 0);
    registerBroker("newer");
    assertThat(refusedStatus(platform.authorization(), revision)).isEqualTo(410);
  }
}

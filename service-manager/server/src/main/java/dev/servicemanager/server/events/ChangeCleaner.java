package dev.servicemanager.server.events;

import io.micronaut.context.BeanProvider;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention (reference section 4): change rows older than {@code sm.notifications.keep-for} are
 * deleted every {@code sm.notifications.clean-interval}. Notifications are the only readers of the
 * change log; an agent further behind than that gets 410 and resyncs. When the Kafka relay is
 * enabled, rows it has not published yet are kept, however old.
 */
@Singleton
final class ChangeCleaner {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeCleaner.class);
  private final NotificationStore store;
  private final NotificationSettings settings;
  private final boolean relayEnabled;

  ChangeCleaner(NotificationStore store, NotificationSettings settings, BeanProvider<KafkaRelay> relay) {
    this.store = store;
    this.settings = settings;
    this.relayEnabled = relay.isPresent();
  }

  @Scheduled(
      fixedDelay = "${sm.notifications.clean-interval:15m}",
      initialDelay = "${sm.notifications.clean-interval:15m}")
  void clean() {
    try {
      int deleted = store.deleteOlderThan(settings.keepFor, relayEnabled ? KafkaRelay.NAME : null);
      if (deleted > 0) {
        LOG.info("Deleted {} change-log rows older than {}", deleted, settings.keepFor);
      }
    } catch (RuntimeException e) {
      LOG.warn("Change-log cleanup failed; retrying at the next interval", e);
    }
  }
}

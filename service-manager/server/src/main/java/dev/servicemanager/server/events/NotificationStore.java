package dev.servicemanager.server.events;

import dev.servicemanager.server.credentials.CredentialNotifications;
import dev.servicemanager.server.store.Sql;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Reads of the change log for the websocket handshake and replay; platform status writes. */
@Singleton
class NotificationStore implements CredentialNotifications {
  /** What a handshake with {@code last_notification_revision} leads to (reference section 4). */
  sealed interface Decision permits Live, Replay, Gone {}

  record Live() implements Decision {}

  record Replay(long after) implements Decision {}

  record Gone(String reason) implements Decision {}

  private final Sql sql;

  NotificationStore(Sql sql) {
    this.sql = sql;
  }

  /** The newest revision, or null when the log is empty. */
  @Transactional
  @Nullable
  public Long latest() {
    return sql.queryOne("SELECT max(revision) FROM changes", List.of(), rs -> (Long) rs.getObject(1)).orElse(null);
  }

  @Transactional
  public Decision decide(String platformId, @Nullable Long known, int queueSize) {
    if (known == null) {
      return new Live();
    }
    record Bounds(Long oldest, Long latest) {}
    Bounds bounds =
        sql.queryOne(
                "SELECT min(revision), max(revision) FROM changes",
                List.of(),
                rs -> new Bounds((Long) rs.getObject(1), (Long) rs.getObject(2)))
            .orElseThrow();
    long latest = bounds.latest() == null ? 0 : bounds.latest();
    if (known == latest) {
      return new Live();
    }
    if (known > latest) {
      return new Gone("last_notification_revision " + known + " is newer than the latest revision " + latest);
    }
    if (bounds.oldest() == null || known < bounds.oldest()) {
      return new Gone("notifications after revision " + known + " are no longer kept; resync");
    }
    long missed =
        sql.queryLong(
            "SELECT count(*) FROM changes WHERE revision > ? AND " + Notification.ANNOUNCED
                + " AND (platform_id IS NULL OR platform_id = ?)",
            List.of(known, platformId));
    if (missed > queueSize) {
      return new Gone(missed + " notifications were missed, more than the queue holds (" + queueSize + "); resync");
    }
    return new Replay(known);
  }

  @Transactional
  public List<Notification> missed(String platformId, long after) {
    return sql.query(
        "SELECT " + Notification.COLUMNS + " FROM changes WHERE revision > ? AND " + Notification.ANNOUNCED
            + " AND (platform_id IS NULL OR platform_id = ?) ORDER BY revision",
        List.of(after, platformId),
        Notification::map);
  }

  /** Whether a broker notification with this id, addressed to the platform, exists for the broker. */
  @Override
  @Transactional
  public boolean isBrokerNotification(String notificationId, String platformId, String brokerId) {
    long revision;
    try {
      revision = Long.parseLong(notificationId);
    } catch (NumberFormatException e) {
      return false;
    }
    return sql.queryLong(
            "SELECT count(*) FROM changes WHERE revision = ? AND resource_type = '/v1/service_brokers'"
                + " AND resource_id = ? AND (platform_id IS NULL OR platform_id = ?)",
            List.of(revision, brokerId, platformId))
        > 0;
  }

  @Transactional
  public void connected(String platformId, @Nullable String agentVersion) {
    if (agentVersion != null && !agentVersion.isBlank()) {
      sql.update("UPDATE platforms SET version = ? WHERE id = ?", agentVersion, platformId);
    }
  }

  @Transactional
  public void pinged(String platformId) {
    sql.update("UPDATE platforms SET active = true WHERE id = ? AND NOT active", platformId);
  }

  @Transactional
  public void disconnected(String platformId) {
    sql.update("UPDATE platforms SET active = false, last_active = ? WHERE id = ?", Instant.now(), platformId);
  }

  /**
   * Retention: old rows go, except, when {@code relay} names an enabled relay, those after its
   * position (not published yet; no position yet means nothing is published).
   */
  @Transactional
  public int deleteOlderThan(Duration keepFor, @Nullable String relay) {
    if (relay == null) {
      return sql.update("DELETE FROM changes WHERE created_at < ?", Instant.now().minus(keepFor));
    }
    return sql.update(
        "DELETE FROM changes WHERE created_at < ?"
            + " AND revision <= coalesce((SELECT revision FROM relay_positions WHERE name = ?), 0)",
        Instant.now().minus(keepFor),
        relay);
  }
}

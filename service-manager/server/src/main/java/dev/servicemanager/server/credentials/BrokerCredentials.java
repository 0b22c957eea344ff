package dev.servicemanager.server.credentials;

import dev.servicemanager.server.crypto.Encryptor;
import dev.servicemanager.server.store.Sql;
import dev.servicemanager.spi.ApiException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Broker-platform credentials (reference 1.11, 2.9): per (platform, broker), the pair a platform
 * uses on {@code /v1/osb/{broker_id}}. A rotation keeps the last activated pair valid until the
 * new one is activated. Passwords are stored as SHA-256 hashes, like platform passwords.
 */
@Singleton
public class BrokerCredentials {
  private final Sql sql;
  private final CredentialNotifications notifications;

  BrokerCredentials(Sql sql, CredentialNotifications notifications) {
    this.sql = sql;
    this.notifications = notifications;
  }

  private record Row(
      String id, String platformId, String brokerId, String username, String hash, String oldUsername,
      String oldHash, String notificationId, boolean active, Instant createdAt, Instant updatedAt) {
    Credential view() {
      return new Credential(id, platformId, brokerId, username, notificationId, active, true, createdAt, updatedAt);
    }
  }

  private static final String COLUMNS =
      "id, platform_id, broker_id, username, password_hash, old_username, old_password_hash, notification_id,"
          + " active, created_at, updated_at";

  private static Row map(java.sql.ResultSet rs) throws java.sql.SQLException {
    return new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
        rs.getString(6), rs.getString(7), rs.getString(8), rs.getBoolean(9), Sql.instant(rs, "created_at"),
        Sql.instant(rs, "updated_at"));
  }

  @Transactional
  public Credential put(String platformId, CredentialRequest request, boolean force) {
    if (request.brokerId() == null || request.brokerId().isBlank()) {
      throw ApiException.badRequest("broker_id is required");
    }
    if (request.username() == null || request.username().isBlank() || request.password() == null || request.password().isEmpty()) {
      throw ApiException.badRequest("username and password are required");
    }
    if (sql.queryLong("SELECT count(*) FROM service_brokers WHERE id = ?", List.of(request.brokerId())) == 0) {
      throw ApiException.notFound("service broker " + request.brokerId() + " not found");
    }
    String notificationId = blankToNull(request.notificationId());
    if (notificationId != null && !notifications.isBrokerNotification(notificationId, platformId, request.brokerId())) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "CredentialsError",
          "Invalid notification ID " + notificationId + " - request rejected");
    }
    Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
    Optional<Row> existing =
        sql.queryOne("SELECT " + COLUMNS + " FROM broker_platform_credentials WHERE platform_id = ? AND broker_id = ? FOR UPDATE",
            List.of(platformId, request.brokerId()), BrokerCredentials::map);
    String hash = Encryptor.sha256(request.password());
    if (existing.isEmpty()) {
      String id = UUID.randomUUID().toString();
      sql.update("INSERT INTO broker_platform_credentials (id, platform_id, broker_id, username, password_hash,"
              + " notification_id, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, false, ?, ?)",
          id, platformId, request.brokerId(), request.username(), hash, notificationId, now, now);
      return get(id).view();
    }
    Row row = existing.get();
    if (notificationId == null && row.active() && !force) {
      throw new ApiException(HttpStatus.CONFLICT, "CredentialsError", "Invalid request - cannot update existing credentials");
    }
    // The last activated pair stays valid until the new one is activated; an unactivated pair is replaced.
    sql.update("UPDATE broker_platform_credentials SET"
            + " old_username = CASE WHEN active THEN username ELSE old_username END,"
            + " old_password_hash = CASE WHEN active THEN password_hash ELSE old_password_hash END,"
            + " username = ?, password_hash = ?, notification_id = ?, active = false, updated_at = ? WHERE id = ?",
        request.username(), hash, notificationId, now, row.id());
    return get(row.id()).view();
  }

  @Transactional
  public void activate(String platformId, String id) {
    int updated = sql.update("UPDATE broker_platform_credentials SET active = true, old_username = NULL,"
            + " old_password_hash = NULL, updated_at = ? WHERE id = ? AND platform_id = ?",
        Instant.now().truncatedTo(ChronoUnit.MICROS), id, platformId);
    if (updated == 0) {
      throw ApiException.notFound("broker platform credentials " + id + " not found");
    }
  }

  /** The owning platform when the pair is valid for this broker (the current pair, or the old one until activation). */
  @Transactional
  public Optional<String> authenticate(String brokerId, String username, String password) {
    if (brokerId == null || username == null || username.isEmpty() || password == null) {
      return Optional.empty();
    }
    for (Row row : sql.query("SELECT " + COLUMNS + " FROM broker_platform_credentials WHERE broker_id = ?"
            + " AND (username = ? OR old_username = ?)", List.of(brokerId, username, username), BrokerCredentials::map)) {
      if (username.equals(row.username()) && Encryptor.matchesHash(password, row.hash())) {
        return Optional.of(row.platformId());
      }
      if (username.equals(row.oldUsername()) && Encryptor.matchesHash(password, row.oldHash())) {
        return Optional.of(row.platformId());
      }
    }
    return Optional.empty();
  }

  private Row get(String id) {
    return sql.queryOne("SELECT " + COLUMNS + " FROM broker_platform_credentials WHERE id = ?", List.of(id), BrokerCredentials::map)
        .orElseThrow();
  }

  @Nullable
  private static String blankToNull(@Nullable String value) {
    return value == null || value.isBlank() ? null : value;
  }
}

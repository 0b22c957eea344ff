package dev.servicemanager.server.credentials;

import dev.servicemanager.server.crypto.BCrypt;
import dev.servicemanager.server.crypto.Encryptor;
import dev.servicemanager.server.events.RegistryVersion;
import dev.servicemanager.server.store.Sql;
import dev.servicemanager.server.events.RegistryVersion;
import dev.servicemanager.spi.ApiException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Broker-platform credentials (reference 1.11, 2.9): per (platform, broker), the pair a platform
 * uses on {@code /v1/osb/{broker_id}}. A rotation keeps the last activated pair valid until the
 * new one is activated. A plain {@code password} is stored as its SHA-256 hash, like platform
 * passwords; a bcrypt {@code password_hash} (what Peripli's agents send) is stored as it is.
 */
@Singleton
public class BrokerCredentials {
  private static final int VERIFIED_CACHE_SIZE = 10_000;
  private final Sql sql;
  private final CredentialNotifications notifications;
  // Authentication results are cached on the OSB path: a credential change must end them.
  private final RegistryVersion registryVersion;
  private final Map<String, Boolean> verified = new ConcurrentHashMap<>();

  BrokerCredentials(Sql sql, CredentialNotifications notifications, RegistryVersion registryVersion) {
    this.sql = sql;
    this.notifications = notifications;
    this.registryVersion = registryVersion;
  }

  private record Row(
      String id, String platformId, String brokerId, String username, String hash, String oldUsername,
      String oldHash, String notificationId, boolean active, Instant createdAt, Instant updatedAt) {
    Credential view() {
      return new Credential(id, platformId, brokerId, username, hash, notificationId, active, true, createdAt, updatedAt);
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
    if (request.username() == null || request.username().isBlank()) {
      throw ApiException.badRequest("username is required");
    }
    String hash = storedHash(request);
    if (sql.queryLong("SELECT count(*) FROM service_brokers WHERE id = ?", List.of(request.brokerId())) == 0) {
      throw ApiException.notFound("service broker " + request.brokerId() + " not found");
    }
    String notificationId = blankToNull(request.notificationId());
    if (notificationId != null && !notifications.isBrokerNotification(notificationId, platformId, request.brokerId())) {
      throw new ApiException(HttpStatus.BAD_REQUEST, "CredentialsError",
          "Invalid notification ID " + notificationId + " - request rejected");
    }
    Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
    registryVersion.changed();
    Optional<Row> existing =
        sql.queryOne("SELECT " + COLUMNS + " FROM broker_platform_credentials WHERE platform_id = ? AND broker_id = ? FOR UPDATE",
            List.of(platformId, request.brokerId()), BrokerCredentials::map);
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
    registryVersion.changed();
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
      if (username.equals(row.username()) && verify(password, row.hash())) {
        return Optional.of(row.platformId());
      }
      if (username.equals(row.oldUsername()) && verify(password, row.oldHash())) {
        return Optional.of(row.platformId());
      }
    }
    return Optional.empty();
  }

  private static String storedHash(CredentialRequest request) {
    boolean plain = request.password() != null && !request.password().isEmpty();
    boolean hashed = request.passwordHash() != null && !request.passwordHash().isEmpty();
    if (plain == hashed) {
      throw ApiException.badRequest("exactly one of password and password_hash is required");
    }
    if (plain) {
      return Encryptor.sha256(request.password());
    }
    if (!BCrypt.isHash(request.passwordHash())) {
      throw ApiException.badRequest("password_hash must be a bcrypt hash ($2a$, $2b$ or $2y$)");
    }
    return request.passwordHash();
  }

  // bcrypt is slow on purpose (cost 10 is about 60 ms), and a platform sends the same pair on every
  // OSB call: successful checks are remembered by a digest of the stored hash and the password.
  private boolean verify(String password, String storedHash) {
    if (!BCrypt.isHash(storedHash)) {
      return Encryptor.matchesHash(password, storedHash);
    }
    String key = Encryptor.sha256(storedHash + ":" + password);
    if (verified.containsKey(key)) {
      return true;
    }
    boolean ok = BCrypt.matches(password, storedHash);
    if (ok) {
      if (verified.size() >= VERIFIED_CACHE_SIZE) {
        verified.clear();
      }
      verified.put(key, Boolean.TRUE);
    }
    return ok;
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

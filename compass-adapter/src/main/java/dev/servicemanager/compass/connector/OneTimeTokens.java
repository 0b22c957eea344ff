package dev.servicemanager.compass.connector;

import dev.servicemanager.compass.CompassAccess;
import dev.servicemanager.compass.CompassException;
import dev.servicemanager.compass.Db;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Single-use pairing tokens. Only their SHA-256 is stored. Consuming one is a single conditional
 * UPDATE: of two concurrent uses the second waits for the first's row lock and then finds the
 * token used, so exactly one succeeds; when the rest of the caller's transaction fails, the token
 * stays unused.
 */
@Singleton
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
public final class OneTimeTokens {
  public static final String APPLICATION = "APPLICATION";
  public static final String RUNTIME = "RUNTIME";
  private static final SecureRandom RANDOM = new SecureRandom();
  private final Duration ttl;

  /** A new token, shown once. */
  public record Issued(String token, Instant createdAt, Instant expiresAt) {
    @Override
    public String toString() {
      return "Issued[token=***, expiresAt=" + expiresAt + "]";
    }
  }

  /** What a consumed token was for. */
  public record Owner(String tenant, String objectType, String objectId) {}

  OneTimeTokens(@Value("${compass.connector.token-ttl:5m}") Duration ttl) {
    this.ttl = ttl;
  }

  public Issued issue(Db.Tx tx, String tenant, String objectType, String objectId) throws SQLException {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
    Instant expires = now.plus(ttl);
    tx.update(
        "INSERT INTO compass_one_time_tokens (token_hash, tenant, object_type, object_id, created_at, expires_at)"
            + " VALUES (?, ?, ?, ?, ?, ?)",
        hash(token), tenant, objectType, objectId, now, expires);
    return new Issued(token, now, expires);
  }

  /** Marks the token used and says what it was for; unknown, used or expired tokens are refused. */
  public Owner consume(Db.Tx tx, String token) throws SQLException {
    if (token == null || token.isBlank()) {
      throw new CompassException("the connector-token header is required");
    }
    String hash = hash(token.trim());
    var owner =
        tx.queryOne(
            "UPDATE compass_one_time_tokens SET used_at = now() WHERE token_hash = ? AND used_at IS NULL"
                + " AND expires_at > now() RETURNING tenant, object_type, object_id",
            List.of(hash),
            rs -> new Owner(rs.getString(1), rs.getString(2), rs.getString(3)));
    if (owner.isPresent()) {
      return owner.get();
    }
    String reason =
        tx.queryOne(
                "SELECT CASE WHEN used_at IS NOT NULL THEN 'has already been used' ELSE 'has expired' END"
                    + " FROM compass_one_time_tokens WHERE token_hash = ?",
                List.of(hash),
                rs -> rs.getString(1))
            .orElse("is unknown");
    throw new CompassException("the one-time token " + reason + "; request a new one from the Director");
  }

  static String hash(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

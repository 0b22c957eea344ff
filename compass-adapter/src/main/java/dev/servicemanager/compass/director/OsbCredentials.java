package dev.servicemanager.compass.director;

import dev.servicemanager.compass.Db;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The {@code compass} broker's own basic credentials. A new random password (32 bytes) is made for
 * each registration; only its SHA-256 is stored ({@code compass_broker}), the plain text goes to the
 * core once. The check compares hashes in constant time, and re-reads the stored hash when the cached
 * one does not match (another server may have registered since).
 */
@Singleton
@Requires(property = OsbBroker.ENABLED, value = "true", defaultValue = "true")
@Requires(property = "compass.enabled", value = "true", defaultValue = "true")
public final class OsbCredentials {
  public static final String USERNAME = "compass-broker";
  private static final SecureRandom RANDOM = new SecureRandom();
  private final Db db;
  private volatile String cachedHash;

  OsbCredentials(Db db) {
    this.db = db;
  }

  /** A new password, whose hash is stored (committed) before it is returned. */
  public String newPassword() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    String password = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    String hash = sha256(password);
    db.write(tx -> tx.update(
        "INSERT INTO compass_broker (id, username, password_hash, updated_at) VALUES (1, ?, ?, ?)"
            + " ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username, password_hash = EXCLUDED.password_hash,"
            + " updated_at = EXCLUDED.updated_at",
        USERNAME, hash, ApplicationStore.now()));
    cachedHash = hash;
    return password;
  }

  /** Whether this {@code Authorization} header holds the broker's credentials. */
  public boolean check(String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      return false;
    }
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return false;
    }
    int colon = decoded.indexOf(':');
    if (colon < 0 || !USERNAME.equals(decoded.substring(0, colon))) {
      return false;
    }
    String hash = sha256(decoded.substring(colon + 1));
    if (matches(hash, cachedHash)) {
      return true;
    }
    Optional<String> stored = db.read(tx -> tx.queryOne("SELECT password_hash FROM compass_broker WHERE id = 1",
        List.of(), rs -> rs.getString(1)));
    stored.ifPresent(s -> cachedHash = s);
    return matches(hash, stored.orElse(null));
  }

  private static boolean matches(String hash, String expected) {
    return expected != null && MessageDigest.isEqual(hash.getBytes(StandardCharsets.US_ASCII),
        expected.getBytes(StandardCharsets.US_ASCII));
  }

  static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

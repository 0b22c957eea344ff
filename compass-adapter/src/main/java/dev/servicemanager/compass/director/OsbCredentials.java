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

/**
 * The {@code compass} broker's own basic credentials. A new random password (32 bytes) is made for
 * each registration; only its SHA-256 is stored ({@code compass_broker}), the plain text goes to the
 * core once. Until the core accepted it ({@link #confirm}) the new hash is {@code pending_hash} and
 * both passwords work, so a failed registration never locks the core out. The check compares hashes
 * in constant time, and re-reads the stored hashes when the cached ones do not match (another server
 * may have registered since).
 */
@Singleton
@Requires(property = OsbBroker.ENABLED, value = "true", defaultValue = "true")
@Requires(property = "compass.enabled", value = "true", defaultValue = "true")
public final class OsbCredentials {
  public static final String USERNAME = "compass-broker";
  private static final SecureRandom RANDOM = new SecureRandom();
  private final Db db;
  private volatile String[] cached = new String[2];

  OsbCredentials(Db db) {
    this.db = db;
  }

  /** A new password, whose hash is stored (committed) as pending before it is returned. */
  public String newPassword() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    String password = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    String hash = sha256(password);
    db.write(tx -> tx.update(
        "INSERT INTO compass_broker (id, username, pending_hash, updated_at) VALUES (1, ?, ?, ?)"
            + " ON CONFLICT (id) DO UPDATE SET username = EXCLUDED.username, pending_hash = EXCLUDED.pending_hash,"
            + " updated_at = EXCLUDED.updated_at",
        USERNAME, hash, ApplicationStore.now()));
    reload();
    return password;
  }

  /** The core accepted this password: it becomes the only one. */
  public void confirm(String password) {
    String hash = sha256(password);
    db.write(tx -> tx.update("UPDATE compass_broker SET password_hash = ?, pending_hash = NULL, updated_at = ?"
        + " WHERE id = 1 AND pending_hash = ?", hash, ApplicationStore.now(), hash));
    reload();
  }

  private String[] reload() {
    String[] stored = db.read(tx -> tx.queryOne("SELECT password_hash, pending_hash FROM compass_broker WHERE id = 1",
        List.of(), rs -> new String[] {rs.getString(1), rs.getString(2)})).orElse(new String[2]);
    cached = stored;
    return stored;
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
    String[] known = cached;
    if (matches(hash, known[0]) | matches(hash, known[1])) {
      return true;
    }
    known = reload();
    return matches(hash, known[0]) | matches(hash, known[1]);
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

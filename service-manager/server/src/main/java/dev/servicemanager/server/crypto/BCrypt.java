package dev.servicemanager.server.crypto;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * bcrypt checks for the password hashes that Peripli agents send with broker-platform
 * credentials ({@code $2a$}, {@code $2b$}, {@code $2y$}), done by the at.favre.lib bcrypt library.
 */
public final class BCrypt {
  private static final Pattern HASH = Pattern.compile("^\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}$");

  private BCrypt() {}

  /** Whether the value is a well-formed bcrypt hash (version, cost 4-31, 22+31 characters). */
  public static boolean isHash(String value) {
    return value != null && HASH.matcher(value).matches();
  }

  /** Whether the password matches the hash; false for anything that is not a bcrypt hash. */
  public static boolean matches(String password, String hash) {
    if (password == null || !isHash(hash)) {
      return false;
    }
    return at.favre.lib.crypto.bcrypt.BCrypt.verifyer()
        .verify(password.getBytes(StandardCharsets.UTF_8), hash.getBytes(StandardCharsets.UTF_8))
        .verified;
  }
}

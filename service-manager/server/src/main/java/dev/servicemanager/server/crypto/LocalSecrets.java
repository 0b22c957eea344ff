package dev.servicemanager.server.crypto;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Secrets generated once and kept in the data directory (owner-only file), for the embedded
 * default where nobody configured them. Creation is atomic, so two processes agree on one value.
 */
public final class LocalSecrets {
  private static final SecureRandom RANDOM = new SecureRandom();

  private LocalSecrets() {}

  /** 32 random bytes, base64 encoded. */
  public static String randomSecret() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }

  /** 32 random bytes, URL-safe base64 without padding (usable in basic auth and shell commands). */
  public static String randomToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public static String readOrCreate(Path file, java.util.function.Supplier<String> generator) {
    try {
      if (Files.exists(file)) {
        return Files.readString(file, StandardCharsets.UTF_8).trim();
      }
      Files.createDirectories(file.getParent());
      Path temp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
      try {
        restrict(temp);
        Files.writeString(temp, generator.get(), StandardCharsets.UTF_8);
        try {
          Files.createLink(file, temp);
        } catch (FileAlreadyExistsException raced) {
          // another process created it first; use theirs
        } catch (UnsupportedOperationException | IOException noLinks) {
          if (!Files.exists(file)) {
            Files.move(temp, file);
          }
        }
      } finally {
        Files.deleteIfExists(temp);
      }
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new UncheckedIOException("Could not read or create the secret file " + file, e);
    }
  }

  private static void restrict(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException notPosix) {
      // Windows: the user's profile directory already protects it
    }
  }
}

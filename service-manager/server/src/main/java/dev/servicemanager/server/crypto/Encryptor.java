package dev.servicemanager.server.crypto;

import io.micronaut.context.annotation.Property;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.inject.Singleton;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encryption at rest with AES-256-GCM. Each value gets a fresh 96-bit IV, and the owning
 * resource's id is authenticated data, so a ciphertext copied to another row does not decrypt.
 * Stored form: {@code v1:<base64(iv || ciphertext+tag)>}.
 */
@Singleton
public final class Encryptor {
  private static final String PREFIX = "v1:";
  private static final int IV_BYTES = 12;
  private static final int TAG_BITS = 128;
  private final SecretKey key;
  private final SecureRandom random = new SecureRandom();

  public Encryptor(
      @Value("${sm.encryption-key:}") String configuredKey,
      @Value("${sm.data-dir:./.service-manager}") String dataDir,
      @Property(name = "sm.embedded-database", defaultValue = "false") boolean embedded) {
    String encoded = configuredKey == null ? "" : configuredKey.trim();
    if (encoded.isEmpty()) {
      if (!embedded) {
        throw new ConfigurationException(
            "SM_ENCRYPTION_KEY is required with an external database: set it to the base64 of 32"
                + " random bytes (for example: openssl rand -base64 32), the same on every replica");
      }
      encoded = LocalSecrets.readOrCreate(Path.of(dataDir, "encryption.key"), LocalSecrets::randomSecret);
    }
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(encoded);
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException("SM_ENCRYPTION_KEY is not valid base64");
    }
    if (raw.length != 32) {
      throw new ConfigurationException(
          "SM_ENCRYPTION_KEY must be the base64 of exactly 32 bytes, got " + raw.length + " bytes");
    }
    this.key = new SecretKeySpec(raw, "AES");
  }

  public String encrypt(String plaintext, String boundTo) {
    try {
      byte[] iv = new byte[IV_BYTES];
      random.nextBytes(iv);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
      cipher.updateAAD(boundTo.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      return PREFIX
          + Base64.getEncoder()
              .encodeToString(ByteBuffer.allocate(iv.length + sealed.length).put(iv).put(sealed).array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM encryption failed", e);
    }
  }

  public String decrypt(String stored, String boundTo) {
    if (stored == null || !stored.startsWith(PREFIX)) {
      throw new IllegalStateException("Unknown ciphertext format");
    }
    try {
      byte[] all = Base64.getDecoder().decode(stored.substring(PREFIX.length()));
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, all, 0, IV_BYTES));
      cipher.updateAAD(boundTo.getBytes(StandardCharsets.UTF_8));
      byte[] plain = cipher.doFinal(all, IV_BYTES, all.length - IV_BYTES);
      return new String(plain, StandardCharsets.UTF_8);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      // Never include the value: the message may reach a log.
      throw new IllegalStateException(
          "Could not decrypt a stored secret: is SM_ENCRYPTION_KEY the key it was written with?");
    }
  }

  /** Hex SHA-256: how platform passwords are stored (they are random, so no slow hash is needed). */
  public static String sha256(String value) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      StringBuilder hex = new StringBuilder(64);
      for (byte b : digest) {
        hex.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
      }
      return hex.toString();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Constant-time comparison of a presented secret with a stored hash. */
  public static boolean matchesHash(String presented, String storedHash) {
    if (presented == null || storedHash == null) {
      return false;
    }
    return MessageDigest.isEqual(
        sha256(presented).getBytes(StandardCharsets.US_ASCII),
        storedHash.getBytes(StandardCharsets.US_ASCII));
  }
}

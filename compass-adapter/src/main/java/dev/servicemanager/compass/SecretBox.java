package dev.servicemanager.compass;

import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM with the key the Connector CA uses ({@code compass.encryption-key}, else {@code
 * sm.encryption-key}); stored form is base64 of iv (12 bytes) and ciphertext, as in {@code compass_ca}.
 * Used for secrets the adapter must read back (a provisioned runtime's kubeconfig). Without a key it
 * refuses to seal, so such secrets are never stored in plain text.
 */
@Singleton
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
public final class SecretBox {
  private static final SecureRandom RANDOM = new SecureRandom();
  private final byte[] key;

  SecretBox(@Value("${compass.encryption-key:}") String compassKey, @Value("${sm.encryption-key:}") String smKey) {
    String k = !compassKey.isBlank() ? compassKey : smKey;
    this.key = k.isBlank() ? null : Base64.getDecoder().decode(k.trim());
    if (key != null && key.length != 32) {
      throw new IllegalStateException("the encryption key must be the base64 of 32 bytes");
    }
  }

  public boolean available() {
    return key != null;
  }

  public String seal(String plain) {
    if (key == null) {
      throw new CompassException("no compass.encryption-key or sm.encryption-key is configured: secrets cannot be stored");
    }
    try {
      byte[] iv = new byte[12];
      RANDOM.nextBytes(iv);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
      byte[] sealed = cipher.doFinal(plain.getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder().encodeToString(ByteBuffer.allocate(iv.length + sealed.length).put(iv).put(sealed).array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("encryption failed: " + e.getClass().getSimpleName());
    }
  }

  /** The plain text, or empty when there is no key or it is not the key the text was sealed with. */
  public Optional<String> open(String stored) {
    if (key == null) {
      return Optional.empty();
    }
    try {
      byte[] all = Base64.getDecoder().decode(stored);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, all, 0, 12));
      return Optional.of(new String(cipher.doFinal(all, 12, all.length - 12), StandardCharsets.UTF_8));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}

package dev.servicemanager.server.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.servicemanager.server.crypto.Encryptor;
import dev.servicemanager.server.store.Sql;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;
import java.text.ParseException;
import java.util.List;
import java.util.UUID;

/**
 * The built-in issuer's RS256 key. It lives in the database (private part encrypted) rather than a
 * local file so that every replica signs and verifies with the same key, and tokens survive
 * restarts.
 */
@Singleton
public class SigningKeys {
  private static final String ID = "default";
  private final Sql sql;
  private final Encryptor encryptor;
  private volatile RSAKey key;

  SigningKeys(Sql sql, Encryptor encryptor) {
    this.sql = sql;
    this.encryptor = encryptor;
  }

  public RSAKey key() {
    RSAKey current = key;
    if (current == null) {
      current = load();
      key = current;
    }
    return current;
  }

  @Transactional
  protected RSAKey load() {
    try {
      RSAKey fresh = new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
      sql.update(
          "INSERT INTO signing_keys (id, public_jwk, private_key_encrypted) VALUES (?, ?, ?)"
              + " ON CONFLICT (id) DO NOTHING",
          ID,
          fresh.toPublicJWK().toJSONString(),
          encryptor.encrypt(fresh.toJSONString(), "signing_keys/" + ID));
      String stored =
          sql.queryOne(
                  "SELECT private_key_encrypted FROM signing_keys WHERE id = ?",
                  List.of(ID),
                  rs -> rs.getString(1))
              .orElseThrow();
      return RSAKey.parse(encryptor.decrypt(stored, "signing_keys/" + ID));
    } catch (JOSEException | ParseException e) {
      throw new IllegalStateException("Could not create or read the token signing key", e);
    }
  }
}

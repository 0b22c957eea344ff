package dev.servicemanager.server.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import io.micronaut.context.annotation.Requires;
import io.micronaut.security.token.jwt.signature.SignatureConfiguration;
import jakarta.inject.Singleton;

/** Verifies tokens of the built-in issuer with its public key. */
@Singleton
@Requires(property = "sm.token.issuer-url", pattern = "^\\s*$", defaultValue = "")
final class BuiltInSignature implements SignatureConfiguration {
  private final SigningKeys keys;

  BuiltInSignature(SigningKeys keys) {
    this.keys = keys;
  }

  @Override
  public String supportedAlgorithmsMessage() {
    return "Only the RS256 JWS algorithm is supported";
  }

  @Override
  public boolean supports(JWSAlgorithm algorithm) {
    return JWSAlgorithm.RS256.equals(algorithm);
  }

  @Override
  public boolean verify(SignedJWT jwt) throws JOSEException {
    String kid = jwt.getHeader().getKeyID();
    if (kid != null && !kid.equals(keys.key().getKeyID())) {
      return false;
    }
    return jwt.verify(new RSASSAVerifier(keys.key().toRSAPublicKey()));
  }
}

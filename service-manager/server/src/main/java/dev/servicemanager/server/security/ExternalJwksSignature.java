package dev.servicemanager.server.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import io.micronaut.context.annotation.Requires;
import io.micronaut.security.token.jwt.signature.SignatureConfiguration;
import jakarta.inject.Singleton;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies tokens of an external OIDC issuer against its JWKS. The key set is cached and fetched
 * again when a token names an unknown key id (key rotation), at most every 30 seconds.
 */
@Singleton
@Requires(property = "sm.token.issuer-url", pattern = ".*\\S.*")
final class ExternalJwksSignature implements SignatureConfiguration {
  private static final Logger LOG = LoggerFactory.getLogger(ExternalJwksSignature.class);
  private static final Duration MIN_REFRESH = Duration.ofSeconds(30);
  private final TokenSettings settings;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private volatile JWKSet keys = new JWKSet();
  private volatile Instant fetchedAt = Instant.EPOCH;

  ExternalJwksSignature(TokenSettings settings) {
    this.settings = settings;
  }

  @Override
  public String supportedAlgorithmsMessage() {
    return "Only RS256 tokens are supported";
  }

  @Override
  public boolean supports(JWSAlgorithm algorithm) {
    return JWSAlgorithm.RS256.equals(algorithm);
  }

  @Override
  public boolean verify(SignedJWT jwt) throws JOSEException {
    String kid = jwt.getHeader().getKeyID();
    JWK jwk = find(kid);
    if (jwk == null && refreshAllowed()) {
      refresh();
      jwk = find(kid);
    }
    return jwk instanceof RSAKey rsa && jwt.verify(new RSASSAVerifier(rsa.toRSAPublicKey()));
  }

  private JWK find(String kid) {
    if (kid == null) {
      return keys.getKeys().stream().filter(k -> k instanceof RSAKey).findFirst().orElse(null);
    }
    return keys.getKeyByKeyId(kid);
  }

  private boolean refreshAllowed() {
    return Instant.now().isAfter(fetchedAt.plus(MIN_REFRESH));
  }

  private synchronized void refresh() {
    if (!refreshAllowed()) {
      return;
    }
    fetchedAt = Instant.now();
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create(settings.jwksUrl()))
                  .timeout(Duration.ofSeconds(10))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        LOG.warn("JWKS {} answered {}", settings.jwksUrl(), response.statusCode());
        return;
      }
      keys = JWKSet.parse(response.body());
    } catch (Exception e) {
      LOG.warn("Could not fetch the JWKS from {}: {}", settings.jwksUrl(), e.toString());
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }
  }
}

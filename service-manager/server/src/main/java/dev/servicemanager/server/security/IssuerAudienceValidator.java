package dev.servicemanager.server.security;

import io.micronaut.http.HttpRequest;
import io.micronaut.security.token.Claims;
import io.micronaut.security.token.jwt.validator.GenericJwtClaimsValidator;
import jakarta.inject.Singleton;
import java.util.Collection;

/** A token is accepted only from the configured issuer and, when set, for the configured audience. */
@Singleton
final class IssuerAudienceValidator implements GenericJwtClaimsValidator<HttpRequest<?>> {
  private final TokenSettings settings;

  IssuerAudienceValidator(TokenSettings settings) {
    this.settings = settings;
  }

  @Override
  public boolean validate(Claims claims, HttpRequest<?> request) {
    Object issuer = claims.get(Claims.ISSUER);
    if (issuer == null || !settings.issuer().equals(issuer.toString())) {
      return false;
    }
    String audience = settings.audience();
    if (audience.isEmpty()) {
      return true;
    }
    Object aud = claims.get(Claims.AUDIENCE);
    if (aud instanceof Collection<?> values) {
      return values.stream().anyMatch(v -> audience.equals(String.valueOf(v)));
    }
    return aud != null && audience.equals(aud.toString());
  }
}

package dev.servicemanager.server.security;

import dev.servicemanager.server.registry.PlatformService;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.authentication.AuthenticationFailureReason;
import io.micronaut.security.authentication.AuthenticationRequest;
import io.micronaut.security.authentication.AuthenticationResponse;
import io.micronaut.security.authentication.provider.HttpRequestExecutorAuthenticationProvider;
import jakarta.inject.Provider;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;

/** HTTP basic with a platform's generated credentials (the current pair, or the old one while rotating). */
@Singleton
final class PlatformAuthenticationProvider<B> implements HttpRequestExecutorAuthenticationProvider<B> {
  // Lazy: Micronaut Data's operations check for authenticators while they are created, and
  // PlatformService needs those operations, which would otherwise be a cycle.
  private final Provider<PlatformService> platforms;

  PlatformAuthenticationProvider(Provider<PlatformService> platforms) {
    this.platforms = platforms;
  }

  @Override
  public AuthenticationResponse authenticate(
      HttpRequest<B> request, AuthenticationRequest<String, String> credentials) {
    return platforms
        .get()
        .authenticate(credentials.getIdentity(), credentials.getSecret())
        .map(
            platformId ->
                AuthenticationResponse.success(
                    platformId, List.of(Callers.PLATFORM_ROLE), Map.of(Callers.PLATFORM_ID, platformId)))
        .orElseGet(() -> AuthenticationResponse.failure(AuthenticationFailureReason.CREDENTIALS_DO_NOT_MATCH));
  }
}

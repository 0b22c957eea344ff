package dev.servicemanager.server.security;

import dev.servicemanager.server.credentials.BrokerCredentials;
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
import java.util.Optional;

/** HTTP basic with a platform's generated credentials (the current pair, or the old one while rotating). */
@Singleton
final class PlatformAuthenticationProvider<B> implements HttpRequestExecutorAuthenticationProvider<B> {
  // Lazy: Micronaut Data's operations check for authenticators while they are created, and
  // PlatformService needs those operations, which would otherwise be a cycle.
  private static final String OSB_PREFIX = "/v1/osb/";
  private final Provider<PlatformService> platforms;
  private final Provider<BrokerCredentials> brokerCredentials;

  PlatformAuthenticationProvider(Provider<PlatformService> platforms, Provider<BrokerCredentials> brokerCredentials) {
    this.platforms = platforms;
    this.brokerCredentials = brokerCredentials;
  }

  @Override
  public AuthenticationResponse authenticate(
      HttpRequest<B> request, AuthenticationRequest<String, String> credentials) {
    // On /v1/osb/{broker_id} the broker-platform credentials of that broker come first, with the
    // platform's own credentials as fallback (reference section 5).
    Optional<String> caller = Optional.empty();
    String brokerId = osbBrokerId(request.getPath());
    if (brokerId != null) {
      caller = brokerCredentials.get().authenticate(brokerId, credentials.getIdentity(), credentials.getSecret());
    }
    if (caller.isEmpty()) {
      caller = platforms.get().authenticate(credentials.getIdentity(), credentials.getSecret());
    }
    return caller
        .map(
            platformId ->
                AuthenticationResponse.success(
                    platformId, List.of(Callers.PLATFORM_ROLE), Map.of(Callers.PLATFORM_ID, platformId)))
        .orElseGet(() -> AuthenticationResponse.failure(AuthenticationFailureReason.CREDENTIALS_DO_NOT_MATCH));
  }

  private static String osbBrokerId(String path) {
    if (path == null || !path.startsWith(OSB_PREFIX)) {
      return null;
    }
    String rest = path.substring(OSB_PREFIX.length());
    int slash = rest.indexOf('/');
    String id = slash < 0 ? rest : rest.substring(0, slash);
    return id.isEmpty() ? null : id;
  }
}

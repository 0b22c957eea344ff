package dev.servicemanager.server.security;

import dev.servicemanager.server.credentials.BrokerCredentials;
import dev.servicemanager.server.crypto.Encryptor;
import dev.servicemanager.server.events.RegistryVersion;
import dev.servicemanager.server.registry.PlatformIdentity;
import dev.servicemanager.server.registry.PlatformService;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.authentication.AuthenticationFailureReason;
import io.micronaut.security.authentication.AuthenticationRequest;
import io.micronaut.security.authentication.AuthenticationResponse;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.security.authentication.provider.HttpRequestReactiveAuthenticationProvider;
import jakarta.inject.Named;
import jakarta.inject.Provider;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * HTTP basic with a platform's generated credentials (the current pair, or the old one while
 * rotating).
 *
 * <p>Platforms send the same pair on every OSB call, so successful checks are remembered in memory
 * (keyed by a SHA-256 digest of the password, never the password) until anything about platforms or
 * credentials changes on any server ({@link RegistryVersion}). Failures are never remembered.
 * A remembered pair is answered on the calling thread; only a database check moves to the
 * blocking executor (an executor-based provider would hop threads on every request).
 */
@Singleton
final class PlatformAuthenticationProvider<B> implements HttpRequestReactiveAuthenticationProvider<B> {
  private static final String OSB_PREFIX = "/v1/osb/";
  private static final int MAX_CACHED = 10_000;
  private static final Duration MAX_AGE = Duration.ofSeconds(60);

  private record Key(String brokerId, String username, String passwordDigest) {}

  // Lazy: Micronaut Data's operations check for authenticators while they are created, and
  // PlatformService needs those operations, which would otherwise be a cycle.
  private final Provider<PlatformService> platforms;
  private final Provider<BrokerCredentials> brokerCredentials;
  private final Provider<RegistryVersion> registryVersion;
  private final Scheduler blocking;
  private volatile RegistryVersion.Cache<Key, PlatformIdentity> verified;

  PlatformAuthenticationProvider(
      Provider<PlatformService> platforms,
      Provider<BrokerCredentials> brokerCredentials,
      Provider<RegistryVersion> registryVersion,
      @Named(TaskExecutors.BLOCKING) ExecutorService blocking) {
    this.platforms = platforms;
    this.brokerCredentials = brokerCredentials;
    this.registryVersion = registryVersion;
    this.blocking = Schedulers.fromExecutorService(blocking);
  }

  @Override
  public Publisher<AuthenticationResponse> authenticate(
      HttpRequest<B> request, AuthenticationRequest<String, String> credentials) {
    String username = credentials.getIdentity();
    String password = credentials.getSecret();
    if (username == null || username.isEmpty() || password == null) {
      return Mono.just(AuthenticationResponse.failure(AuthenticationFailureReason.CREDENTIALS_DO_NOT_MATCH));
    }
    Key key = new Key(osbBrokerId(request.getPath()), username, Encryptor.sha256(password));
    PlatformIdentity remembered = cache().getIfPresent(key);
    if (remembered != null) {
      return Mono.just(response(remembered));
    }
    return Mono.fromCallable(() -> response(cache().get(key, k -> verify(k, password)))).subscribeOn(blocking);
  }

  private static AuthenticationResponse response(PlatformIdentity platform) {
    if (platform == null) {
      return AuthenticationResponse.failure(AuthenticationFailureReason.CREDENTIALS_DO_NOT_MATCH);
    }
    return AuthenticationResponse.success(
        platform.id(),
        List.of(Callers.PLATFORM_ROLE),
        Map.of(
            Callers.PLATFORM_ID, platform.id(),
            Callers.PLATFORM_NAME, platform.name(),
            Callers.PLATFORM_TYPE, platform.type(),
            Callers.PLATFORM_SUSPENDED, platform.suspended()));
  }

  // On /v1/osb/{broker_id} the broker-platform credentials of that broker come first, with the
  // platform's own credentials as fallback (reference section 5).
  private PlatformIdentity verify(Key key, String password) {
    Optional<PlatformIdentity> platform = Optional.empty();
    if (key.brokerId() != null) {
      platform =
          brokerCredentials.get().authenticate(key.brokerId(), key.username(), password)
              .flatMap(id -> platforms.get().identity(id));
    }
    if (platform.isEmpty()) {
      platform = platforms.get().authenticate(key.username(), password);
    }
    return platform.orElse(null);
  }

  private RegistryVersion.Cache<Key, PlatformIdentity> cache() {
    RegistryVersion.Cache<Key, PlatformIdentity> cache = verified;
    if (cache == null) {
      cache = registryVersion.get().cache(MAX_CACHED, MAX_AGE);
      verified = cache;
    }
    return cache;
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

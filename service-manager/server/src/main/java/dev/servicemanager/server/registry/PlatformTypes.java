package dev.servicemanager.server.registry;

import dev.servicemanager.server.security.Callers;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.security.authentication.Authentication;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The one rule for what a platform's visibilities narrow (reference 2.12 and 3.3). Platforms of a
 * self-enforcing type ({@code sm.platforms.self-enforcing-types}, default {@code cloudfoundry})
 * enforce plan access themselves once their agent has synced the visibilities, so they read every
 * broker, offering and plan, and their OSB catalog is narrowed only by plan metadata
 * ({@code supportedPlatforms}, {@code supportedPlatformNames}, {@code excludedPlatformNames}).
 * Every other type (kubernetes, Compass runtimes, unknown types) sees only what its visibilities
 * or public ones reach. Visibilities themselves are always narrowed to the platform's and public ones.
 */
@Singleton
public final class PlatformTypes {
  private final Set<String> selfEnforcing;

  PlatformTypes(@Value("${sm.platforms.self-enforcing-types:cloudfoundry}") List<String> selfEnforcing) {
    this.selfEnforcing =
        selfEnforcing.stream()
            .map(t -> t.trim().toLowerCase(Locale.ROOT))
            .filter(t -> !t.isEmpty())
            .collect(Collectors.toUnmodifiableSet());
  }

  /** Whether platforms of this type enforce visibilities themselves. */
  public boolean selfEnforcing(String type) {
    return type != null && selfEnforcing.contains(type.toLowerCase(Locale.ROOT));
  }

  /**
   * The platform whose visibilities narrow the broker, offering and plan lists for this caller:
   * empty for administrators and for self-enforcing platforms.
   */
  public Optional<String> catalogNarrowedTo(@Nullable Authentication auth) {
    Optional<String> platform = Callers.platformId(auth);
    if (platform.isPresent() && selfEnforcing(String.valueOf(auth.getAttributes().get(Callers.PLATFORM_TYPE)))) {
      return Optional.empty();
    }
    return platform;
  }

  /**
   * Peripli's {@code SupportsPlatformInstance}: excluded names win, then supported names, then
   * supported types; a plan without any of them supports every platform.
   */
  public static boolean planSupports(@Nullable Map<String, Object> metadata, String platformName, String platformType) {
    if (metadata == null) {
      return true;
    }
    List<String> excluded = strings(metadata.get("excludedPlatformNames"));
    if (!excluded.isEmpty()) {
      return !excluded.contains(platformName);
    }
    List<String> names = strings(metadata.get("supportedPlatformNames"));
    if (!names.isEmpty()) {
      return names.contains(platformName);
    }
    List<String> types = strings(metadata.get("supportedPlatforms"));
    return types.isEmpty() || types.contains(platformType);
  }

  private static List<String> strings(Object value) {
    return value instanceof List<?> list ? list.stream().map(String::valueOf).toList() : List.of();
  }
}

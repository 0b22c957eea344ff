package dev.servicemanager.compass.director;

import dev.servicemanager.spi.access.Caller;
import dev.servicemanager.spi.access.RouteAccess;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;

/**
 * Lets every request to {@value #PREFIX} through to {@link OsbController}, which checks the
 * broker's own basic credentials (they are not a platform's, so the core does not know them).
 */
@Singleton
@Requires(property = OsbBroker.ENABLED, value = "true", defaultValue = "true")
@Requires(property = "compass.enabled", value = "true", defaultValue = "true")
final class OsbAccess implements RouteAccess {
  static final String PREFIX = "/compass/osb";

  @Override
  public Decision decide(String method, String path, @Nullable Caller caller) {
    if (path.contains("..") || path.contains("//")) {
      return Decision.NOT_MINE; // never open anything but the plain prefix
    }
    return path.equals(PREFIX) || path.startsWith(PREFIX + "/") ? Decision.ALLOW : Decision.NOT_MINE;
  }
}

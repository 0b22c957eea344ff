package dev.servicemanager.server.security;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.security.authentication.Authentication;
import java.util.Optional;

/** Who is calling: an administrator (a bearer token) or a platform (its basic credentials). */
public final class Callers {
  public static final String PLATFORM_ROLE = "sm:platform";
  public static final String PLATFORM_ID = "sm_platform_id";
  // What the OSB endpoint's checks need, carried from authentication so they need no read.
  public static final String PLATFORM_NAME = "sm_platform_name";
  public static final String PLATFORM_TYPE = "sm_platform_type";
  public static final String PLATFORM_SUSPENDED = "sm_platform_suspended";

  private Callers() {}

  /** The calling platform's id, or empty for administrators. */
  public static Optional<String> platformId(@Nullable Authentication authentication) {
    if (authentication == null || !authentication.getRoles().contains(PLATFORM_ROLE)) {
      return Optional.empty();
    }
    Object id = authentication.getAttributes().get(PLATFORM_ID);
    return Optional.ofNullable(id).map(Object::toString);
  }
}

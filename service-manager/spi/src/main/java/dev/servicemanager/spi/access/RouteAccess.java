package dev.servicemanager.spi.access;

import io.micronaut.core.annotation.Nullable;

/**
 * A plugin's access rules for the routes it serves. The core consults every {@code RouteAccess} bean
 * before its own matrix; the first one that does not answer {@link Decision#NOT_MINE} decides. A
 * plugin answers only for its own path prefix, so core routes can never be opened by a plugin.
 *
 * <p>Unauthenticated callers that are refused get 401, authenticated ones 403, as for core routes.
 */
public interface RouteAccess {
  enum Decision {
    ALLOW,
    DENY,
    NOT_MINE
  }

  /**
   * @param method the HTTP method, upper case
   * @param path the request path without query
   * @param caller who is calling, or {@code null} when the request carried no valid credentials
   */
  Decision decide(String method, String path, @Nullable Caller caller);
}

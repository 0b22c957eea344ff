package dev.servicemanager.spi.access;

import io.micronaut.http.HttpRequest;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Who is calling, as the core authenticated them, handed to a plugin's {@link RouteAccess}.
 *
 * @param subject the token's subject or the platform's user name
 * @param platformId the platform's id when the caller used platform basic credentials, else empty
 * @param scopes the OAuth2 scopes of a bearer token ({@code scope} or {@code scp} claim); the built-in
 *     issuer's administrator tokens carry {@value #ADMIN_SCOPE}
 * @param claims every other attribute of the authentication (token claims such as {@code tenant})
 */
public record Caller(String subject, Optional<String> platformId, Set<String> scopes, Map<String, Object> claims) {
  /**
   * The request attribute under which the core leaves the caller on every request a plugin's
   * {@link RouteAccess} decided, so the plugin's controllers see the same caller (see {@link #of}).
   */
  public static final String REQUEST_ATTRIBUTE = Caller.class.getName();

  /** The scope of the built-in issuer's administrator client: allowed everything. */
  public static final String ADMIN_SCOPE = "sm.admin";

  public Caller {
    scopes = Set.copyOf(scopes);
    claims = Map.copyOf(claims);
  }

  /** The caller the core authenticated for this request to a plugin route; empty when unauthenticated. */
  public static Optional<Caller> of(HttpRequest<?> request) {
    return request.getAttribute(REQUEST_ATTRIBUTE, Caller.class);
  }

  public boolean isPlatform() {
    return platformId.isPresent();
  }

  /** An administrator, or a bearer token holding {@code scope}. Platforms never hold scopes. */
  public boolean hasScope(String scope) {
    return !isPlatform() && (scopes.contains(ADMIN_SCOPE) || scopes.contains(scope));
  }
}

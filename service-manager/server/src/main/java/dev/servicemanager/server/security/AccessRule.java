package dev.servicemanager.server.security;

import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRule;
import io.micronaut.security.rules.SecurityRuleResult;
import dev.servicemanager.spi.access.Caller;
import dev.servicemanager.spi.access.RouteAccess;
import jakarta.inject.Singleton;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.reactivestreams.Publisher;
import io.micronaut.core.async.publisher.Publishers;

/**
 * The whole access matrix in one place (Peripli's authn.go, reference section 5):
 *
 * <ul>
 *   <li>public: {@code /v1/info}, {@code /v1/monitor/health}, {@code /v1/monitor/alive}, the token endpoint, OIDC discovery,
 *       the JWKS and the OpenAPI document;
 *   <li>platform basic credentials: GET on the registry collections and their items, which is what
 *       a broker proxy reads for a resync (the results are narrowed to what the platform may see);
 *   <li>platform basic credentials only: every method under {@code /v1/osb/}, the OSB endpoint
 *       (reference 3.2). An administrator's token is refused there (403): OSB calls act for a
 *       platform, and an administrator is none;
 *   <li>platform basic credentials only: the notifications websocket ({@code GET /v1/notifications})
 *       and the broker-platform credentials ({@code PUT /v1/credentials}, {@code PUT
 *       /v1/credentials/{id}/activate}); on {@code /v1/osb/{broker_id}} the broker-platform
 *       credentials of that broker authenticate as their platform;
 *   <li>everything else: an administrator's bearer token, i.e. one whose {@code scope} (or {@code
 *       scp}) holds {@code sm.token.admin-scope} ({@code sm.admin}, what the built-in issuer grants
 *       its admin client).
 * </ul>
 *
 * Plugins add rules for their own routes through {@link RouteAccess} beans, which are asked first
 * (after the public core routes); a plugin answers only for its own prefix.
 *
 * A missing or invalid credential is 401; a platform asking for more is 403.
 */
@Singleton
final class AccessRule implements SecurityRule<HttpRequest<?>> {
  private static final Pattern PUBLIC =
      Pattern.compile("^/(v1/info|v1/monitor/health|v1/monitor/alive|oauth/token|\\.well-known/[a-z-]+(\\.json)?|openapi/.*)$");
  private static final Pattern PLATFORM_READABLE =
      Pattern.compile(
          "^/v1/(platforms|service_brokers|service_offerings|service_plans|visibilities)(/[^/]+)?/?$");
  private static final String OSB_PREFIX = "/v1/osb/";
  private static final Pattern PLATFORM_ONLY_PUT = Pattern.compile("^/v1/credentials(/[^/]+/activate)?/?$");
  private static final String NOTIFICATIONS = "/v1/notifications";

  private final List<RouteAccess> pluginRules;
  private final String adminScope;

  AccessRule(List<RouteAccess> pluginRules, @Value("${sm.token.admin-scope:sm.admin}") String adminScope) {
    this.pluginRules = List.copyOf(pluginRules);
    this.adminScope = adminScope.trim();
  }

  @Override
  public int getOrder() {
    return HIGHEST_PRECEDENCE;
  }

  @Override
  public Publisher<SecurityRuleResult> check(
      HttpRequest<?> request, @Nullable Authentication authentication) {
    return Publishers.just(decide(request, authentication));
  }

  private SecurityRuleResult decide(HttpRequest<?> request, Authentication authentication) {
    String path = request.getPath();
    if (PUBLIC.matcher(path).matches()) {
      return SecurityRuleResult.ALLOWED;
    }
    if (!pluginRules.isEmpty()) {
      Caller caller = authentication == null ? null : caller(authentication);
      for (RouteAccess rule : pluginRules) {
        RouteAccess.Decision decision = rule.decide(request.getMethodName(), path, caller);
        if (decision != RouteAccess.Decision.NOT_MINE) {
          if (caller != null) {
            request.setAttribute(Caller.REQUEST_ATTRIBUTE, caller);
          }
          return decision == RouteAccess.Decision.ALLOW ? SecurityRuleResult.ALLOWED : SecurityRuleResult.REJECTED;
        }
      }
    }
    if (authentication == null) {
      return SecurityRuleResult.REJECTED;
    }
    boolean platform = Callers.platformId(authentication).isPresent();
    if (path.startsWith(OSB_PREFIX)) {
      return platform ? SecurityRuleResult.ALLOWED : SecurityRuleResult.REJECTED;
    }
    if (path.equals(NOTIFICATIONS) || path.equals(NOTIFICATIONS + "/")) {
      return platform && request.getMethod() == HttpMethod.GET ? SecurityRuleResult.ALLOWED : SecurityRuleResult.REJECTED;
    }
    if (PLATFORM_ONLY_PUT.matcher(path).matches()) {
      return platform && request.getMethod() == HttpMethod.PUT ? SecurityRuleResult.ALLOWED : SecurityRuleResult.REJECTED;
    }
    if (!platform) {
      // A bearer token is not enough: an external issuer also issues tokens for plugins' users (a
      // Compass tenant, a control-plane reader); only the administrator scope opens the admin API.
      return caller(authentication).scopes().contains(adminScope) ? SecurityRuleResult.ALLOWED : SecurityRuleResult.REJECTED;
    }
    boolean read = request.getMethod() == HttpMethod.GET;
    return read && PLATFORM_READABLE.matcher(path).matches()
        ? SecurityRuleResult.ALLOWED
        : SecurityRuleResult.REJECTED;
  }

  static Caller caller(Authentication authentication) {
    Map<String, Object> claims = new HashMap<>(authentication.getAttributes());
    claims.values().removeIf(java.util.Objects::isNull);
    Set<String> scopes = new LinkedHashSet<>();
    if (claims.get("scope") instanceof String s) {
      for (String scope : s.trim().split("\\s+")) {
        if (!scope.isEmpty()) {
          scopes.add(scope);
        }
      }
    }
    if (claims.get("scp") instanceof Collection<?> list) {
      list.forEach(scope -> scopes.add(String.valueOf(scope)));
    }
    return new Caller(authentication.getName(), Callers.platformId(authentication), scopes, claims);
  }
}

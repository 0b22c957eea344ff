package dev.servicemanager.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.spi.access.Caller;
import dev.servicemanager.spi.access.RouteAccess;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.security.rules.SecurityRuleResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

class AccessRuleTest {
  private final List<Caller> seen = new ArrayList<>();

  /** A plugin that owns /plugin/ and lets through only callers holding plugin.write for POST. */
  private final RouteAccess plugin =
      (method, path, caller) -> {
        if (!path.startsWith("/plugin/")) {
          return RouteAccess.Decision.NOT_MINE;
        }
        seen.add(caller);
        if (path.equals("/plugin/public")) {
          return RouteAccess.Decision.ALLOW;
        }
        return caller != null && (!method.equals("POST") || caller.hasScope("plugin.write"))
            ? RouteAccess.Decision.ALLOW
            : RouteAccess.Decision.DENY;
      };

  private final AccessRule rule = new AccessRule(List.of(plugin), "sm.admin");

  private SecurityRuleResult check(HttpRequest<?> request, Authentication authentication) {
    return Mono.from(rule.check(request, authentication)).block();
  }

  @Test
  void pluginDecidesForItsOwnPrefixWithScopesAndClaims() {
    Authentication reader = Authentication.build("alice", Map.of("scope", "plugin.read other", "tenant", "t1"));
    Authentication writer = Authentication.build("bob", Map.of("scp", List.of("plugin.write")));

    assertThat(check(HttpRequest.GET("/plugin/public"), null)).isEqualTo(SecurityRuleResult.ALLOWED);
    assertThat(check(HttpRequest.GET("/plugin/state"), null)).isEqualTo(SecurityRuleResult.REJECTED);
    assertThat(check(HttpRequest.GET("/plugin/state"), reader)).isEqualTo(SecurityRuleResult.ALLOWED);
    assertThat(check(HttpRequest.POST("/plugin/rpc", "{}"), reader)).isEqualTo(SecurityRuleResult.REJECTED);
    HttpRequest<?> written = HttpRequest.POST("/plugin/rpc", "{}");
    assertThat(check(written, writer)).isEqualTo(SecurityRuleResult.ALLOWED);
    // The plugin's controller sees the same caller.
    assertThat(Caller.of(written)).hasValueSatisfying(c -> assertThat(c.subject()).isEqualTo("bob"));

    Caller alice = seen.get(2);
    assertThat(alice.subject()).isEqualTo("alice");
    assertThat(alice.scopes()).containsExactlyInAnyOrder("plugin.read", "other");
    assertThat(alice.claims()).containsEntry("tenant", "t1");
    assertThat(alice.isPlatform()).isFalse();
  }

  @Test
  void theAdminApiNeedsTheAdminScopeNotJustAValidToken() {
    Authentication tenantUser = Authentication.build("carol", Map.of("scope", "compass.read", "tenant", "t1"));
    Authentication admin = Authentication.build("admin", Map.of("scope", "sm.admin"));
    assertThat(check(HttpRequest.GET("/v1/platforms"), tenantUser)).isEqualTo(SecurityRuleResult.REJECTED);
    assertThat(check(HttpRequest.DELETE("/v1/service_brokers/x"), tenantUser)).isEqualTo(SecurityRuleResult.REJECTED);
    assertThat(check(HttpRequest.GET("/v1/platforms"), admin)).isEqualTo(SecurityRuleResult.ALLOWED);
  }

  @Test
  void platformsNeverHoldScopesAndCoreRoutesStayWithTheCore() {
    Authentication platform =
        Authentication.build("cf-user", List.of(Callers.PLATFORM_ROLE), Map.of(Callers.PLATFORM_ID, "p1", "scope", "plugin.write"));
    assertThat(check(HttpRequest.POST("/plugin/rpc", "{}"), platform)).isEqualTo(SecurityRuleResult.REJECTED);
    assertThat(seen.get(0).platformId()).contains("p1");

    // The plugin is not asked about core routes; the core matrix still refuses a platform there.
    assertThat(check(HttpRequest.DELETE("/v1/platforms/x"), platform)).isEqualTo(SecurityRuleResult.REJECTED);
    assertThat(check(HttpRequest.GET("/v1/info"), null)).isEqualTo(SecurityRuleResult.ALLOWED);
    assertThat(check(HttpRequest.GET("/v1/monitor/alive"), null)).isEqualTo(SecurityRuleResult.ALLOWED);
    assertThat(seen).hasSize(1);
  }
}

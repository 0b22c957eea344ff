package dev.servicemanager.controlplane.rpc;

import dev.servicemanager.spi.access.Caller;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.security.authentication.Authentication;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The HTTP envelope of JSON-RPC: {@code POST /control-plane/rpc}. Always 200 with a JSON-RPC response
 * (errors included, as JSON-RPC over HTTP does), or 204 when the request held only notifications.
 * 401/403 come from the server's security before this runs (see {@link ControlPlaneAccess}).
 */
@Controller("/control-plane")
@Requires(property = "control-plane.enabled", notEquals = "false")
final class RpcController {
  private final JsonRpc rpc;

  RpcController(JsonRpc rpc) {
    this.rpc = rpc;
  }

  // The body is read as text so that malformed JSON is ours to answer (-32700), not the framework's.
  @Post(uri = "/rpc", consumes = {MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN}, produces = MediaType.APPLICATION_JSON)
  HttpResponse<String> rpc(@Nullable @Body String body, @Nullable Authentication authentication) {
    Optional<String> response = rpc.handle(body, caller(authentication));
    return response.isPresent()
        ? HttpResponse.ok(response.get()).contentType(MediaType.APPLICATION_JSON_TYPE)
        : HttpResponse.noContent();
  }

  /** The same view of the caller the server hands to RouteAccess (scopes from scope/scp claims). */
  static Caller caller(@Nullable Authentication authentication) {
    if (authentication == null) {
      return new Caller("anonymous", Optional.empty(), Set.of(), Map.of());
    }
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
    // Platforms (basic credentials) carry the server's platform role; they never hold scopes.
    Optional<String> platform = authentication.getRoles().contains("sm:platform")
        ? Optional.of(String.valueOf(claims.getOrDefault("sm_platform_id", authentication.getName())))
        : Optional.empty();
    return new Caller(authentication.getName(), platform, scopes, claims);
  }
}

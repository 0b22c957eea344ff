package dev.servicemanager.controlplane.rpc;

import dev.servicemanager.spi.access.Caller;
import dev.servicemanager.spi.access.RouteAccess;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.util.Set;

/**
 * Who may call the plugin's routes. The page's static files and the health check are public (they
 * hold no data; the page asks for a token). The RPC endpoint, the event stream and the metrics need a
 * bearer token with {@code control-plane.read} or {@code control-plane.write} (the admin scope covers
 * both); which methods a read-only token may call is decided per call (-32003). No credentials: 401.
 */
@Singleton
@Requires(property = "control-plane.enabled", notEquals = "false")
final class ControlPlaneAccess implements RouteAccess {
  static final String PREFIX = "/control-plane";
  private static final Set<String> PUBLIC = Set.of(
      PREFIX, PREFIX + "/", PREFIX + "/index.html", PREFIX + "/app.js", PREFIX + "/app.css", PREFIX + "/health");
  private static final Set<String> READABLE = Set.of(PREFIX + "/events", PREFIX + "/metrics");

  @Override
  public Decision decide(String method, String path, @Nullable Caller caller) {
    if (!path.equals(PREFIX) && !path.startsWith(PREFIX + "/")) {
      return Decision.NOT_MINE;
    }
    if (method.equals("GET") && PUBLIC.contains(path)) {
      return Decision.ALLOW;
    }
    if (caller == null) {
      return Decision.DENY;
    }
    boolean reader = caller.hasScope(JsonRpc.READ_SCOPE) || caller.hasScope(JsonRpc.WRITE_SCOPE);
    if (path.equals(PREFIX + "/rpc") && method.equals("POST")) {
      return reader ? Decision.ALLOW : Decision.DENY;
    }
    if (method.equals("GET") && READABLE.contains(path)) {
      return reader ? Decision.ALLOW : Decision.DENY;
    }
    return Decision.DENY;
  }
}

package dev.servicemanager.compass;

import dev.servicemanager.spi.access.Caller;
import dev.servicemanager.spi.access.RouteAccess;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;

/**
 * Who may call the adapter's routes:
 *
 * <ul>
 *   <li>{@value #DIRECTOR}: a bearer token (never platform basic credentials) holding {@value
 *       #READ}, {@value #WRITE} or {@code sm.admin}; which of them the operation needs (read for
 *       queries, write for mutations) and the tenant are checked by the Director itself, which sees
 *       the body and the {@code Tenant} header;
 *   <li>{@value #PROVISIONER}: the same as the Director (tenant and scopes checked by its controller);
 *   <li>{@value #CONNECTOR}: anyone, because the {@code connector-token} header is the credential.
 * </ul>
 */
@Singleton
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
public final class CompassAccess implements RouteAccess {
  public static final String ENABLED = "compass.enabled";
  public static final String DIRECTOR = "/compass/graphql";
  public static final String CONNECTOR = "/compass/connector/graphql";
  public static final String PROVISIONER = "/compass/provisioner/graphql";
  public static final String READ = "compass.read";
  public static final String WRITE = "compass.write";

  @Override
  public Decision decide(String method, String path, @Nullable Caller caller) {
    String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    if (p.equals(CONNECTOR)) {
      return Decision.ALLOW;
    }
    if (p.equals(DIRECTOR) || p.equals(PROVISIONER)) {
      return caller != null && (caller.hasScope(READ) || caller.hasScope(WRITE)) ? Decision.ALLOW : Decision.DENY;
    }
    return Decision.NOT_MINE;
  }
}

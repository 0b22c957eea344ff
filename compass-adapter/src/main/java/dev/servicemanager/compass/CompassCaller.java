package dev.servicemanager.compass;

import dev.servicemanager.spi.access.Caller;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.authentication.Authentication;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/** The bearer-token caller of a Director request: its scopes and its {@code tenant} claim. */
public record CompassCaller(Set<String> scopes, Optional<String> tenant) {
  public static final String TENANT_CLAIM = "tenant";

  public boolean isAdmin() {
    return scopes.contains(Caller.ADMIN_SCOPE);
  }

  public boolean has(String scope) {
    return isAdmin() || scopes.contains(scope);
  }

  /** The caller as the server authenticated it (the access rule already refused anonymous calls). */
  public static Optional<CompassCaller> of(HttpRequest<?> request) {
    return request.getUserPrincipal(Authentication.class).map(CompassCaller::of);
  }

  static CompassCaller of(Authentication authentication) {
    Set<String> scopes = new LinkedHashSet<>();
    if (authentication.getAttributes().get("scope") instanceof String s) {
      for (String scope : s.trim().split("\\s+")) {
        if (!scope.isEmpty()) {
          scopes.add(scope);
        }
      }
    }
    if (authentication.getAttributes().get("scp") instanceof Collection<?> list) {
      list.forEach(scope -> scopes.add(String.valueOf(scope)));
    }
    Object tenant = authentication.getAttributes().get(TENANT_CLAIM);
    return new CompassCaller(scopes, Optional.ofNullable(tenant).map(Object::toString).filter(t -> !t.isBlank()));
  }
}

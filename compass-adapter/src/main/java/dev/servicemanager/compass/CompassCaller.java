package dev.servicemanager.compass;

import dev.servicemanager.spi.access.Caller;
import io.micronaut.http.HttpRequest;
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

  /** The caller as the core authenticated it (the access rule already refused anonymous calls). */
  public static Optional<CompassCaller> of(HttpRequest<?> request) {
    return Caller.of(request).map(CompassCaller::of);
  }

  static CompassCaller of(Caller caller) {
    Object tenant = caller.claims().get(TENANT_CLAIM);
    return new CompassCaller(caller.scopes(), Optional.ofNullable(tenant).map(Object::toString).filter(t -> !t.isBlank()));
  }
}

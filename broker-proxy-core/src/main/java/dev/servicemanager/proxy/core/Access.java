package dev.servicemanager.proxy.core;

import java.util.Set;

/** Either public access or access for some scopes (organization guids in CF). */
public record Access(boolean isPublic, Set<String> scopes) {
  public Access {
    scopes = Set.copyOf(scopes);
  }

  public static Access everyone() {
    return new Access(true, Set.of());
  }

  public static Access scopes(Set<String> scopes) {
    return new Access(false, scopes);
  }
}

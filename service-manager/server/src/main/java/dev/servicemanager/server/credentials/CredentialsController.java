package dev.servicemanager.server.credentials;

import dev.servicemanager.server.security.Callers;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.security.authentication.Authentication;
import java.util.Map;

/** {@code PUT /v1/credentials} and {@code PUT /v1/credentials/{id}/activate}, for platforms only (AccessRule). */
@Controller("/v1/credentials")
final class CredentialsController {
  private final BrokerCredentials credentials;

  CredentialsController(BrokerCredentials credentials) {
    this.credentials = credentials;
  }

  @Put
  Credential put(@Body CredentialRequest body, @Nullable @QueryValue Boolean force, Authentication auth) {
    return credentials.put(Callers.platformId(auth).orElseThrow(), body, Boolean.TRUE.equals(force));
  }

  @Put("/{id}/activate")
  Map<String, Object> activate(String id, Authentication auth) {
    credentials.activate(Callers.platformId(auth).orElseThrow(), id);
    return Map.of();
  }
}

package dev.servicemanager.server.security;

import dev.servicemanager.server.crypto.LocalSecrets;
import io.micronaut.context.annotation.Value;
import io.micronaut.runtime.server.EmbeddedServer;
import jakarta.inject.Provider;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Where tokens come from: the built-in issuer (default) or an external OIDC issuer, and the
 * built-in issuer's admin client. An unset admin secret is generated once into the data dir.
 */
@Singleton
public final class TokenSettings {
  private final String externalIssuer;
  private final String jwksUrl;
  private final String audience;
  private final Duration ttl;
  private final String publicUrl;
  private final String clientId;
  private final String configuredSecret;
  private final Path secretFile;
  private final Provider<EmbeddedServer> server;
  private volatile String clientSecret;

  TokenSettings(
      @Value("${sm.token.issuer-url:}") String externalIssuer,
      @Value("${sm.token.jwks-url:}") String jwksUrl,
      @Value("${sm.token.audience:}") String audience,
      @Value("${sm.token.ttl:1h}") Duration ttl,
      @Value("${sm.public-url:}") String publicUrl,
      @Value("${sm.admin.client-id:admin}") String clientId,
      @Value("${sm.admin.client-secret:}") String clientSecret,
      @Value("${sm.data-dir:./.service-manager}") String dataDir,
      Provider<EmbeddedServer> server) {
    this.externalIssuer = strip(externalIssuer);
    this.jwksUrl = jwksUrl.trim();
    this.audience = audience.trim();
    this.ttl = ttl;
    this.publicUrl = strip(publicUrl);
    this.clientId = clientId;
    this.configuredSecret = clientSecret;
    this.secretFile = Path.of(dataDir, "admin-client-secret").toAbsolutePath().normalize();
    this.server = server;
  }

  private static String strip(String url) {
    String trimmed = url == null ? "" : url.trim();
    return trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
  }

  public boolean builtInIssuer() {
    return externalIssuer.isEmpty();
  }

  /** The URL of this server as its clients see it. */
  public String publicUrl() {
    if (!publicUrl.isEmpty()) {
      return publicUrl;
    }
    return strip(server.get().getURL().toString());
  }

  /** The {@code iss} every accepted token must carry; also {@code token_issuer_url} in /v1/info. */
  public String issuer() {
    return builtInIssuer() ? publicUrl() : externalIssuer;
  }

  public String jwksUrl() {
    return jwksUrl.isEmpty() ? externalIssuer + "/.well-known/jwks.json" : jwksUrl;
  }

  public String audience() {
    return audience;
  }

  public Duration ttl() {
    return ttl;
  }

  public String clientId() {
    return clientId;
  }

  public String clientSecret() {
    String secret = clientSecret;
    if (secret == null) {
      secret =
          configuredSecret.isBlank()
              ? LocalSecrets.readOrCreate(secretFile, LocalSecrets::randomToken)
              : configuredSecret;
      clientSecret = secret;
    }
    return secret;
  }

  /** Where the generated admin secret lives, or null when it was configured. */
  public Path generatedSecretFile() {
    return configuredSecret.isBlank() ? secretFile : null;
  }
}

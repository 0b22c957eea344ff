package dev.servicemanager.server.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The built-in OAuth2 issuer: the client-credentials grant for the admin client (RFC 6749 4.4),
 * OIDC discovery and the JWKS. Errors here use RFC 6749's shape, which OAuth clients parse.
 */
@Controller
@Requires(property = "sm.token.issuer-url", pattern = "^\\s*$", defaultValue = "")
final class TokenController {
  static final String SCOPE = "sm.admin";
  private final TokenSettings settings;
  private final SigningKeys keys;

  TokenController(TokenSettings settings, SigningKeys keys) {
    this.settings = settings;
    this.keys = keys;
  }

  @Serdeable
  record TokenResponse(String access_token, String token_type, long expires_in, String scope) {}

  @Serdeable
  record OAuthError(String error, String error_description, String description) {
    OAuthError(String error, String text) {
      this(error, text, text);
    }
  }

  @Post(uri = "/oauth/token", consumes = MediaType.APPLICATION_FORM_URLENCODED)
  HttpResponse<?> token(
      @Body Map<String, String> form, @Nullable @Header(HttpHeaders.AUTHORIZATION) String auth) {
    String[] client = clientCredentials(form, auth);
    if (!"client_credentials".equals(form.get("grant_type"))) {
      return HttpResponse.badRequest(
          new OAuthError("unsupported_grant_type", "Only grant_type=client_credentials is supported"));
    }
    if (client == null || !constantTimeEquals(client[0], settings.clientId())
        || !constantTimeEquals(client[1], settings.clientSecret())) {
      return HttpResponse.status(HttpStatus.UNAUTHORIZED)
          .header(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"service-manager\"")
          .body(new OAuthError("invalid_client", "Unknown client or wrong client secret"));
    }
    return HttpResponse.ok(issue(client[0]))
        .header(HttpHeaders.CACHE_CONTROL, "no-store")
        .header("Pragma", "no-cache");
  }

  private TokenResponse issue(String subject) {
    Instant now = Instant.now();
    RSAKey key = keys.key();
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .issuer(settings.issuer())
            .subject(subject)
            .audience("service-manager")
            .issueTime(Date.from(now))
            .notBeforeTime(Date.from(now))
            .expirationTime(Date.from(now.plus(settings.ttl())))
            .jwtID(UUID.randomUUID().toString())
            .claim("client_id", subject)
            .claim("scope", SCOPE)
            .build();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID(key.getKeyID())
                .type(JOSEObjectType.JWT)
                .build(),
            claims);
    try {
      jwt.sign(new RSASSASigner(key));
    } catch (JOSEException e) {
      throw new IllegalStateException("Could not sign the token", e);
    }
    return new TokenResponse(jwt.serialize(), "bearer", settings.ttl().toSeconds(), SCOPE);
  }

  @Get(uri = "/.well-known/openid-configuration", produces = MediaType.APPLICATION_JSON)
  Map<String, Object> discovery() {
    String base = settings.publicUrl();
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("issuer", settings.issuer());
    doc.put("token_endpoint", base + "/oauth/token");
    doc.put("jwks_uri", base + "/.well-known/jwks.json");
    doc.put("grant_types_supported", List.of("client_credentials"));
    doc.put("token_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post"));
    doc.put("response_types_supported", List.of("token"));
    doc.put("subject_types_supported", List.of("public"));
    doc.put("id_token_signing_alg_values_supported", List.of("RS256"));
    doc.put("scopes_supported", List.of(SCOPE));
    return doc;
  }

  @Get(uri = "/.well-known/jwks.json", produces = MediaType.APPLICATION_JSON)
  Map<String, Object> jwks() {
    return new JWKSet(keys.key().toPublicJWK()).toJSONObject();
  }

  // RFC 6749 2.3.1: HTTP basic (preferred, token_basic_auth=true in /v1/info) or form parameters.
  private static String[] clientCredentials(Map<String, String> form, String auth) {
    if (auth != null && auth.regionMatches(true, 0, "Basic ", 0, 6)) {
      try {
        String decoded =
            new String(Base64.getDecoder().decode(auth.substring(6).trim()), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        return colon < 0 ? null : new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
      } catch (IllegalArgumentException e) {
        return null;
      }
    }
    String id = form.get("client_id");
    String secret = form.get("client_secret");
    return id == null || secret == null ? null : new String[] {id, secret};
  }

  private static boolean constantTimeEquals(String a, String b) {
    return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }
}

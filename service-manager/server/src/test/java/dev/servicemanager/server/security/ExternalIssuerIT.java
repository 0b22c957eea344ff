package dev.servicemanager.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.sun.net.httpserver.HttpServer;
import dev.servicemanager.server.support.ApiTestBase;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * An external OIDC issuer: tokens are checked against its JWKS, issuer and audience, and the
 * built-in token endpoint is gone. The issuer is a tiny in-process JWKS server (an outside system).
 */
@MicronautTest(transactional = false)
class ExternalIssuerIT extends ApiTestBase {
  private static final RSAKey KEY = generate("external-key");
  private HttpServer issuer;

  private static RSAKey generate(String kid) {
    try {
      return new RSAKeyGenerator(2048).keyID(kid).generate();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  protected Map<String, String> extraProperties() {
    try {
      issuer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
    byte[] jwks = new JWKSet(KEY.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
    issuer.createContext(
        "/keys",
        exchange -> {
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, jwks.length);
          exchange.getResponseBody().write(jwks);
          exchange.close();
        });
    issuer.start();
    return Map.of(
        "sm.token.issuer-url", issuerUrl(),
        "sm.token.jwks-url", issuerUrl() + "/keys",
        "sm.token.audience", "service-manager");
  }

  private String issuerUrl() {
    return "http://127.0.0.1:" + issuer.getAddress().getPort();
  }

  @AfterAll
  void stopIssuer() {
    issuer.stop(0);
  }

  @Test
  void tokensOfTheExternalIssuerAreAccepted() throws Exception {
    String token = BuiltInIssuerIT.sign(KEY, issuerUrl(), 600);
    assertThat(anonymous().withAuthorization("Bearer " + token).get("/v1/platforms").status()).isEqualTo(200);
  }

  @Test
  void aValidTokenWithoutTheAdminScopeIsRefusedOnTheAdminApi() throws Exception {
    String token = BuiltInIssuerIT.sign(KEY, issuerUrl(), 600, "compass.read control-plane.write");
    assertThat(anonymous().withAuthorization("Bearer " + token).get("/v1/platforms").status()).isEqualTo(403);
    assertThat(anonymous().withAuthorization("Bearer " + token).post("/v1/platforms", java.util.Map.of("name", "p", "type", "k8s"))
        .status()).isEqualTo(403);
  }

  @Test
  void infoNamesTheExternalIssuer() {
    assertThat(anonymous().get("/v1/info").string("token_issuer_url")).isEqualTo(issuerUrl());
  }

  @Test
  void wrongIssuerWrongKeyOrExpiredTokensAre401() throws Exception {
    assertThat(anonymous().withAuthorization("Bearer " + BuiltInIssuerIT.sign(KEY, "http://elsewhere", 600)).get("/v1/platforms").status())
        .isEqualTo(401);
    RSAKey other = new RSAKeyGenerator(2048).keyID("external-key").generate();
    assertThat(anonymous().withAuthorization("Bearer " + BuiltInIssuerIT.sign(other, issuerUrl(), 600)).get("/v1/platforms").status())
        .isEqualTo(401);
    assertThat(anonymous().withAuthorization("Bearer " + BuiltInIssuerIT.sign(KEY, issuerUrl(), -600)).get("/v1/platforms").status())
        .isEqualTo(401);
  }

  @Test
  void theBuiltInTokenEndpointIsNotServed() {
    assertThat(anonymous().send("POST", "/oauth/token", "application/x-www-form-urlencoded", "grant_type=client_credentials").status())
        .isEqualTo(404);
    assertThat(anonymous().get("/.well-known/jwks.json").status()).isEqualTo(404);
  }
}

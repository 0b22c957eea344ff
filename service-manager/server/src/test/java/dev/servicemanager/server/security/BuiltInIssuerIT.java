package dev.servicemanager.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.servicemanager.server.support.Api;
import dev.servicemanager.server.support.ApiTestBase;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The built-in issuer: client-credentials tokens, discovery, JWKS, and what tokens are refused. */
@MicronautTest(transactional = false)
class BuiltInIssuerIT extends ApiTestBase {
  private Api.Result token(String authorization, String form) {
    return anonymous().withAuthorization(authorization).send("POST", "/oauth/token", "application/x-www-form-urlencoded", form);
  }

  @Test
  void clientCredentialsGrantReturnsAnRs256BearerToken() throws Exception {
    Api.Result result = token(Api.basic("admin", ADMIN_SECRET), "grant_type=client_credentials");
    assertThat(result.status()).isEqualTo(200);
    assertThat(result.json()).containsEntry("token_type", "bearer").containsKeys("access_token", "expires_in");
    assertThat(result.header("Cache-Control")).isEqualTo("no-store");
    SignedJWT jwt = SignedJWT.parse(result.string("access_token"));
    assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
    assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo(anonymous().get("/v1/info").string("token_issuer_url"));
    assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo("admin");
  }

  @Test
  void clientCredentialsMayAlsoComeAsFormParameters() {
    Api.Result result = token(null, "grant_type=client_credentials&client_id=admin&client_secret=" + ADMIN_SECRET);
    assertThat(result.status()).isEqualTo(200);
    String access = result.string("access_token");
    assertThat(anonymous().withAuthorization("Bearer " + access).get("/v1/platforms").status()).isEqualTo(200);
  }

  @Test
  void wrongClientSecretOrMissingCredentialsAre401InvalidClient() {
    Api.Result wrong = token(Api.basic("admin", "nope"), "grant_type=client_credentials");
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(wrong.string("error")).isEqualTo("invalid_client");
    assertThat(token(null, "grant_type=client_credentials").status()).isEqualTo(401);
    assertThat(token(Api.basic("someone", ADMIN_SECRET), "grant_type=client_credentials").status()).isEqualTo(401);
  }

  @Test
  void otherGrantTypesAre400UnsupportedGrantType() {
    Api.Result result = token(Api.basic("admin", ADMIN_SECRET), "grant_type=password&username=a&password=b");
    assertThat(result.status()).isEqualTo(400);
    assertThat(result.string("error")).isEqualTo("unsupported_grant_type");
  }

  @Test
  void discoveryAndJwksArePublicAndDescribeTheIssuer() throws Exception {
    Api.Result discovery = anonymous().get("/.well-known/openid-configuration");
    assertThat(discovery.status()).isEqualTo(200);
    String issuer = anonymous().get("/v1/info").string("token_issuer_url");
    assertThat(discovery.json())
        .containsEntry("issuer", issuer)
        .containsEntry("token_endpoint", issuer + "/oauth/token")
        .containsEntry("jwks_uri", issuer + "/.well-known/jwks.json");
    Api.Result jwks = anonymous().get("/.well-known/jwks.json");
    assertThat(jwks.status()).isEqualTo(200);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> keys = (List<Map<String, Object>>) jwks.json().get("keys");
    assertThat(keys).hasSize(1);
    assertThat(keys.get(0)).containsEntry("kty", "RSA").doesNotContainKeys("d", "p", "q");
    SignedJWT jwt = SignedJWT.parse(token(Api.basic("admin", ADMIN_SECRET), "grant_type=client_credentials").string("access_token"));
    assertThat(jwt.getHeader().getKeyID()).isEqualTo(keys.get(0).get("kid"));
  }

  @Test
  void tokensSignedByAnotherKeyOrExpiredOrFromAnotherIssuerAre401() throws Exception {
    String issuer = anonymous().get("/v1/info").string("token_issuer_url");
    RSAKey stranger = new RSAKeyGenerator(2048).keyID("stranger").generate();
    assertThat(withToken(sign(stranger, issuer, 3600)).get("/v1/platforms").status()).isEqualTo(401);
    // Same kid as ours but a different key: the signature check must fail.
    String kid = SignedJWT.parse(token(Api.basic("admin", ADMIN_SECRET), "grant_type=client_credentials").string("access_token")).getHeader().getKeyID();
    RSAKey impostor = new RSAKeyGenerator(2048).keyID(kid).generate();
    assertThat(withToken(sign(impostor, issuer, 3600)).get("/v1/platforms").status()).isEqualTo(401);
    assertThat(withToken("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.").get("/v1/platforms").status()).isEqualTo(401);
  }

  @Test
  void platformCredentialsCannotObtainTokensOrWrite() {
    Api platform = platformClient(createPlatform("no-admin", "kubernetes"));
    Api.Result create = platform.post("/v1/platforms", Map.of("name", "evil", "type", "k"));
    assertThat(create.status()).isEqualTo(403);
    assertThat(create.error()).isEqualTo("Forbidden");
    assertThat(platform.send("POST", "/oauth/token", "application/x-www-form-urlencoded", "grant_type=client_credentials").status()).isEqualTo(401);
  }

  @Test
  void infoAndHealthArePublic() {
    Api.Result info = anonymous().get("/v1/info");
    assertThat(info.status()).isEqualTo(200);
    assertThat(info.json()).containsEntry("token_basic_auth", true).containsKey("token_issuer_url");
    Api.Result health = anonymous().get("/v1/monitor/health");
    assertThat(health.status()).isEqualTo(200);
    assertThat(health.json()).containsEntry("status", "UP");
    Api.Result alive = anonymous().get("/v1/monitor/alive");
    assertThat(alive.status()).isEqualTo(200);
    assertThat(alive.json()).containsEntry("status", "UP").containsEntry("details", Map.of("process", Map.of("status", "UP")));
  }

  private Api withToken(String token) {
    return anonymous().withAuthorization("Bearer " + token);
  }

  static String sign(RSAKey key, String issuer, long ttlSeconds) throws Exception {
    return sign(key, issuer, ttlSeconds, "sm.admin");
  }

  static String sign(RSAKey key, String issuer, long ttlSeconds, String scope) throws Exception {
    long now = System.currentTimeMillis();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
            new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject("someone")
                .audience("service-manager")
                .claim("scope", scope)
                .issueTime(new Date(now))
                .expirationTime(new Date(now + ttlSeconds * 1000))
                .build());
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }
}

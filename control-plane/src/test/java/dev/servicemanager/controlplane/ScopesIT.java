package dev.servicemanager.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.servicemanager.testkit.TestDatabases;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Scopes through the server's real JWT security, with an external issuer (an in-process JWKS server,
 * as the server's own ExternalIssuerIT does) that signs tokens with chosen scopes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class ScopesIT {
  private static final String PAUSE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"pause\",\"params\":{\"runtime\":\"orders\","
      + "\"targets\":[{\"kind\":\"topic\",\"name\":\"t\"}]}}";
  private static final String LIST = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"listRuntimes\"}";
  private RSAKey key;
  private HttpServer issuer;
  private ControlPlaneServer server;

  @BeforeAll
  void start() throws Exception {
    key = new RSAKeyGenerator(2048).keyID("cp-test").generate();
    issuer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    byte[] jwks = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
    issuer.createContext("/keys", exchange -> {
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, jwks.length);
      exchange.getResponseBody().write(jwks);
      exchange.close();
    });
    issuer.start();
    server = new ControlPlaneServer(TestDatabases.newDatabase(), Map.of(
        "sm.token.issuer-url", issuerUrl(),
        "sm.token.jwks-url", issuerUrl() + "/keys",
        "sm.token.audience", "service-manager",
        "control-plane.runtimes.orders.topic", "cp.default.orders",
        "control-plane.runtimes.orders.running", List.of("topic:t")));
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.close();
    }
    if (issuer != null) {
      issuer.stop(0);
    }
  }

  private String issuerUrl() {
    return "http://127.0.0.1:" + issuer.getAddress().getPort();
  }

  private String bearer(String subject, String scope) throws Exception {
    long now = System.currentTimeMillis();
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
        new JWTClaimsSet.Builder().issuer(issuerUrl()).subject(subject).audience("service-manager")
            .issueTime(new Date(now)).expirationTime(new Date(now + 600_000)).claim("scope", scope).build());
    jwt.sign(new RSASSASigner(key));
    return "Bearer " + jwt.serialize();
  }

  @SuppressWarnings("unchecked")
  private static Object errorCode(ControlPlaneServer.Result r) {
    Map<String, Object> error = (Map<String, Object>) r.object().get("error");
    return error == null ? null : error.get("code");
  }

  @Test
  void aReadTokenReadsButCannotWrite() throws Exception {
    String reader = bearer("reader", "control-plane.read");
    ControlPlaneServer.Result list = server.rpc(LIST, reader);
    assertThat(list.status()).isEqualTo(200);
    assertThat(errorCode(list)).isNull();
    ControlPlaneServer.Result pause = server.rpc(PAUSE, reader);
    assertThat(pause.status()).isEqualTo(200);
    assertThat(errorCode(pause)).isEqualTo(-32003);
    assertThat(server.get("/control-plane/metrics", reader).status()).isEqualTo(200);
  }

  @Test
  void aWriteTokenWritesAndIsTheAuditedActor() throws Exception {
    ControlPlaneServer.Result pause = server.rpc(PAUSE.replace("\"name\":\"t\"", "\"name\":\"by-operator\""),
        bearer("operator-7", "openid control-plane.write"));
    assertThat(errorCode(pause)).isNull();
    assertThat(pause.body()).contains("\"paused\"");
    try (var c = java.sql.DriverManager.getConnection(
            (String) server.running.context().getProperty("datasources.default.url", String.class).orElseThrow(), "postgres", "");
        var rs = c.createStatement().executeQuery("SELECT actor FROM cp_audit WHERE change::text LIKE '%by-operator%'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("operator-7");
    }
  }

  @Test
  void theAdminScopeCoversBoth() throws Exception {
    assertThat(errorCode(server.rpc(LIST, bearer("root", "sm.admin")))).isNull();
    assertThat(errorCode(server.rpc(PAUSE, bearer("root", "sm.admin")))).isNull();
  }

  @Test
  void aTokenWithoutControlPlaneScopesIs403AndNoTokenIs401() throws Exception {
    assertThat(server.rpc(LIST, bearer("other", "something.else")).status()).isEqualTo(403);
    assertThat(server.get("/control-plane/events", bearer("other", "something.else")).status()).isEqualTo(403);
    assertThat(server.rpc(LIST, null).status()).isEqualTo(401);
    assertThat(server.get("/control-plane/events", null).status()).isEqualTo(401);
  }
}

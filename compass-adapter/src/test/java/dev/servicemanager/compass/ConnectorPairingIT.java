package dev.servicemanager.compass;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.servicemanager.testkit.FakeBroker;
import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The Connector: one-time tokens, configuration, CSR signing, and a runtime's platform credentials. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConnectorPairingIT {
  static final String CONFIGURATION =
      "{ configuration { token { token } certificateSigningRequestInfo { subject keyAlgorithm }"
          + " managementPlaneInfo { directorURL certificateSecuredConnectorURL } } }";
  static final String SIGN =
      "mutation($csr: String!) { signCertificateSigningRequest(csr: $csr) { certificateChain caCertificate clientCertificate"
          + " platformCredentials { platformID username password } } }";
  private static final String TENANT = "t-pair";
  private CompassServer sm;
  private FakeBroker broker;

  @BeforeAll
  void start() {
    sm = new CompassServer();
    broker = FakeBroker.start();
  }

  @AfterAll
  void stop() {
    broker.close();
    sm.close();
  }

  private String registerApp(String name) {
    return sm.director(TENANT, ApplicationsIT.REGISTER, Map.of("in", Map.of("name", name))).data("registerApplication").path("id").asText();
  }

  private JsonNode appToken(String appId) {
    CompassServer.Response r = sm.director(TENANT,
        "mutation($id: ID!) { requestOneTimeTokenForApplication(id: $id) { token connectorURL used expiresAt createdAt type } }",
        Map.of("id", appId));
    assertThat(r.json().path("errors").isMissingNode()).as(r.body()).isTrue();
    return r.data("requestOneTimeTokenForApplication");
  }

  static String csr(String subject) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair pair = generator.generateKeyPair();
    PKCS10CertificationRequest request = new JcaPKCS10CertificationRequestBuilder(new X500Principal(subject), pair.getPublic())
        .build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate()));
    StringWriter pem = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
      writer.writeObject(request);
    }
    return Base64.getEncoder().encodeToString(pem.toString().getBytes(StandardCharsets.US_ASCII));
  }

  private static List<X509Certificate> certificates(String base64Pem) throws Exception {
    List<X509Certificate> certs = new ArrayList<>();
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    factory.generateCertificates(new ByteArrayInputStream(Base64.getDecoder().decode(base64Pem)))
        .forEach(c -> certs.add((X509Certificate) c));
    return certs;
  }

  @Test
  void anApplicationPairsWithAOneTimeTokenAndGetsACertificateSignedByTheCa() throws Exception {
    String appId = registerApp("paired-app");
    JsonNode token = appToken(appId);
    assertThat(token.path("type").asText()).isEqualTo("Application");
    assertThat(token.path("used").asBoolean()).isFalse();
    assertThat(token.path("connectorURL").asText()).isEqualTo(sm.url + "/compass/connector/graphql");
    assertThat(java.time.Duration.between(java.time.Instant.parse(token.path("createdAt").asText()),
        java.time.Instant.parse(token.path("expiresAt").asText()))).isEqualTo(java.time.Duration.ofMinutes(5));

    CompassServer.Response config = sm.connector(token.path("token").asText(), CONFIGURATION, null);
    JsonNode info = config.data("configuration");
    String subject = info.path("certificateSigningRequestInfo").path("subject").asText();
    assertThat(subject).isEqualTo("CN=" + appId + ",OU=" + TENANT + ",O=ServiceManager");
    assertThat(info.path("managementPlaneInfo").path("directorURL").asText()).isEqualTo(sm.url + "/compass/graphql");
    String next = info.path("token").path("token").asText();
    assertThat(next).isNotEqualTo(token.path("token").asText());

    CompassServer.Response signed = sm.connector(next, SIGN, Map.of("csr", csr(subject)));
    JsonNode result = signed.data("signCertificateSigningRequest");
    assertThat(result.path("platformCredentials").isNull()).as(signed.body()).isTrue();
    X509Certificate client = certificates(result.path("clientCertificate").asText()).get(0);
    X509Certificate ca = certificates(result.path("caCertificate").asText()).get(0);
    ca.verify(ca.getPublicKey());
    client.verify(ca.getPublicKey());
    client.checkValidity();
    assertThat(client.getSubjectX500Principal()).isEqualTo(new X500Principal(subject));
    assertThat(client.getIssuerX500Principal()).isEqualTo(ca.getSubjectX500Principal());
    assertThat(client.getBasicConstraints()).isEqualTo(-1);
    assertThat(client.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.2");
    assertThat(certificates(result.path("certificateChain").asText())).containsExactly(client, ca);

    // Both tokens are spent now.
    assertThat(sm.connector(next, SIGN, Map.of("csr", csr(subject))).firstError()).contains("already been used");
    assertThat(sm.connector(token.path("token").asText(), CONFIGURATION, null).firstError()).contains("already been used");

    // The paired application gets its bundle with an API.
    CompassServer.Response bundle = sm.director(TENANT,
        "mutation($app: ID!, $in: BundleCreateInput!) { addBundle(applicationID: $app, in: $in) { apiDefinitions { data { targetURL } } } }",
        Map.of("app", appId, "in", Map.of("name", "api-bundle",
            "apiDefinitions", List.of(Map.of("name", "api", "targetURL", "https://paired.example/api")))));
    assertThat(bundle.data("addBundle").path("apiDefinitions").path("data").get(0).path("targetURL").asText())
        .isEqualTo("https://paired.example/api");
  }

  @Test
  void aRuntimePairsAndItsPlatformCredentialsWorkOnTheOsbEndpoint() throws Exception {
    CompassServer.Response registered = sm.adminPost("/v1/service_brokers", Map.of("name", "fake", "broker_url", broker.url(),
        "credentials", Map.of("basic", Map.of("username", broker.username(), "password", broker.password()))));
    assertThat(registered.status()).as(registered.body()).isEqualTo(201);
    String brokerId = registered.json().path("id").asText();

    JsonNode runtime = sm.director(TENANT, RuntimesIT.REGISTER, Map.of("in", Map.of("name", "pairing-rt"))).data("registerRuntime");
    String platformId = runtime.path("platformID").asText();
    assertThat(sm.get("/v1/platforms/" + platformId, "Bearer " + sm.adminToken()).status()).isEqualTo(200);

    JsonNode token = sm.director(TENANT, "mutation($id: ID!) { requestOneTimeTokenForRuntime(id: $id) { token type } }",
        Map.of("id", runtime.path("id").asText())).data("requestOneTimeTokenForRuntime");
    assertThat(token.path("type").asText()).isEqualTo("Runtime");
    JsonNode info = sm.connector(token.path("token").asText(), CONFIGURATION, null).data("configuration");
    String subject = info.path("certificateSigningRequestInfo").path("subject").asText();
    assertThat(subject).startsWith("CN=" + runtime.path("id").asText() + ",");
    JsonNode result = sm.connector(info.path("token").path("token").asText(), SIGN, Map.of("csr", csr(subject)))
        .data("signCertificateSigningRequest");
    JsonNode credentials = result.path("platformCredentials");
    assertThat(credentials.path("platformID").asText()).isEqualTo(platformId);

    CompassServer.Response catalog = sm.get("/v1/osb/" + brokerId + "/v2/catalog",
        CompassServer.basic(credentials.path("username").asText(), credentials.path("password").asText()));
    assertThat(catalog.status()).as(catalog.body()).isEqualTo(200);
    assertThat(catalog.json().path("services").isArray()).isTrue();
    assertThat(sm.get("/v1/osb/" + brokerId + "/v2/catalog", CompassServer.basic(credentials.path("username").asText(), "wrong"))
        .status()).isEqualTo(401);
  }

  @Test
  void unknownExpiredAndMissingTokensIssueNothing() throws Exception {
    assertThat(sm.connector("no-such-token", CONFIGURATION, null).firstError()).contains("is unknown");
    CompassServer.Response missing = sm.connector(null, CONFIGURATION, null);
    assertThat(missing.status()).isEqualTo(200);
    assertThat(missing.firstError()).contains("connector-token header is required");

    String appId = registerApp("expiring-app");
    String token = appToken(appId).path("token").asText();
    try (Connection c = sm.database();
        PreparedStatement ps = c.prepareStatement(
            "UPDATE compass_one_time_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = ?")) {
      ps.setString(1, sha256(token));
      assertThat(ps.executeUpdate()).isEqualTo(1);
    }
    CompassServer.Response expired = sm.connector(token, CONFIGURATION, null);
    assertThat(expired.firstError()).contains("has expired");
    assertThat(expired.data("configuration").isMissingNode() || expired.json().path("data").isNull()).isTrue();
    assertThat(countTokens(appId)).isEqualTo(1);
  }

  @Test
  void aRefusedCsrLeavesTheTokenUsable() throws Exception {
    String appId = registerApp("careful-app");
    String token = appToken(appId).path("token").asText();
    String subject = "CN=" + appId + ",OU=" + TENANT + ",O=ServiceManager";
    assertThat(sm.connector(token, SIGN, Map.of("csr", "bm90IGEgY3Ny")).firstError()).contains("invalid certificate signing request");
    assertThat(sm.connector(token, SIGN, Map.of("csr", csr("CN=someone-else,OU=" + TENANT + ",O=ServiceManager"))).firstError())
        .contains("its subject must be");
    JsonNode ok = sm.connector(token, SIGN, Map.of("csr", csr(subject))).data("signCertificateSigningRequest");
    assertThat(ok.path("clientCertificate").asText()).isNotEmpty();
  }

  @Test
  void ofTwoConcurrentUsesOfOneTokenExactlyOneSucceeds() throws Exception {
    String appId = registerApp("raced-app");
    String token = appToken(appId).path("token").asText();
    String csr = csr("CN=" + appId + ",OU=" + TENANT + ",O=ServiceManager");
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      CountDownLatch go = new CountDownLatch(1);
      Callable<CompassServer.Response> use = () -> {
        go.await();
        return sm.connector(token, SIGN, Map.of("csr", csr));
      };
      Future<CompassServer.Response> first = pool.submit(use);
      Future<CompassServer.Response> second = pool.submit(use);
      go.countDown();
      List<CompassServer.Response> results = List.of(first.get(30, TimeUnit.SECONDS), second.get(30, TimeUnit.SECONDS));
      assertThat(results).filteredOn(r -> r.firstError() == null).hasSize(1);
      assertThat(results).filteredOn(r -> r.firstError() != null)
          .singleElement().satisfies(r -> assertThat(r.firstError()).contains("already been used"));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void tokensAreStoredHashedAndTheCaKeyEncrypted() throws Exception {
    String appId = registerApp("stored-app");
    String token = appToken(appId).path("token").asText();
    sm.connector(token, SIGN, Map.of("csr", csr("CN=" + appId + ",OU=" + TENANT + ",O=ServiceManager")));
    try (Connection c = sm.database(); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT token_hash FROM compass_one_time_tokens WHERE object_id = '" + appId + "'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo(sha256(token)).isNotEqualTo(token);
      }
      try (ResultSet rs = s.executeQuery("SELECT private_key, key_encrypted FROM compass_ca")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getBoolean(2)).isTrue();
        assertThat(rs.getString(1)).doesNotContain("PRIVATE KEY");
        assertThat(rs.next()).isFalse();
      }
    }
  }

  @Test
  void noSecretIsLoggedAtTheShippedLogLevels() throws Exception {
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
        new ch.qos.logback.core.read.ListAppender<>();
    logs.start();
    root.addAppender(logs);
    try {
      org.slf4j.LoggerFactory.getLogger("dev.servicemanager.compass.Probe").warn("appender attached");
      sm.director(TENANT, ApplicationsIT.REGISTER, Map.of("in", Map.of("name", "secretive", "bundles", List.of(Map.of("name", "b",
          "defaultInstanceAuth", Map.of("credential", Map.of("basic", Map.of("username", "u", "password", "bundle-secret-pw"))))))));
      JsonNode runtime = sm.director(TENANT, RuntimesIT.REGISTER, Map.of("in", Map.of("name", "secret-rt"))).data("registerRuntime");
      String token = sm.director(TENANT, "mutation($id: ID!) { requestOneTimeTokenForRuntime(id: $id) { token } }",
          Map.of("id", runtime.path("id").asText())).data("requestOneTimeTokenForRuntime").path("token").asText();
      JsonNode info = sm.connector(token, CONFIGURATION, null).data("configuration");
      String next = info.path("token").path("token").asText();
      sm.connector(next, SIGN, Map.of("csr", "bm90IGEgY3Ny")); // refused: an error path
      String password = sm.connector(next, SIGN, Map.of("csr", csr(info.path("certificateSigningRequestInfo").path("subject").asText())))
          .data("signCertificateSigningRequest").path("platformCredentials").path("password").asText();
      assertThat(password).isNotEmpty();
      assertThat(logs.list).extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).contains("appender attached");
      for (ch.qos.logback.classic.spi.ILoggingEvent event : logs.list) {
        String text = event.getFormattedMessage() + (event.getThrowableProxy() == null ? "" : event.getThrowableProxy().getMessage());
        assertThat(text).doesNotContain(token).doesNotContain(next).doesNotContain(password).doesNotContain("bundle-secret-pw");
      }
    } finally {
      root.detachAppender(logs);
    }
  }

  private long countTokens(String appId) throws Exception {
    try (Connection c = sm.database(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM compass_one_time_tokens WHERE object_id = '" + appId + "'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static String sha256(String text) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}

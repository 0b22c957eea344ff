package dev.servicemanager.proxy.k8s;

import dev.servicemanager.proxy.core.Json;
import dev.servicemanager.proxy.core.PlatformException;
import io.kubernetes.client.openapi.ApiClient;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent pairs itself: instead of platform credentials it is given a Compass one-time token and
 * the Connector's URL ({@code SM_ONE_TIME_TOKEN}, {@code SM_CONNECTOR_URL}). At start it uses the
 * credentials kept in its Secret ({@code K8S_CREDENTIALS_SECRET} in {@code K8S_SECRET_NAMESPACE})
 * when there are some, so a restart needs no new token; otherwise it exchanges the token at the
 * Connector ({@code configuration}, then {@code signCertificateSigningRequest} with a fresh RSA key
 * and the subject it was told), gets {@code platformCredentials} and keeps them in that Secret. A
 * refused token (used, expired, unknown) or an unreachable Connector is logged with the Connector's
 * reason and retried with backoff (min doubling to max); the token is asked of {@code tokenSource} at
 * each attempt (the agent's is its environment, so a new token needs a restart of the pod).
 */
public final class Pairing {
  private static final Logger LOG = LoggerFactory.getLogger(Pairing.class);
  private static final String CONFIGURATION = "{ configuration { token { token } certificateSigningRequestInfo { subject } } }";
  private static final String SIGN = "mutation($csr: String!) { signCertificateSigningRequest(csr: $csr) {"
      + " platformCredentials { platformID username password } } }";
  private final KubeApi kube;
  private final String namespace;
  private final String secretName;
  private final String connectorUrl;
  private final java.util.function.Supplier<String> tokenSource;
  private final Duration minBackoff;
  private final Duration maxBackoff;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private volatile String lastError;

  /** Platform credentials; {@link #toString()} hides the password. */
  public record Credentials(String platformId, String username, String password) {
    @Override
    public String toString() {
      return "Credentials[platformId=" + platformId + ", username=" + username + ", password=***]";
    }
  }

  /** A refusal by the Connector (its message names the reason and holds no secret). */
  static final class Refused extends Exception {
    Refused(String message) {
      super(message, null, false, false);
    }
  }

  public Pairing(ApiClient client, String namespace, String secretName, String connectorUrl,
      java.util.function.Supplier<String> tokenSource, Duration minBackoff, Duration maxBackoff) {
    this.kube = new KubeApi(client);
    this.namespace = namespace;
    this.secretName = secretName;
    this.connectorUrl = connectorUrl;
    this.tokenSource = tokenSource;
    this.minBackoff = minBackoff;
    this.maxBackoff = maxBackoff;
  }

  /** The kept credentials, or pairs (retrying until it succeeds or the thread is interrupted). */
  public Credentials credentials() throws InterruptedException {
    Duration wait = minBackoff;
    while (true) {
      try {
        Optional<Credentials> kept = kept();
        if (kept.isPresent()) {
          LOG.info("using the platform credentials kept in Secret {}/{}", namespace, secretName);
          return kept.get();
        }
        Credentials paired = exchange(tokenSource.get());
        keep(paired);
        LOG.info("paired with the Connector as platform {}; credentials kept in Secret {}/{}", paired.platformId(),
            namespace, secretName);
        return paired;
      } catch (Refused e) {
        lastError = "pairing refused by the Connector: " + e.getMessage();
        LOG.error("{}; retrying in {}", lastError, wait);
      } catch (IOException | PlatformException | IllegalStateException e) {
        lastError = "pairing failed (" + e.getClass().getSimpleName() + ")";
        LOG.warn("{}; retrying in {}", lastError, wait);
      }
      Thread.sleep(wait.toMillis());
      wait = wait.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : wait.multipliedBy(2);
    }
  }

  /** Why the last attempt failed (never a secret), or null. */
  public String lastError() {
    return lastError;
  }

  Optional<Credentials> kept() {
    return kube.get(KubeApi.SECRETS, namespace, secretName).map(s -> Json.object(s, "data")).flatMap(data -> {
      // "data" is empty when the Secret has none.
      String user = decode(Json.string(data, "username"));
      String password = decode(Json.string(data, "password"));
      return user == null || password == null ? Optional.empty()
          : Optional.of(new Credentials(decode(Json.string(data, "platformID")), user, password));
    });
  }

  private void keep(Credentials c) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("platformID", encode(c.platformId() == null ? "" : c.platformId()));
    data.put("username", encode(c.username()));
    data.put("password", encode(c.password()));
    Map<String, Object> secret = new LinkedHashMap<>();
    secret.put("apiVersion", "v1");
    secret.put("kind", "Secret");
    secret.put("metadata", Map.of("name", secretName, "namespace", namespace,
        "labels", Map.of("services.servicemanager.dev/managed-by", "broker-proxy-k8s")));
    secret.put("type", "Opaque");
    secret.put("data", data);
    if (kube.get(KubeApi.SECRETS, namespace, secretName).isPresent()) {
      kube.replace(KubeApi.SECRETS, namespace, secret);
    } else {
      kube.create(KubeApi.SECRETS, namespace, secret);
    }
  }

  Credentials exchange(String token) throws IOException, InterruptedException, Refused {
    if (token == null || token.isBlank()) {
      throw new Refused("no one-time token was given (SM_ONE_TIME_TOKEN)");
    }
    Map<String, Object> info = call(token, CONFIGURATION, Map.of(), "configuration");
    String next = Json.path(info, "token", "token");
    String subject = Json.path(info, "certificateSigningRequestInfo", "subject");
    Map<String, Object> signed = call(next, SIGN, Map.of("csr", csr(subject)), "signCertificateSigningRequest");
    Map<String, Object> credentials = Json.object(signed, "platformCredentials");
    if (Json.string(credentials, "username") == null) {
      throw new Refused("the Connector gave no platform credentials (the token is not a runtime's)");
    }
    return new Credentials(Json.string(credentials, "platformID"), Json.string(credentials, "username"),
        Json.string(credentials, "password"));
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> call(String token, String query, Map<String, Object> variables, String field)
      throws IOException, InterruptedException, Refused {
    HttpRequest request = HttpRequest.newBuilder(URI.create(connectorUrl)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json").header("connector-token", token)
        .POST(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("query", query, "variables", variables)))).build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("Connector answered HTTP " + response.statusCode());
    }
    Map<String, Object> body;
    try {
      body = Json.parse(response.body());
    } catch (IllegalArgumentException e) {
      throw new IOException("Connector answered with a body that is not JSON");
    }
    Object errors = body.get("errors");
    if (errors instanceof List<?> list && !list.isEmpty()) {
      Object message = list.get(0) instanceof Map<?, ?> m ? m.get("message") : null;
      throw new Refused(String.valueOf(message));
    }
    Map<String, Object> result = Json.object(Json.object(body, "data"), field);
    if (result.isEmpty()) {
      throw new IOException("Connector answered without " + field);
    }
    return result;
  }

  private static String csr(String subject) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      KeyPair pair = generator.generateKeyPair();
      var request = new JcaPKCS10CertificationRequestBuilder(new X500Principal(subject), pair.getPublic())
          .build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate()));
      StringWriter pem = new StringWriter();
      try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
        writer.writeObject(request);
      }
      return Base64.getEncoder().encodeToString(pem.toString().getBytes(StandardCharsets.US_ASCII));
    } catch (Exception e) {
      throw new IllegalStateException("cannot create a certificate signing request: " + e.getClass().getSimpleName());
    }
  }

  private static String encode(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String decode(String s) {
    return s == null ? null : new String(Base64.getDecoder().decode(s), StandardCharsets.UTF_8);
  }
}

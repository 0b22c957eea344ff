package dev.servicemanager.compass.connector;

import dev.servicemanager.compass.CompassAccess;
import dev.servicemanager.compass.CompassException;
import dev.servicemanager.compass.Db;
import dev.servicemanager.compass.GraphQLEndpoint;
import dev.servicemanager.spi.platforms.PlatformRegistry;
import dev.servicemanager.spi.platforms.RegisteredPlatform;
import graphql.schema.DataFetchingEnvironment;
import graphql.schema.idl.RuntimeWiring;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;

/**
 * The Connector's resolvers. Each call consumes its {@code connector-token} in the same
 * transaction as its effect: a refused CSR leaves the token usable, and of two concurrent uses of
 * one token exactly one succeeds.
 */
@Singleton
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
final class ConnectorSchema {
  static final String TOKEN = "compass.connectorToken";
  static final String DIRECTOR_URL = "compass.directorUrl";

  private final Db db;
  private final OneTimeTokens tokens;
  private final CertificateAuthority ca;
  private final PlatformRegistry platforms;
  final GraphQLEndpoint endpoint;

  ConnectorSchema(Db db, OneTimeTokens tokens, CertificateAuthority ca, PlatformRegistry platforms) {
    this.db = db;
    this.tokens = tokens;
    this.ca = ca;
    this.platforms = platforms;
    this.endpoint = new GraphQLEndpoint("compass/connector.graphqls", RuntimeWiring.newRuntimeWiring()
        .type("Query", t -> t.dataFetcher("configuration", this::configuration))
        .type("Mutation", t -> t.dataFetcher("signCertificateSigningRequest", this::sign))
        .build());
  }

  /** The paired object, locked, or an error when it was unregistered since the token was issued. */
  private record Paired(OneTimeTokens.Owner owner, String platformId) {
    X500Name subject() {
      return CertificateAuthority.subject(owner.objectId(), owner.tenant());
    }
  }

  private Paired consume(Db.Tx tx, DataFetchingEnvironment env) throws SQLException {
    OneTimeTokens.Owner owner = tokens.consume(tx, env.getGraphQlContext().get(TOKEN));
    String table = OneTimeTokens.RUNTIME.equals(owner.objectType()) ? "compass_runtimes" : "compass_applications";
    String platform = OneTimeTokens.RUNTIME.equals(owner.objectType()) ? "platform_id" : "NULL";
    List<String[]> found =
        tx.query("SELECT id, " + platform + " FROM " + table + " WHERE id = ? AND tenant = ? FOR SHARE",
            List.of(owner.objectId(), owner.tenant()), rs -> new String[] {rs.getString(1), rs.getString(2)});
    if (found.isEmpty()) {
      throw new CompassException("the one-time token's " + owner.objectType().toLowerCase() + " no longer exists");
    }
    return new Paired(owner, found.get(0)[1]);
  }

  private Map<String, Object> configuration(DataFetchingEnvironment env) {
    return db.write(tx -> {
      Paired paired = consume(tx, env);
      OneTimeTokens.Issued next = tokens.issue(tx, paired.owner().tenant(), paired.owner().objectType(), paired.owner().objectId());
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("token", Map.of("token", next.token()));
      result.put("certificateSigningRequestInfo", Map.of("subject", CertificateAuthority.rfc2253(paired.subject()), "keyAlgorithm", "rsa2048"));
      Map<String, Object> plane = new LinkedHashMap<>();
      plane.put("directorURL", env.getGraphQlContext().get(DIRECTOR_URL));
      plane.put("certificateSecuredConnectorURL", null);
      result.put("managementPlaneInfo", plane);
      return result;
    });
  }

  private Map<String, Object> sign(DataFetchingEnvironment env) {
    String csr = env.getArgument("csr");
    return db.write(tx -> {
      Paired paired = consume(tx, env);
      CertificateAuthority.Signed signed = ca.sign(csr, paired.subject());
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("certificateChain", base64(signed.clientCertificatePem() + signed.caCertificatePem()));
      result.put("caCertificate", base64(signed.caCertificatePem()));
      result.put("clientCertificate", base64(signed.clientCertificatePem()));
      if (paired.platformId() != null) {
        RegisteredPlatform.Credentials credentials = platforms.newCredentials(paired.platformId());
        // The pairing signal the Runtime Provisioner waits for: the agent now holds platform credentials.
        tx.update("UPDATE compass_runtimes SET paired_at = now() WHERE id = ?", paired.owner().objectId());
        result.put("platformCredentials", Map.of("platformID", paired.platformId(),
            "username", credentials.username(), "password", credentials.password()));
      }
      return result;
    });
  }

  private static String base64(String pem) {
    return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.UTF_8));
  }
}

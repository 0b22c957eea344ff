package dev.servicemanager.compass;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.servicemanager.server.ServiceManagerLauncher;
import dev.servicemanager.testkit.TestDatabases;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A real Service Manager with the Compass plugin on a fresh embedded PostgreSQL database. Tokens
 * come from a tiny external issuer (a JWKS server in this JVM), because the built-in issuer only
 * issues admin tokens without a tenant claim; the server checks them against its JWKS.
 */
final class CompassServer implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private final RSAKey key;
  private final HttpServer issuer;
  private final ServiceManagerLauncher.Running running;
  final String url;
  final String databaseUrl;

  /** A response: the status and the JSON body (null when the body is not JSON). */
  record Response(int status, JsonNode json, String body) {
    JsonNode data(String field) {
      return json.path("data").path(field);
    }

    String firstError() {
      return json.path("errors").path(0).path("message").asText(null);
    }
  }

  CompassServer() {
    this(Map.of());
  }

  CompassServer(Map<String, Object> extra) {
    try {
      key = new RSAKeyGenerator(2048).keyID("compass-test").generate();
      issuer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    byte[] jwks = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
    issuer.createContext("/keys", exchange -> {
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, jwks.length);
      exchange.getResponseBody().write(jwks);
      exchange.close();
    });
    issuer.start();
    databaseUrl = TestDatabases.newDatabase();
    Map<String, Object> props = new HashMap<>();
    props.put("datasources.default.url", databaseUrl);
    props.put("datasources.default.username", "postgres");
    props.put("datasources.default.password", "");
    props.put("micronaut.server.port", -1);
    props.put("micronaut.server.host", "127.0.0.1");
    props.put("sm.encryption-key", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");
    props.put("sm.token.issuer-url", issuerUrl());
    props.put("sm.token.jwks-url", issuerUrl() + "/keys");
    props.put("sm.token.audience", "service-manager");
    props.putAll(extra);
    running = ServiceManagerLauncher.start(props);
    String u = running.context().getBean(EmbeddedServer.class).getURL().toString();
    url = u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
  }

  private String issuerUrl() {
    return "http://127.0.0.1:" + issuer.getAddress().getPort();
  }

  /** A bearer token of the test issuer; tenant may be null. */
  String token(String tenant, String scope) {
    long now = System.currentTimeMillis();
    JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
        .issuer(issuerUrl())
        .subject("user-" + tenant)
        .audience("service-manager")
        .issueTime(new Date(now))
        .expirationTime(new Date(now + 600_000))
        .claim("scope", scope);
    if (tenant != null) {
      claims.claim("tenant", tenant);
    }
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims.build());
    try {
      jwt.sign(new RSASSASigner(key));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return jwt.serialize();
  }

  String tenantToken(String tenant) {
    return token(tenant, "compass.read compass.write");
  }

  String adminToken() {
    return token(null, "sm.admin");
  }

  /** A Director call as a tenant's read-write user. */
  Response director(String tenant, String query, Map<String, Object> variables) {
    return director("Bearer " + tenantToken(tenant), tenant, query, variables);
  }

  Response director(String authorization, String tenant, String query, Map<String, Object> variables) {
    Map<String, String> headers = new LinkedHashMap<>();
    if (authorization != null) {
      headers.put("Authorization", authorization);
    }
    if (tenant != null) {
      headers.put("Tenant", tenant);
    }
    return post("/compass/graphql", headers, graphql(query, variables));
  }

  /** A Runtime Provisioner call as a tenant's read-write user. */
  Response provisioner(String tenant, String query, Map<String, Object> variables) {
    return post("/compass/provisioner/graphql",
        Map.of("Authorization", "Bearer " + tenantToken(tenant), "Tenant", tenant), graphql(query, variables));
  }

  Response connector(String token, String query, Map<String, Object> variables) {
    Map<String, String> headers = new LinkedHashMap<>();
    if (token != null) {
      headers.put("connector-token", token);
    }
    return post("/compass/connector/graphql", headers, graphql(query, variables));
  }

  private static String graphql(String query, Map<String, Object> variables) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("query", query);
    body.put("variables", variables == null ? Map.of() : variables);
    try {
      return JSON.writeValueAsString(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Response post(String path, Map<String, String> headers, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(request::header);
    return send(request.build());
  }

  Response get(String path, String authorization) {
    return send(HttpRequest.newBuilder(URI.create(url + path)).header("Authorization", authorization)
        .header("X-Broker-API-Version", "2.17").GET().build());
  }

  Response delete(String path, String authorization) {
    return send(HttpRequest.newBuilder(URI.create(url + path)).header("Authorization", authorization).DELETE().build());
  }

  /** Any method, with an OSB API version header; body may be null. */
  Response osb(String method, String path, String authorization, Object body) {
    HttpRequest.BodyPublisher publisher;
    try {
      publisher = body == null ? HttpRequest.BodyPublishers.noBody()
          : HttpRequest.BodyPublishers.ofString(body instanceof String s ? s : JSON.writeValueAsString(body));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path)).header("Content-Type", "application/json")
        .header("X-Broker-API-Version", "2.17").method(method, publisher);
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return send(request.build());
  }

  Response adminPost(String path, Object body) {
    try {
      return post(path, Map.of("Authorization", "Bearer " + adminToken()), JSON.writeValueAsString(body));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String basic(String username, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private static Response send(HttpRequest request) {
    try {
      HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      JsonNode json;
      try {
        json = response.body().isEmpty() ? null : JSON.readTree(response.body());
      } catch (IOException e) {
        json = null;
      }
      return new Response(response.statusCode(), json, response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  io.micronaut.context.ApplicationContext context() {
    return running.context();
  }

  /** A direct connection to the server's database, for checks and to age tokens. */
  Connection database() throws SQLException {
    return DriverManager.getConnection(databaseUrl, "postgres", "");
  }

  @Override
  public void close() {
    try {
      running.close();
    } finally {
      issuer.stop(0);
    }
  }
}

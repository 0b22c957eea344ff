package dev.servicemanager.compass;

import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import jakarta.inject.Singleton;

/**
 * The URLs clients are told to use: {@code compass.connector-url} / {@code compass.director-url}
 * when set, else {@code sm.public-url} plus the path, else the request's own scheme and host.
 */
@Singleton
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
public final class PublicUrls {
  private final String connectorUrl;
  private final String directorUrl;
  private final String publicUrl;

  PublicUrls(
      @Value("${compass.connector-url:}") String connectorUrl,
      @Value("${compass.director-url:}") String directorUrl,
      @Value("${sm.public-url:}") String publicUrl) {
    this.connectorUrl = connectorUrl.trim();
    this.directorUrl = directorUrl.trim();
    this.publicUrl = publicUrl.trim().replaceAll("/+$", "");
  }

  public String connector(HttpRequest<?> request) {
    return connectorUrl.isEmpty() ? base(request) + CompassAccess.CONNECTOR : connectorUrl;
  }

  public String director(HttpRequest<?> request) {
    return directorUrl.isEmpty() ? base(request) + CompassAccess.DIRECTOR : directorUrl;
  }

  /** The Service Manager's own base URL as clients see it. */
  public String base(HttpRequest<?> request) {
    if (!publicUrl.isEmpty()) {
      return publicUrl;
    }
    String host = request.getHeaders().get(HttpHeaders.HOST);
    if (host == null || !host.matches("^[A-Za-z0-9.\\-\\[\\]:]+$")) {
      host = request.getServerAddress().getHostString() + ":" + request.getServerAddress().getPort();
    }
    return (request.isSecure() ? "https" : "http") + "://" + host;
  }
}

package dev.servicemanager.server.instances;

import dev.servicemanager.server.instances.InstanceService.Caller;
import dev.servicemanager.spi.ApiException;
import io.micronaut.http.HttpRequest;
import io.micronaut.security.authentication.Authentication;
import java.util.UUID;

/** Query flags and caller identity shared by the instance and binding controllers. */
final class Requests {
  private Requests() {}

  /** {@code true}/{@code false}, or the default when absent; anything else is 400. */
  static boolean flag(HttpRequest<?> request, String name, boolean fallback) {
    String value = request.getParameters().get(name);
    if (value == null) {
      return fallback;
    }
    return switch (value) {
      case "true" -> true;
      case "false" -> false;
      default -> throw ApiException.badRequest(name + " must be true or false, got '" + value + "'");
    };
  }

  static Caller caller(HttpRequest<?> request, Authentication authentication) {
    String correlation = request.getHeaders().get("X-Correlation-ID");
    if (correlation == null || correlation.isBlank() || correlation.length() > 255) {
      correlation = UUID.randomUUID().toString();
    }
    return new Caller(authentication == null ? "unknown" : authentication.getName(), correlation);
  }
}

package dev.servicemanager.compass;

import dev.servicemanager.spi.input.InputRejection;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;

/** Input the server refuses before routing is, on our GraphQL endpoints, a GraphQL error (400). */
@Singleton
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
final class GraphQLInputRejection implements InputRejection {
  @Override
  public boolean appliesTo(String path) {
    return path.equals(CompassAccess.DIRECTOR) || path.equals(CompassAccess.CONNECTOR);
  }

  @Override
  public HttpResponse<?> reject(Problem problem, String description) {
    return GraphQLEndpoint.refuse(HttpStatus.BAD_REQUEST, description);
  }
}

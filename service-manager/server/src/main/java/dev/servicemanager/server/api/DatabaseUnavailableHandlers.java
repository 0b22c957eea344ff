package dev.servicemanager.server.api;

import io.micronaut.data.connection.exceptions.ConnectionException;
import io.micronaut.data.connection.jdbc.exceptions.CannotGetJdbcConnectionException;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * No connection to the database (stopped, restarting, unreachable, pool exhausted): 503 with a
 * Retry-After, logged as one line rather than as an unexpected error with its stack, because an
 * outage produces one per request. Failures inside a statement are translated by {@code Sql}; any
 * other outage-caused failure is recognised by {@link ErrorBodyProcessor}.
 */
final class DatabaseUnavailableHandlers {
  private static final Logger LOG = LoggerFactory.getLogger(DatabaseUnavailableHandlers.class);

  private DatabaseUnavailableHandlers() {}

  static HttpResponse<ApiError> unavailable(HttpRequest<?> request, RuntimeException e) {
    LOG.warn("Database unavailable while serving {} {}: {}", request.getMethod(), request.getPath(), e.getMessage());
    return HttpResponse.<ApiError>status(HttpStatus.SERVICE_UNAVAILABLE)
        .header("Retry-After", "1")
        .body(new ApiError("ServiceUnavailable", ErrorBodyProcessor.DATABASE_UNAVAILABLE));
  }

  @Produces
  @Singleton
  static final class NoConnection implements ExceptionHandler<CannotGetJdbcConnectionException, HttpResponse<ApiError>> {
    @Override
    public HttpResponse<ApiError> handle(HttpRequest request, CannotGetJdbcConnectionException exception) {
      return unavailable(request, exception);
    }
  }

  @Produces
  @Singleton
  static final class BrokenConnection implements ExceptionHandler<ConnectionException, HttpResponse<ApiError>> {
    @Override
    public HttpResponse<ApiError> handle(HttpRequest request, ConnectionException exception) {
      return unavailable(request, exception);
    }
  }
}

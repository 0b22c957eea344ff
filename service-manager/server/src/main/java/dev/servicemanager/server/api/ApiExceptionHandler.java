package dev.servicemanager.server.api;

import dev.servicemanager.spi.ApiException;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

@Produces
@Singleton
@Requires(classes = {ApiException.class, ExceptionHandler.class})
final class ApiExceptionHandler implements ExceptionHandler<ApiException, HttpResponse<ApiError>> {
  @Override
  public HttpResponse<ApiError> handle(HttpRequest request, ApiException exception) {
    return HttpResponse.<ApiError>status(exception.status())
        .body(new ApiError(exception.error(), exception.description()));
  }
}

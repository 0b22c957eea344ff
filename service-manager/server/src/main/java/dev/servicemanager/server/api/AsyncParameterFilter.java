package dev.servicemanager.server.api;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.core.annotation.Nullable;

/**
 * The {@code async} query parameter (reference 2.3) must be {@code true} or {@code false}, and the
 * registry resources run synchronously only: {@code async=true} there is 400 {@code
 * InvalidRequest}. Checked here once instead of in every controller.
 */
@ServerFilter({
  "/v1/platforms",
  "/v1/platforms/**",
  "/v1/service_brokers",
  "/v1/service_brokers/**",
  "/v1/service_offerings",
  "/v1/service_offerings/**",
  "/v1/service_plans",
  "/v1/service_plans/**",
  "/v1/visibilities",
  "/v1/visibilities/**",
  "/v1/operations",
  "/v1/operations/**"
})
final class AsyncParameterFilter {
  @RequestFilter
  @Nullable
  HttpResponse<ApiError> check(HttpRequest<?> request) {
    String async = request.getParameters().get("async");
    if (async == null) {
      return null;
    }
    if (!async.equals("true") && !async.equals("false")) {
      return HttpResponse.<ApiError>status(HttpStatus.BAD_REQUEST)
          .body(new ApiError("BadRequest", "async must be true or false, got '" + async + "'"));
    }
    if (async.equals("true")) {
      return HttpResponse.<ApiError>status(HttpStatus.BAD_REQUEST)
          .body(
              new ApiError(
                  "InvalidRequest", "requested api doesn't support asynchronous operations"));
    }
    return null;
  }
}

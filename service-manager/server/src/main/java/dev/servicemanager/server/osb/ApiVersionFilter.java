package dev.servicemanager.server.osb;

import dev.servicemanager.server.api.ApiError;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.ServerFilterPhase;
import java.util.regex.Pattern;

/**
 * OSB 2.17 section 2: every platform request carries {@code X-Broker-API-Version}. A request without
 * it, or with a major version other than 2, is answered 412 here, on every route alike, as OSB
 * brokers commonly do (the fake broker, osb-checker's reference brokers): the catalog is answered
 * from SM's store, so forwarding the request for the broker to decide would not be consistent.
 * A 2.x version is forwarded unchanged and the broker decides about it. Runs after authentication,
 * so bad credentials are still 401 first, as at a broker.
 */
@ServerFilter("/v1/osb/**")
final class ApiVersionFilter implements Ordered {
  private static final Pattern VERSION_2 = Pattern.compile("2\\.\\d+");

  @RequestFilter
  @Nullable
  HttpResponse<ApiError> check(HttpRequest<?> request) {
    String version = request.getHeaders().get(OsbController.API_VERSION);
    if (version != null && VERSION_2.matcher(version.strip()).matches()) {
      return null;
    }
    String description =
        version == null || version.isBlank()
            ? "the X-Broker-API-Version header is required; this endpoint serves OSB 2.x (2.17)"
            : "X-Broker-API-Version " + version + " is not supported; this endpoint serves OSB 2.x (2.17)";
    return HttpResponse.<ApiError>status(HttpStatus.PRECONDITION_FAILED)
        .body(new ApiError("PreconditionFailed", description));
  }

  @Override
  public int getOrder() {
    return ServerFilterPhase.SECURITY.after();
  }
}

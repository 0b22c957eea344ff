package dev.servicemanager.server.api;

import dev.servicemanager.spi.input.InputRejection;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.ServerFilterPhase;
import java.util.List;
import java.util.Optional;

/**
 * Applies {@link InputRules} to every request, once, before routing: so a hostile value never
 * reaches a controller, the database or (on {@code /v1/osb}) a broker. It runs after security, so a
 * caller without valid credentials still gets 401 whatever its body holds (authentication reads only
 * headers). Plugins choose the error shape of their own paths through {@link InputRejection}.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
final class HostileInputFilter implements Ordered {
  private final List<InputRejection> shapes;

  HostileInputFilter(List<InputRejection> shapes) {
    this.shapes = shapes;
  }

  @Override
  public int getOrder() {
    return ServerFilterPhase.SECURITY.after();
  }

  @RequestFilter
  @Nullable
  HttpResponse<?> check(HttpRequest<?> request, @Nullable @Body byte[] body) {
    String path = request.getUri().getRawPath();
    Optional<InputRules.Rejection> rejection = InputRules.path(path == null ? "" : path);
    String query = request.getUri().getRawQuery();
    if (rejection.isEmpty() && query != null) {
      rejection = InputRules.query(query, "the query string");
    }
    if (rejection.isEmpty() && body != null && body.length > 0) {
      MediaType type = request.getContentType().orElse(null);
      boolean json = type != null && (type.getSubtype().equals("json") || type.getSubtype().endsWith("+json"));
      boolean form = type != null && type.matches(MediaType.APPLICATION_FORM_URLENCODED_TYPE);
      rejection = InputRules.body(body, json, form);
    }
    return rejection.map(r -> respond(path, r)).orElse(null);
  }

  private HttpResponse<?> respond(String path, InputRules.Rejection rejection) {
    for (InputRejection shape : shapes) {
      if (path != null && shape.appliesTo(path)) {
        return shape.reject(rejection.problem(), rejection.description());
      }
    }
    return HttpResponse.status(HttpStatus.BAD_REQUEST).body(new ApiError("BadRequest", rejection.description()));
  }
}

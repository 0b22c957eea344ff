package dev.servicemanager.server.store;

import io.micronaut.context.annotation.Value;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.uri.UriBuilder;
import jakarta.inject.Singleton;

/** Turns list requests into {@link ListParams} and pages into responses with a {@code Link} header. */
@Singleton
public final class Listing {
  private final int defaultPageSize;
  private final int maxPageSize;

  Listing(
      @Value("${sm.api.default-page-size:50}") int defaultPageSize,
      @Value("${sm.api.max-page-size:200}") int maxPageSize) {
    this.defaultPageSize = defaultPageSize;
    this.maxPageSize = maxPageSize;
  }

  public ListParams params(HttpRequest<?> request) {
    return ListParams.from(request, defaultPageSize, maxPageSize);
  }

  public <T> MutableHttpResponse<Page<T>> respond(HttpRequest<?> request, Page<T> page) {
    MutableHttpResponse<Page<T>> response = HttpResponse.ok(page);
    if (page.token() != null) {
      UriBuilder next = UriBuilder.of(request.getPath());
      request
          .getParameters()
          .forEach(
              (name, values) -> {
                if (!name.equals("token")) {
                  values.forEach(value -> next.queryParam(name, value));
                }
              });
      next.queryParam("token", page.token());
      response.header("Link", "<" + next.build() + ">; rel=\"next\"");
    }
    return response;
  }
}

package dev.servicemanager.server.registry;

import dev.servicemanager.server.security.Callers;
import dev.servicemanager.server.store.Listing;
import dev.servicemanager.server.store.Page;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Patch;
import io.micronaut.http.annotation.Post;
import io.micronaut.security.authentication.Authentication;
import jakarta.validation.Valid;
import java.util.Map;

@Controller(VisibilityService.PATH)
class VisibilityController {
  private final VisibilityService visibilities;
  private final Listing listing;

  VisibilityController(VisibilityService visibilities, Listing listing) {
    this.visibilities = visibilities;
    this.listing = listing;
  }

  @Post
  HttpResponse<Visibility> create(@Valid @Body VisibilityRequests.Create body) {
    return HttpResponse.status(HttpStatus.CREATED).body(visibilities.create(body));
  }

  @Get
  HttpResponse<Page<Visibility>> list(HttpRequest<?> request, @Nullable Authentication auth) {
    return listing.respond(request, visibilities.list(listing.params(request), Callers.platformId(auth)));
  }

  @Get("/{id}")
  Visibility get(String id, @Nullable Authentication auth) {
    return visibilities.get(id, Callers.platformId(auth));
  }

  @Patch("/{id}")
  Visibility patch(String id, @Valid @Body VisibilityRequests.Patch body) {
    return visibilities.patch(id, body);
  }

  @Delete("/{id}")
  Map<String, Object> delete(String id) {
    visibilities.delete(id);
    return Map.of();
  }

  @Delete
  Map<String, Object> deleteMatching(HttpRequest<?> request) {
    visibilities.deleteMatching(BulkDelete.params(listing, request));
    return Map.of();
  }
}

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
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.security.authentication.Authentication;
import jakarta.validation.Valid;
import java.util.Map;

@Controller(PlatformService.PATH)
class PlatformController {
  private final PlatformService platforms;
  private final Listing listing;

  PlatformController(PlatformService platforms, Listing listing) {
    this.platforms = platforms;
    this.listing = listing;
  }

  @Post
  HttpResponse<Platform> create(@Valid @Body PlatformRequests.Create body) {
    return HttpResponse.status(HttpStatus.CREATED).body(platforms.create(body));
  }

  @Get
  HttpResponse<Page<Platform>> list(HttpRequest<?> request, @Nullable Authentication auth) {
    return listing.respond(request, platforms.list(listing.params(request), Callers.platformId(auth)));
  }

  @Get("/{id}")
  Platform get(String id, @Nullable Authentication auth) {
    return platforms.get(id, Callers.platformId(auth));
  }

  @Patch("/{id}")
  Platform patch(
      String id,
      @Valid @Body PlatformRequests.Patch body,
      @QueryValue(defaultValue = "false") boolean regenerateCredentials) {
    return platforms.patch(id, body, regenerateCredentials);
  }

  @Delete("/{id}")
  Map<String, Object> delete(String id) {
    platforms.delete(id);
    return Map.of();
  }

  @Delete
  Map<String, Object> deleteMatching(HttpRequest<?> request) {
    platforms.deleteMatching(BulkDelete.params(listing, request));
    return Map.of();
  }
}

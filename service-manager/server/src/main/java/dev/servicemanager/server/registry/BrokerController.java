package dev.servicemanager.server.registry;

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

@Controller(BrokerService.PATH)
class BrokerController {
  private final BrokerService brokers;
  private final Listing listing;
  private final PlatformTypes platformTypes;

  BrokerController(BrokerService brokers, Listing listing, PlatformTypes platformTypes) {
    this.platformTypes = platformTypes;
    this.brokers = brokers;
    this.listing = listing;
  }

  @Post
  HttpResponse<ServiceBroker> create(@Valid @Body BrokerRequests.Create body) {
    return HttpResponse.status(HttpStatus.CREATED).body(brokers.create(body));
  }

  @Get
  HttpResponse<Page<ServiceBroker>> list(HttpRequest<?> request, @Nullable Authentication auth) {
    return listing.respond(request, brokers.list(listing.params(request), platformTypes.catalogNarrowedTo(auth)));
  }

  @Get("/{id}")
  ServiceBroker get(String id, @Nullable Authentication auth) {
    return brokers.get(id, platformTypes.catalogNarrowedTo(auth));
  }

  @Patch("/{id}")
  ServiceBroker patch(String id, @Valid @Body BrokerRequests.Patch body) {
    return brokers.patch(id, body);
  }

  @Delete("/{id}")
  Map<String, Object> delete(String id) {
    brokers.delete(id);
    return Map.of();
  }

  @Delete
  Map<String, Object> deleteMatching(HttpRequest<?> request) {
    brokers.deleteMatching(BulkDelete.params(listing, request));
    return Map.of();
  }
}

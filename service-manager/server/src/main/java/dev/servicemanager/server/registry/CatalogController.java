package dev.servicemanager.server.registry;

import dev.servicemanager.server.store.Listing;
import dev.servicemanager.server.store.Page;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Patch;
import io.micronaut.security.authentication.Authentication;
import jakarta.validation.Valid;

/** {@code /v1/service_offerings} and {@code /v1/service_plans}: read, and PATCH labels only. */
@Controller("/v1")
class CatalogController {
  private final CatalogService catalog;
  private final Listing listing;
  private final PlatformTypes platformTypes;

  CatalogController(CatalogService catalog, Listing listing, PlatformTypes platformTypes) {
    this.platformTypes = platformTypes;
    this.catalog = catalog;
    this.listing = listing;
  }

  @Get("/service_offerings")
  HttpResponse<Page<ServiceOffering>> listOfferings(HttpRequest<?> request, @Nullable Authentication auth) {
    return listing.respond(request, catalog.listOfferings(listing.params(request), platformTypes.catalogNarrowedTo(auth)));
  }

  @Get("/service_offerings/{id}")
  ServiceOffering getOffering(String id, @Nullable Authentication auth) {
    return catalog.getOffering(id, platformTypes.catalogNarrowedTo(auth));
  }

  @Patch("/service_offerings/{id}")
  ServiceOffering patchOffering(String id, @Valid @Body LabelsPatch body) {
    return catalog.patchOffering(id, body.labels());
  }

  @Get("/service_plans")
  HttpResponse<Page<ServicePlan>> listPlans(HttpRequest<?> request, @Nullable Authentication auth) {
    return listing.respond(request, catalog.listPlans(listing.params(request), platformTypes.catalogNarrowedTo(auth)));
  }

  @Get("/service_plans/{id}")
  ServicePlan getPlan(String id, @Nullable Authentication auth) {
    return catalog.getPlan(id, platformTypes.catalogNarrowedTo(auth));
  }

  @Patch("/service_plans/{id}")
  ServicePlan patchPlan(String id, @Valid @Body LabelsPatch body) {
    return catalog.patchPlan(id, body.labels());
  }
}

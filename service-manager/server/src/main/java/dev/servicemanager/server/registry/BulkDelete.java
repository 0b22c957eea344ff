package dev.servicemanager.server.registry;

import dev.servicemanager.server.store.ListParams;
import dev.servicemanager.server.store.Listing;
import dev.servicemanager.spi.ApiException;
import io.micronaut.http.HttpRequest;

/**
 * Bulk deletes need a query: unlike Peripli, {@code DELETE /v1/platforms} with no query does not
 * delete everything, because one mistyped command should not wipe a registry.
 */
final class BulkDelete {
  private BulkDelete() {}

  static ListParams params(Listing listing, HttpRequest<?> request) {
    ListParams params = listing.params(request);
    if (blank(params.fieldQuery()) && blank(params.labelQuery())) {
      throw ApiException.badRequest(
          "a bulk delete needs a fieldQuery or labelQuery; to delete one resource use DELETE on its id");
    }
    return params;
  }

  private static boolean blank(String value) {
    return value == null || value.isBlank();
  }
}

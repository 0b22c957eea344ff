package dev.servicemanager.server.operations;

import dev.servicemanager.server.query.SqlFragment;
import dev.servicemanager.server.store.Listing;
import dev.servicemanager.server.store.Page;
import dev.servicemanager.server.store.ResourceStore;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.transaction.TransactionOperations;
import java.sql.Connection;

/** {@code GET /v1/operations}: every operation, with field queries and paging (admin only). */
@Controller("/v1/operations")
class OperationController {
  private final OperationStore operations;
  private final ResourceStore resources;
  private final Listing listing;
  private final TransactionOperations<Connection> tx;

  OperationController(
      OperationStore operations, ResourceStore resources, Listing listing, TransactionOperations<Connection> tx) {
    this.operations = operations;
    this.resources = resources;
    this.listing = listing;
    this.tx = tx;
  }

  @Get
  HttpResponse<Page<Operation>> list(HttpRequest<?> request) {
    var params = listing.params(request);
    return listing.respond(
        request, tx.executeRead(status -> resources.list(operations.type(), params, SqlFragment.TRUE)));
  }
}

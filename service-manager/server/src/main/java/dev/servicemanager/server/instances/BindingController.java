package dev.servicemanager.server.instances;

import dev.servicemanager.server.instances.InstanceService.Started;
import dev.servicemanager.server.operations.Operation;
import dev.servicemanager.server.store.Listing;
import dev.servicemanager.server.store.Page;
import dev.servicemanager.spi.ApiException;
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

/** {@code /v1/service_bindings}: asynchronous by default; PATCH is synchronous and local. */
@Controller(InstanceStore.BINDINGS)
class BindingController {
  private final BindingService bindings;
  private final Listing listing;

  BindingController(BindingService bindings, Listing listing) {
    this.bindings = bindings;
    this.listing = listing;
  }

  @Post
  HttpResponse<Object> create(
      HttpRequest<?> request, @Valid @Body InstanceRequests.CreateBinding body, @Nullable Authentication auth) {
    Started started = bindings.create(body, Requests.flag(request, "async", true), Requests.caller(request, auth));
    Operation op = started.operation();
    if (started.async()) {
      return Accepted.accepted(InstanceStore.BINDINGS, op);
    }
    if (op.inProgress() || Operation.FAILED.equals(op.state())) {
      return Accepted.finished(InstanceStore.BINDINGS, op, HttpStatus.CREATED, null);
    }
    return HttpResponse.status(HttpStatus.CREATED).body(bindings.get(op.resourceId()));
  }

  @Get
  HttpResponse<Page<ServiceBinding>> list(HttpRequest<?> request) {
    boolean attach = Requests.flag(request, "attach_last_operations", false);
    return listing.respond(request, bindings.list(listing.params(request), attach));
  }

  @Get("/{id}")
  ServiceBinding get(String id) {
    return bindings.get(id);
  }

  @Get("/{id}/operations/{operationId}")
  Operation operation(String id, String operationId) {
    return bindings.operation(id, operationId);
  }

  @Patch("/{id}")
  ServiceBinding patch(HttpRequest<?> request, String id, @Valid @Body InstanceRequests.PatchBinding body) {
    if (Requests.flag(request, "async", false)) {
      throw ApiException.invalidRequest("requested api doesn't support asynchronous operations");
    }
    return bindings.patch(id, body);
  }

  @Delete("/{id}")
  HttpResponse<Object> delete(HttpRequest<?> request, String id, @Nullable Authentication auth) {
    Started started =
        bindings.delete(
            id, Requests.flag(request, "force", false), Requests.flag(request, "async", true), Requests.caller(request, auth));
    if (started.async()) {
      return Accepted.accepted(InstanceStore.BINDINGS, started.operation());
    }
    return Accepted.finished(InstanceStore.BINDINGS, started.operation(), HttpStatus.OK, Map.of());
  }
}

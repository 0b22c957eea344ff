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

/** {@code /v1/service_instances}: asynchronous by default (reference 2.3). */
@Controller(InstanceStore.INSTANCES)
class InstanceController {
  private final InstanceService instances;
  private final Listing listing;

  InstanceController(InstanceService instances, Listing listing) {
    this.instances = instances;
    this.listing = listing;
  }

  @Post
  HttpResponse<Object> create(
      HttpRequest<?> request, @Valid @Body InstanceRequests.CreateInstance body, @Nullable Authentication auth) {
    Started started = instances.create(body, Requests.flag(request, "async", true), Requests.caller(request, auth));
    return respond(started, HttpStatus.CREATED);
  }

  @Get
  HttpResponse<Page<ServiceInstance>> list(HttpRequest<?> request) {
    boolean attach = Requests.flag(request, "attach_last_operations", false);
    return listing.respond(request, instances.list(listing.params(request), attach));
  }

  @Get("/{id}")
  ServiceInstance get(String id) {
    return instances.get(id);
  }

  @Get("/{id}/parameters")
  Map<String, Object> parameters(HttpRequest<?> request, String id) {
    if (Requests.flag(request, "async", false)) {
      throw ApiException.badRequest("fetching parameters is synchronous; async=true is not supported");
    }
    return instances.parameters(id);
  }

  @Get("/{id}/operations/{operationId}")
  Operation operation(String id, String operationId) {
    return instances.operation(id, operationId);
  }

  @Patch("/{id}")
  HttpResponse<Object> patch(
      HttpRequest<?> request, String id, @Valid @Body InstanceRequests.PatchInstance body, @Nullable Authentication auth) {
    Started started = instances.patch(id, body, Requests.flag(request, "async", true), Requests.caller(request, auth));
    if (started == null) {
      return HttpResponse.ok(instances.get(id));
    }
    return respond(started, HttpStatus.OK);
  }

  @Delete("/{id}")
  HttpResponse<Object> delete(HttpRequest<?> request, String id, @Nullable Authentication auth) {
    Started started =
        instances.delete(
            id,
            Requests.flag(request, "cascade", false),
            Requests.flag(request, "force", false),
            Requests.flag(request, "async", true),
            Requests.caller(request, auth));
    if (started.async()) {
      return Accepted.accepted(InstanceStore.INSTANCES, started.operation());
    }
    return Accepted.finished(InstanceStore.INSTANCES, started.operation(), HttpStatus.OK, Map.of());
  }

  private HttpResponse<Object> respond(Started started, HttpStatus success) {
    Operation op = started.operation();
    if (started.async()) {
      return Accepted.accepted(InstanceStore.INSTANCES, op);
    }
    if (op.inProgress() || Operation.FAILED.equals(op.state())) {
      return Accepted.finished(InstanceStore.INSTANCES, op, success, null);
    }
    return HttpResponse.status(success).body(instances.get(op.resourceId()));
  }
}

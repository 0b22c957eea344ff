package dev.servicemanager.controlplane.rpc;

import dev.servicemanager.spi.access.Caller;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import java.util.Optional;

/**
 * The HTTP envelope of JSON-RPC: {@code POST /control-plane/rpc}. Always 200 with a JSON-RPC response
 * (errors included, as JSON-RPC over HTTP does), or 204 when the request held only notifications.
 * 401/403 come from the server's security before this runs (see {@link ControlPlaneAccess}).
 */
@Controller("/control-plane")
@Requires(property = "control-plane.enabled", notEquals = "false")
final class RpcController {
  private final JsonRpc rpc;

  RpcController(JsonRpc rpc) {
    this.rpc = rpc;
  }

  // The body is read as text so that malformed JSON is ours to answer (-32700), not the framework's.
  @Post(uri = "/rpc", consumes = {MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN}, produces = MediaType.APPLICATION_JSON)
  HttpResponse<String> rpc(HttpRequest<?> request, @Nullable @Body String body) {
    // ControlPlaneAccess let only authenticated callers in; the core left their Caller on the request.
    Caller caller = Caller.of(request).orElseThrow();
    Optional<String> response = rpc.handle(body, caller);
    return response.isPresent()
        ? HttpResponse.ok(response.get()).contentType(MediaType.APPLICATION_JSON_TYPE)
        : HttpResponse.noContent();
  }
}

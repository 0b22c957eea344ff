package dev.servicemanager.controlplane.rpc;

import dev.servicemanager.controlplane.state.Json;
import dev.servicemanager.spi.input.InputRejection;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import jakarta.inject.Singleton;

/**
 * Input the server refuses before routing is, on the RPC endpoint, a JSON-RPC error like any other
 * (200, id null since the request was not read): -32700 when the body does not parse within the
 * limits, -32602 when it parses but holds a value that cannot be stored (U+0000, a lone surrogate).
 */
@Singleton
@Requires(property = "control-plane.enabled", notEquals = "false")
final class RpcInputRejection implements InputRejection {
  @Override
  public boolean appliesTo(String path) {
    return path.equals("/control-plane/rpc");
  }

  @Override
  public HttpResponse<?> reject(Problem problem, String description) {
    RpcException error =
        problem == Problem.UNPARSEABLE
            ? new RpcException(RpcException.PARSE_ERROR, "Parse error", description)
            : RpcException.invalidParams(description);
    return HttpResponse.ok(Json.write(JsonRpc.error(null, error))).contentType(MediaType.APPLICATION_JSON_TYPE);
  }
}

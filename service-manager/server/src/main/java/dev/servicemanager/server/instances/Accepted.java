package dev.servicemanager.server.instances;

import dev.servicemanager.server.operations.Operation;
import dev.servicemanager.spi.ApiException;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import java.util.Map;

/** How an operation's state becomes the HTTP answer of the request that started it (reference 2.3). */
final class Accepted {
  private Accepted() {}

  static String location(String resourcePath, Operation op) {
    return resourcePath + "/" + op.resourceId() + "/operations/" + op.id();
  }

  /** 202, body {@code {}}, Location of the operation. */
  static HttpResponse<Object> accepted(String resourcePath, Operation op) {
    return HttpResponse.status(HttpStatus.ACCEPTED).header("Location", location(resourcePath, op)).body(Map.of());
  }

  /**
   * For a synchronous request: the result when the operation finished, 202 when it is still
   * running after the sync timeout, and the operation's error when it failed.
   */
  static HttpResponse<Object> finished(String resourcePath, Operation op, HttpStatus success, Object body) {
    if (op.inProgress()) {
      return accepted(resourcePath, op);
    }
    if (Operation.FAILED.equals(op.state())) {
      throw failure(op);
    }
    return HttpResponse.status(success).body(body);
  }

  static ApiException failure(Operation op) {
    Map<String, Object> errors = op.errors() == null ? Map.of() : op.errors();
    String error = String.valueOf(errors.getOrDefault("error", "BrokerError"));
    String description = String.valueOf(errors.getOrDefault("description", op.description()));
    HttpStatus status =
        switch (error) {
          case "BadRequest" -> HttpStatus.BAD_REQUEST;
          case "Conflict" -> HttpStatus.CONFLICT;
          case "UnprocessableEntity" -> HttpStatus.UNPROCESSABLE_ENTITY;
          default -> HttpStatus.BAD_GATEWAY;
        };
    return new ApiException(status, error, description);
  }
}

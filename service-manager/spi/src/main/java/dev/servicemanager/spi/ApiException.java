package dev.servicemanager.spi;

import io.micronaut.http.HttpStatus;
import java.util.Objects;

/**
 * The one exception type that becomes an API error response.
 *
 * <p>It is rendered as {@code {"error": error, "description": description}} with {@link #status()}
 * as the HTTP status. The factories are named after the error codes of the Peripli Service Manager
 * specification and OSB 2.17, so call sites read like the spec. The description is shown to API
 * callers: it must never contain secrets or internal details.
 */
public final class ApiException extends RuntimeException {
  private final HttpStatus status;
  private final String error;

  public ApiException(HttpStatus status, String error, String description) {
    super(Objects.requireNonNull(description, "description"), null, false, false);
    this.status = Objects.requireNonNull(status, "status");
    this.error = Objects.requireNonNull(error, "error");
  }

  public HttpStatus status() {
    return status;
  }

  /** The one-word, CamelCase error code, for example {@code NotFound}. */
  public String error() {
    return error;
  }

  public String description() {
    return getMessage();
  }

  public static ApiException badRequest(String description) {
    return new ApiException(HttpStatus.BAD_REQUEST, "BadRequest", description);
  }

  public static ApiException invalidRequest(String description) {
    return new ApiException(HttpStatus.BAD_REQUEST, "InvalidRequest", description);
  }

  public static ApiException invalidFieldQuery(String description) {
    return new ApiException(HttpStatus.BAD_REQUEST, "InvalidFieldQuery", description);
  }

  public static ApiException invalidLabelQuery(String description) {
    return new ApiException(HttpStatus.BAD_REQUEST, "InvalidLabelQuery", description);
  }

  public static ApiException invalidMaxItems(String description) {
    return new ApiException(HttpStatus.BAD_REQUEST, "InvalidMaxItems", description);
  }

  public static ApiException tokenInvalid(String description) {
    return new ApiException(HttpStatus.BAD_REQUEST, "TokenInvalid", description);
  }

  public static ApiException unauthorized(String description) {
    return new ApiException(HttpStatus.UNAUTHORIZED, "Unauthorized", description);
  }

  public static ApiException forbidden(String description) {
    return new ApiException(HttpStatus.FORBIDDEN, "Forbidden", description);
  }

  public static ApiException notFound(String description) {
    return new ApiException(HttpStatus.NOT_FOUND, "NotFound", description);
  }

  public static ApiException conflict(String description) {
    return new ApiException(HttpStatus.CONFLICT, "Conflict", description);
  }

  public static ApiException existingReferenceEntity(String description) {
    return new ApiException(HttpStatus.CONFLICT, "ExistingReferenceEntity", description);
  }

  public static ApiException concurrentResourceUpdate(String description) {
    return new ApiException(HttpStatus.PRECONDITION_FAILED, "ConcurrentResourceUpdate", description);
  }

  public static ApiException concurrentOperationInProgress(String description) {
    return new ApiException(
        HttpStatus.UNPROCESSABLE_ENTITY, "ConcurrentOperationInProgress", description);
  }

  /** A dependency of the Service Manager itself (its database) is unavailable; the caller may retry. */
  public static ApiException serviceUnavailable(String description) {
    return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "ServiceUnavailable", description);
  }

  /** A broker could not be reached, timed out, or answered something unusable. */
  public static ApiException brokerError(String description) {
    return new ApiException(HttpStatus.BAD_GATEWAY, "BrokerError", description);
  }

  @Override
  public String toString() {
    return "ApiException[" + status.getCode() + " " + error + ": " + getMessage() + "]";
  }
}

package dev.servicemanager.server.api;

import dev.servicemanager.server.store.DatabaseOutage;
import io.micronaut.context.annotation.Replaces;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import jakarta.inject.Singleton;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives Micronaut's own errors (unknown route, bad JSON, constraint violations, oversized bodies,
 * security rejections, unexpected exceptions) the same {@code {"error","description"}} shape as
 * ours. A 500 never carries the cause's message: it is logged with an id the caller can quote.
 */
@Singleton
@Replaces(ErrorResponseProcessor.class)
final class ErrorBodyProcessor implements ErrorResponseProcessor<ApiError> {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorBodyProcessor.class);
  private static final int MAX_DESCRIPTION = 500;
  static final String DATABASE_UNAVAILABLE = "The database is not available at the moment; retry the request later";

  @Override
  public MutableHttpResponse<ApiError> processResponse(
      ErrorContext context, MutableHttpResponse<?> response) {
    if (response.getStatus().getCode() >= 500
        && context.getRootCause().filter(DatabaseOutage::causedBy).isPresent()) {
      // Not a bug and not the caller's fault: the database is down or restarting. Say so, retryably.
      return response
          .status(HttpStatus.SERVICE_UNAVAILABLE)
          .header("Retry-After", "1")
          .contentType(MediaType.APPLICATION_JSON_TYPE)
          .body(new ApiError("ServiceUnavailable", DATABASE_UNAVAILABLE));
    }
    HttpStatus status = response.getStatus();
    String description;
    if (status.getCode() >= 500) {
      String id = UUID.randomUUID().toString();
      context
          .getRootCause()
          .ifPresent(cause -> LOG.error("Unexpected error {} on {}", id, context.getRequest(), cause));
      description = "An unexpected error occurred (id " + id + "); the details are in the server log";
    } else {
      description = describe(context, status);
    }
    return response
        .contentType(MediaType.APPLICATION_JSON_TYPE)
        .body(new ApiError(code(status), description));
  }

  private static String describe(ErrorContext context, HttpStatus status) {
    if (status == HttpStatus.UNAUTHORIZED) {
      return "Authentication is required: a bearer token, or platform basic credentials where allowed";
    }
    if (status == HttpStatus.FORBIDDEN) {
      return "The caller is not allowed to perform this request";
    }
    if (status == HttpStatus.NOT_FOUND
        && (!context.hasErrors() || "Page Not Found".equals(context.getErrors().get(0).getMessage()))) {
      return "No such resource or route: " + context.getRequest().getPath();
    }
    String text =
        context.hasErrors()
            ? String.join("; ", context.getErrors().stream().map(e -> e.getMessage()).toList())
            : status.getReason();
    text = cleanParserMessage(text);
    return text.length() > MAX_DESCRIPTION ? text.substring(0, MAX_DESCRIPTION) + "..." : text;
  }

  // Parser messages name internal classes and quote the input; keep only the reason.
  private static String cleanParserMessage(String text) {
    if (text == null) {
      return "Bad request";
    }
    int source = text.indexOf(" at [Source");
    if (source > 0) {
      text = text.substring(0, source);
    }
    text = text.replaceFirst("^Failed to convert argument \\[\\w+\\] for value \\[.*?\\] due to: ", "");
    text = text.replaceFirst(" encountered during deserialization of type: .*$", " in the request body");
    return text.replaceAll("dev\\.servicemanager\\.[\\w.$]+", "body").replace('\n', ' ');
  }

  static String code(HttpStatus status) {
    return switch (status.getCode()) {
      case 400 -> "BadRequest";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "NotFound";
      case 405 -> "MethodNotAllowed";
      case 406 -> "NotAcceptable";
      case 409 -> "Conflict";
      case 413 -> "PayloadTooLarge";
      case 415 -> "UnsupportedMediaType";
      case 422 -> "UnprocessableEntity";
      case 502 -> "BrokerError";
      case 503 -> "ServiceUnavailable";
      default -> status.getCode() >= 500 ? "InternalError" : "BadRequest";
    };
  }
}

package dev.servicemanager.spi.input;

import io.micronaut.http.HttpResponse;

/**
 * How a plugin's routes answer a request that the server refuses before routing because its path,
 * query or body holds input that cannot be stored or parsed safely (a NUL character, a lone
 * surrogate, invalid UTF-8, a path trick, JSON nested too deeply, a duplicate key). The server owns
 * the rules and checks every request once; a plugin whose protocol has its own error shape (GraphQL
 * errors, JSON-RPC error objects) registers one bean of this type for its paths. Routes of no
 * plugin get the API's {@code {"error","description"}} 400.
 */
public interface InputRejection {
  /** What was wrong, for protocols that tell a parse error from invalid content (JSON-RPC). */
  enum Problem {
    /** The body is not parseable JSON or text (invalid UTF-8, nesting or number beyond limits). */
    UNPARSEABLE,
    /** The request parses but holds a value that is refused (NUL, lone surrogate, duplicate key, path trick). */
    INVALID
  }

  /** Whether this shape applies to the request's raw path, e.g. the plugin's endpoint. */
  boolean appliesTo(String path);

  /** The response for a refused request; {@code description} is safe to show the caller. */
  HttpResponse<?> reject(Problem problem, String description);
}

package dev.servicemanager.compass;

/**
 * A refused Director or Connector call. Its message is shown to the caller as the GraphQL error
 * message, so it must say what was wrong and never contain secrets.
 */
public final class CompassException extends RuntimeException {
  public CompassException(String message) {
    super(message, null, false, false);
  }

  public static CompassException notFound(String what, String id) {
    return new CompassException(what + " with id '" + id + "' not found");
  }

  public static CompassException invalid(String message) {
    return new CompassException("invalid input: " + message);
  }
}

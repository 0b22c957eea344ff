package dev.servicemanager.server.operations;

import java.time.Duration;
import java.util.Map;

/** What an operation does after a step; the runner records it in the same transaction as the step's writes. */
public sealed interface Next {

  /** Finished well. */
  record Succeeded(String description) implements Next {}

  /**
   * Finished badly. With {@code mitigate}, the resource may exist at the broker although the action
   * failed, so the operation keeps running the {@code mitigate} step (deprovision or unbind) until the
   * broker confirms or the reconciliation timeout passes; it is {@code failed} from now on either way.
   */
  record Failed(String error, String description, boolean mitigate) implements Next {}

  /**
   * Run {@code step} again later. {@code transientFailure} counts towards the backoff; a broker's
   * Retry-After ({@code delay} non-null) wins over both the backoff and the polling interval.
   */
  record Later(String step, Duration delay, boolean transientFailure, Map<String, Object> contextChanges)
      implements Next {}

  static Next succeeded(String description) {
    return new Succeeded(description);
  }

  static Next failed(String error, String description) {
    return new Failed(error, description, false);
  }

  /** Run {@code step} after the normal polling interval, or the broker's Retry-After. */
  static Next poll(String step, Duration retryAfter) {
    return new Later(step, retryAfter, false, Map.of());
  }

  /** Run {@code step} now (the next step of a sequence). */
  static Next continueWith(String step, Map<String, Object> contextChanges) {
    return new Later(step, Duration.ZERO, false, contextChanges);
  }

  /** Retry {@code step} after a transient failure, with backoff (or the broker's Retry-After). */
  static Next retry(String step, Duration retryAfter) {
    return new Later(step, retryAfter, true, Map.of());
  }
}

package dev.servicemanager.server.osb;

import java.time.Duration;
import java.util.Map;

/** What a call to a broker came to: an HTTP answer, or no answer at all. */
public sealed interface OsbOutcome {

  /**
   * The broker answered. {@code body} is the parsed JSON object, or {@code null} when the body was
   * empty or not a JSON object ({@code malformed} says which).
   */
  record Answer(int status, Map<String, Object> body, boolean malformed, Duration retryAfter)
      implements OsbOutcome {
    public String string(String field) {
      Object value = body == null ? null : body.get(field);
      return value instanceof String s ? s : null;
    }

    /** The broker's {@code description} (or {@code error}) for messages; never the whole body. */
    public String description() {
      String description = string("description");
      if (description == null) {
        description = string("error");
      }
      return description == null ? "" : description;
    }

    public boolean concurrencyError() {
      return status == 422 && "ConcurrencyError".equals(string("error"));
    }
  }

  /**
   * No answer. {@code mayHaveReachedBroker} is false when the connection was never made (refused,
   * connect timeout): no orphan can exist then.
   */
  record NoAnswer(boolean mayHaveReachedBroker, String description) implements OsbOutcome {}
}

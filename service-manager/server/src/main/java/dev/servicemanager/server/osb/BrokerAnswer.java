package dev.servicemanager.server.osb;

import dev.servicemanager.server.store.Json;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The broker's answer as the platform gets it. The endpoint is transparent: status and body pass
 * through unchanged, error descriptions included (a platform shows them to its users, and OSB
 * gives some of them meaning, e.g. 410 on a deprovision is a success). Two exceptions, both in
 * docs/osb-endpoint.md: a 2xx whose body is not a JSON object is a failure in OSB terms (section 5,
 * orphan mitigation table), so the platform gets 502 {@code BrokerError} instead of a success SM did
 * not record; any other body that is not a JSON object becomes {@code {"description": ...}}, since
 * this endpoint always answers JSON.
 *
 * @param status what the platform gets
 * @param brokerStatus what the broker answered (the trackers decide by it)
 * @param parsed the broker's body as a JSON object, or null when it was not one
 */
record BrokerAnswer(int status, int brokerStatus, Map<String, Object> parsed, String json) {
  private static final int EXCERPT = 200;

  static BrokerAnswer of(String brokerName, String what, BrokerReply reply, Json mapper) {
    String text = new String(reply.body(), StandardCharsets.UTF_8);
    Map<String, Object> parsed = parse(text, mapper);
    if (parsed != null) {
      return new BrokerAnswer(reply.status(), reply.status(), parsed, text.isBlank() ? "{}" : text);
    }
    String excerpt = text.length() > EXCERPT ? text.substring(0, EXCERPT) + "..." : text;
    Map<String, Object> body = new LinkedHashMap<>();
    if (reply.status() >= 200 && reply.status() < 300) {
      body.put("error", "BrokerError");
      body.put("description", "Service broker " + brokerName + " answered " + what + " with " + reply.status()
          + " and a body that is not a JSON object, which OSB counts as a failure: " + excerpt);
      return new BrokerAnswer(502, reply.status(), null, mapper.write(body));
    }
    body.put("description", "Service broker " + brokerName + " responded with invalid JSON: " + excerpt);
    return new BrokerAnswer(reply.status(), reply.status(), null, mapper.write(body));
  }

  /** The broker answered 2xx with a body that is not a JSON object. */
  boolean malformedSuccess() {
    return parsed == null && brokerStatus >= 200 && brokerStatus < 300;
  }

  // An empty body is read as {} (some brokers send nothing with a 200 or 410); anything else must be an object.
  private static Map<String, Object> parse(String text, Json mapper) {
    if (text.isBlank()) {
      return Map.of();
    }
    String trimmed = text.strip();
    if (!trimmed.startsWith("{")) {
      return null;
    }
    try {
      return mapper.readMap(trimmed);
    } catch (RuntimeException e) {
      return null;
    }
  }
}

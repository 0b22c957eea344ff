package dev.servicemanager.server.osb;

import dev.servicemanager.server.store.Json;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The broker's answer made fit for the platform (reference 3.2): the status passes through, a body
 * that is not a JSON object becomes {@code {"description": "... responded with invalid JSON: ..."}},
 * and an error's description names the broker, so users can tell SM's errors from the broker's.
 *
 * @param parsed the broker's body as a JSON object, or null when it was not one
 */
record BrokerAnswer(int status, Map<String, Object> parsed, String json) {
  private static final int EXCERPT = 200;

  static BrokerAnswer of(String brokerName, BrokerReply reply, Json mapper) {
    String text = new String(reply.body(), StandardCharsets.UTF_8);
    Map<String, Object> parsed = parse(text, mapper);
    if (parsed == null) {
      String excerpt = text.length() > EXCERPT ? text.substring(0, EXCERPT) + "..." : text;
      Map<String, Object> body = Map.of(
          "description", "Service broker " + brokerName + " responded with invalid JSON: " + excerpt);
      return new BrokerAnswer(reply.status(), null, mapper.write(body));
    }
    if (reply.status() < 400) {
      return new BrokerAnswer(reply.status(), parsed, text.isBlank() ? "{}" : text);
    }
    Map<String, Object> body = new LinkedHashMap<>(parsed);
    Object original = parsed.get("description");
    String reason = original instanceof String s && !s.isEmpty() ? s : "status " + reply.status();
    body.put("description", "Service broker " + brokerName + " failed with: " + reason);
    return new BrokerAnswer(reply.status(), parsed, mapper.write(body));
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

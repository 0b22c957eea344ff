package dev.servicemanager.server.osb;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A completed platform ↔ broker exchange, as the trackers need it.
 *
 * @param request the parsed request body (PUT/PATCH), or null
 * @param planId SM id of the plan the request names (provision, plan change), or null
 * @param reply the broker's body as a JSON object, or null when it was not one
 */
record Exchange(OsbCall call, Map<String, Object> request, String planId, int status, Map<String, Object> reply) {

  String replyString(String key) {
    return reply != null && reply.get(key) instanceof String s ? s : null;
  }

  Object requestValue(String key) {
    return request == null ? null : request.get(key);
  }

  /** The request's context without its signature (reference 1.7: the signature is not stored). */
  Map<String, Object> context() {
    return contextOf(request);
  }

  /** The context of a request body without its signature, or null. */
  static Map<String, Object> contextOf(Map<String, Object> request) {
    if (request == null || !(request.get("context") instanceof Map<?, ?> context)) {
      return null;
    }
    Map<String, Object> copy = new LinkedHashMap<>();
    context.forEach((k, v) -> copy.put(String.valueOf(k), v));
    copy.remove("signature");
    return copy;
  }

  /** The broker's {@code instance_usable}, defaulting to true as OSB says. */
  boolean instanceUsable() {
    return !(reply != null && Boolean.FALSE.equals(reply.get("instance_usable")));
  }

  /** What a failed operation records in {@code errors}: the broker's error and description. */
  Map<String, Object> errors() {
    Map<String, Object> errors = new LinkedHashMap<>();
    errors.put("error", replyString("error") == null ? "Failed" : replyString("error"));
    String description = replyString("description");
    errors.put("description", description == null ? "the service broker reported the operation as failed" : description);
    return errors;
  }
}

package dev.servicemanager.testkit.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One generated request. {@code target} is the raw request-target (path and query) exactly as sent,
 * which may hold bytes no URI class accepts; {@code body} may be any bytes.
 */
public record FuzzRequest(String method, String target, Map<String, String> headers, byte[] body, String route) {
  public FuzzRequest {
    headers = Map.copyOf(headers);
  }

  /** Short enough for a log line: method, target and body cut at 200 characters, non-ASCII escaped. */
  public String describe() {
    String text = body == null ? "" : new String(body, StandardCharsets.ISO_8859_1);
    return method + " " + cut(target) + (text.isEmpty() ? "" : " body=" + cut(text));
  }

  private static String cut(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length() && out.length() < 200; i++) {
      char c = s.charAt(i);
      out.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c & 0xff));
    }
    return s.length() > 200 ? out + "...(" + s.length() + " chars)" : out.toString();
  }
}

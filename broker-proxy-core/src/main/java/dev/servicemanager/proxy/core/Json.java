package dev.servicemanager.proxy.core;

import io.micronaut.core.type.Argument;
import io.micronaut.serde.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/** JSON as plain maps and lists, through Micronaut Serde's default mapper (no application context needed). */
public final class Json {
  private static final Argument<Map<String, Object>> MAP = Argument.mapOf(String.class, Object.class);

  private Json() {}

  private static final class Holder {
    static final ObjectMapper MAPPER = ObjectMapper.getDefault();
  }

  public static String write(Object value) {
    try {
      return Holder.MAPPER.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write JSON", e);
    }
  }

  /** Parses a JSON object; an empty body is an empty map. */
  public static Map<String, Object> parse(String text) {
    if (text == null || text.isBlank()) {
      return Map.of();
    }
    try {
      Map<String, Object> map = Holder.MAPPER.readValue(text, MAP);
      return map == null ? Map.of() : map;
    } catch (IOException e) {
      throw new IllegalArgumentException("not a JSON object: " + abbreviate(text), e);
    }
  }

  @SuppressWarnings("unchecked")
  public static Map<String, Object> object(Map<String, Object> parent, String key) {
    Object value = parent == null ? null : parent.get(key);
    return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  @SuppressWarnings("unchecked")
  public static List<Map<String, Object>> objects(Map<String, Object> parent, String key) {
    Object value = parent == null ? null : parent.get(key);
    return value instanceof List<?> l ? (List<Map<String, Object>>) l : List.of();
  }

  public static String string(Map<String, Object> parent, String key) {
    Object value = parent == null ? null : parent.get(key);
    return value == null ? null : value.toString();
  }

  /** Follows a path of object keys and returns the string at its end, or null. */
  public static String path(Map<String, Object> root, String... keys) {
    Map<String, Object> current = root;
    for (int i = 0; i < keys.length - 1; i++) {
      current = object(current, keys[i]);
    }
    return string(current, keys[keys.length - 1]);
  }

  public static String abbreviate(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "...";
  }
}

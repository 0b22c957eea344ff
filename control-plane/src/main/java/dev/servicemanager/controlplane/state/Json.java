package dev.servicemanager.controlplane.state;

import io.micronaut.core.type.Argument;
import io.micronaut.serde.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** JSON through Micronaut Serde's default mapper (no context needed, same as the server's). */
public final class Json {
  private static final ObjectMapper MAPPER = ObjectMapper.getDefault();
  private static final Argument<Map<String, Object>> MAP = Argument.mapOf(String.class, Object.class);

  private Json() {}

  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write JSON", e);
    }
  }

  /** Any JSON value as Map/List/String/Number/Boolean/null; IOException when the text is not JSON. */
  public static Object read(String text) throws IOException {
    return MAPPER.readValue(text, Object.class);
  }

  public static Map<String, Object> readObject(String text) throws IOException {
    Map<String, Object> map = MAPPER.readValue(text, MAP);
    if (map == null) {
      throw new IOException("not a JSON object");
    }
    return map;
  }

  /** A stored {@code kind:name -> state} map, sorted so equal states compare and print equal. */
  public static Map<String, String> states(String text) {
    if (text == null) {
      return null;
    }
    try {
      Map<String, String> out = new TreeMap<>();
      readObject(text).forEach((k, v) -> out.put(k, String.valueOf(v)));
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Map<String, Boolean> flags(String text) {
    Map<String, Boolean> out = new LinkedHashMap<>();
    try {
      readObject(text).forEach((k, v) -> out.put(k, Boolean.TRUE.equals(v)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}

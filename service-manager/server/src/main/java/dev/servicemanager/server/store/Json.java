package dev.servicemanager.server.store;

import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/** JSON text for jsonb columns and change payloads, through the application's mapper. */
@Singleton
public final class Json {
  private static final Argument<Map<String, Object>> MAP = Argument.mapOf(String.class, Object.class);
  private static final Argument<List<Object>> LIST = Argument.listOf(Object.class);
  private final JsonMapper mapper;

  public Json(JsonMapper mapper) {
    this.mapper = mapper;
  }

  public String write(Object value) {
    try {
      return mapper.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Map<String, Object> readMap(String text) {
    return text == null ? null : read(text, MAP);
  }

  public List<Object> readList(String text) {
    return text == null ? null : read(text, LIST);
  }

  public Object readAny(String text) {
    return text == null ? null : read(text, Argument.OBJECT_ARGUMENT);
  }

  private <T> T read(String text, Argument<T> type) {
    try {
      return mapper.readValue(text, type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

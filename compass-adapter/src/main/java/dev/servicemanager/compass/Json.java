package dev.servicemanager.compass;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.type.Argument;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/** JSON text to plain Java values (maps, lists, strings, numbers, booleans) and back. */
@Singleton
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
public final class Json {
  private final JsonMapper mapper;

  Json(JsonMapper mapper) {
    this.mapper = mapper;
  }

  public String write(Object value) {
    try {
      return mapper.writeValueAsString(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The parsed value, or empty when the text is not JSON. */
  public Optional<Object> parse(String text) {
    try {
      return Optional.ofNullable(mapper.readValue(text, Argument.OBJECT_ARGUMENT));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  public Object read(String text) {
    return text == null ? null : parse(text).orElseThrow(() -> new IllegalStateException("stored value is not JSON"));
  }
}

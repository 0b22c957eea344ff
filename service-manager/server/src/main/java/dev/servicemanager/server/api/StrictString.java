package dev.servicemanager.server.api;

import io.micronaut.core.type.Argument;
import io.micronaut.serde.Decoder;
import io.micronaut.serde.Deserializer;
import io.micronaut.serde.exceptions.SerdeException;
import jakarta.inject.Singleton;
import java.io.IOException;

/**
 * Serde turns {@code 5} or {@code true} into the string "5"/"true" when a string is expected. Request
 * fields that must be strings use this instead, so a wrong type is a 400 rather than a surprise.
 */
@Singleton
public final class StrictString implements Deserializer<String> {
  @Override
  public String deserialize(Decoder decoder, DecoderContext context, Argument<? super String> type)
      throws IOException {
    Object value = decoder.decodeArbitrary();
    if (value instanceof String text) {
      return text;
    }
    throw new SerdeException("'" + type.getName() + "' must be a JSON string");
  }

  @Override
  public String deserializeNullable(Decoder decoder, DecoderContext context, Argument<? super String> type)
      throws IOException {
    return decoder.decodeNull() ? null : deserialize(decoder, context, type);
  }
}

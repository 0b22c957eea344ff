package dev.servicemanager.server.api;

import io.micronaut.core.type.Argument;
import io.micronaut.serde.Decoder;
import io.micronaut.serde.Deserializer;
import io.micronaut.serde.exceptions.SerdeException;
import jakarta.inject.Singleton;
import java.io.IOException;

/** Like {@link StrictString}: serde would read {@code "yes"} as false; request booleans must be booleans. */
@Singleton
public final class StrictBoolean implements Deserializer<Boolean> {
  @Override
  public Boolean deserialize(Decoder decoder, DecoderContext context, Argument<? super Boolean> type)
      throws IOException {
    Object value = decoder.decodeArbitrary();
    if (value instanceof Boolean flag) {
      return flag;
    }
    throw new SerdeException("'" + type.getName() + "' must be true or false");
  }

  @Override
  public Boolean deserializeNullable(Decoder decoder, DecoderContext context, Argument<? super Boolean> type)
      throws IOException {
    return decoder.decodeNull() ? null : deserialize(decoder, context, type);
  }
}

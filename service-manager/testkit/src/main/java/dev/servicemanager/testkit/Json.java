package dev.servicemanager.testkit;

import io.micronaut.core.type.Argument;
import io.micronaut.serde.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/** JSON helpers for the fake broker, backed by Micronaut Serde's default mapper (no ApplicationContext needed). */
final class Json {
    private static final Argument<Map<String, Object>> MAP = Argument.mapOf(String.class, Object.class);

    private Json() {
    }

    private static final class Holder {
        static final ObjectMapper MAPPER = ObjectMapper.getDefault();
    }

    static String write(Object value) {
        try {
            return Holder.MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write JSON", e);
        }
    }

    /** Parses a JSON object; throws IllegalArgumentException if the text is not a JSON object. */
    static Map<String, Object> parseObject(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("body is empty, expected a JSON object");
        }
        String trimmed = text.strip();
        if (!trimmed.startsWith("{")) {
            throw new IllegalArgumentException("body is not a JSON object: " + abbreviate(trimmed));
        }
        try {
            Map<String, Object> map = Holder.MAPPER.readValue(trimmed, MAP);
            if (map == null) {
                throw new IllegalArgumentException("body is not a JSON object: " + abbreviate(trimmed));
            }
            return map;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("body is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** Like {@link #parseObject(String)} but answers null instead of throwing. */
    static Map<String, Object> parseObjectOrNull(String text) {
        try {
            return parseObject(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}

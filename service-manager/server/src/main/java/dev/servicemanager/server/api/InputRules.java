package dev.servicemanager.server.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import dev.servicemanager.spi.input.InputRejection.Problem;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * What the server refuses in a request before routing (issue 12). PostgreSQL cannot store U+0000 in
 * text or jsonb, nor a lone surrogate (it is not UTF-8), and rejects an index entry or a column value
 * over its width: left to the database, each was a 500, and on {@code /v1/osb} a 500 after the broker
 * had already acted. Path tricks and duplicate keys are refused because another parser (a broker, a
 * proxy) may read them differently from us: a second {@code plan_id} would pass our visibility check
 * with one value and reach the broker with the other.
 */
final class InputRules {
  /** The width of every id column ({@code varchar(100)}); no path segment of ours is longer. */
  static final int MAX_PATH_SEGMENT = 100;
  /** Deeper than any request of ours; far below what would exhaust a thread's stack anywhere after. */
  static final int MAX_NESTING = 64;

  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
          .build();

  /** A refusal: its kind and a description safe to show (it never quotes the input). */
  record Rejection(Problem problem, String description) {
    static Optional<Rejection> invalid(String description) {
      return Optional.of(new Rejection(Problem.INVALID, description));
    }

    static Optional<Rejection> unparseable(String description) {
      return Optional.of(new Rejection(Problem.UNPARSEABLE, description));
    }
  }

  private InputRules() {}

  static Optional<Rejection> path(String rawPath) {
    if (rawPath.indexOf(';') >= 0 || rawPath.indexOf('\\') >= 0) {
      return Rejection.invalid("the path may not contain ';' or '\\'");
    }
    for (String segment : rawPath.split("/", -1)) {
      Optional<String> decoded = decode(segment, false);
      if (decoded.isEmpty()) {
        return Rejection.invalid("the path is not valid percent-encoded UTF-8");
      }
      String text = decoded.get();
      if (text.equals(".") || text.equals("..")) {
        return Rejection.invalid("the path may not contain '.' or '..' segments");
      }
      // An encoded '/' or '\' would be a separator to the broker we forward to; an encoded '%' is
      // double encoding. Neither can be part of an id (registry.Ids).
      if (text.indexOf('/') >= 0 || text.indexOf('\\') >= 0 || text.indexOf('%') >= 0) {
        return Rejection.invalid("the path may not contain encoded '/', '\\' or '%'");
      }
      if (text.length() > MAX_PATH_SEGMENT) {
        return Rejection.invalid("a path segment (an id) may have at most " + MAX_PATH_SEGMENT + " characters");
      }
      Optional<Rejection> control = controlCharacters(text, "the path");
      if (control.isPresent()) {
        return control;
      }
    }
    return Optional.empty();
  }

  /** A query string or a form-encoded body. */
  static Optional<Rejection> query(String rawQuery, String what) {
    Optional<String> decoded = decode(rawQuery, true);
    if (decoded.isEmpty()) {
      return Rejection.invalid(what + " is not valid percent-encoded UTF-8");
    }
    return controlCharacters(decoded.get(), what);
  }

  /**
   * A request body. Bodies that are JSON by their content type (or by their first character) are
   * parsed once here with our limits; others must be UTF-8 text without NUL. What a JSON body holds
   * before its first syntax error is checked; the syntax error itself is the route's to answer.
   */
  static Optional<Rejection> body(byte[] body, boolean declaredJson, boolean form) {
    Optional<String> text = utf8(body);
    if (text.isEmpty()) {
      return Rejection.unparseable("the request body is not valid UTF-8");
    }
    if (form) {
      return query(text.get(), "the request body");
    }
    String stripped = text.get().stripLeading();
    boolean looksJson = stripped.startsWith("{") || stripped.startsWith("[");
    if (declaredJson || looksJson) {
      Optional<Rejection> json = json(body);
      // A body that only looks like JSON under another content type is the route's to answer (415).
      if (json.isPresent() && (declaredJson || json.get().problem() == Problem.INVALID)) {
        return json;
      }
      return Optional.empty();
    }
    return text.get().indexOf('\u0000') >= 0
        ? Rejection.invalid("the request body may not contain the character U+0000")
        : Optional.empty();
  }

  private static Optional<Rejection> json(byte[] body) {
    Deque<Set<String>> objects = new ArrayDeque<>();
    try (JsonParser parser = JSON.createParser(body)) {
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        switch (token) {
          case START_OBJECT -> objects.push(new HashSet<>());
          case END_OBJECT -> objects.pop();
          case FIELD_NAME -> {
            if (!objects.peek().add(parser.currentName())) {
              return Rejection.invalid("the request body has the key '" + safe(parser.currentName()) + "' twice in one object");
            }
            Optional<Rejection> bad = storable(parser.currentName());
            if (bad.isPresent()) {
              return bad;
            }
          }
          case VALUE_STRING -> {
            Optional<Rejection> bad = storable(parser.getText());
            if (bad.isPresent()) {
              return bad;
            }
          }
          case VALUE_NUMBER_FLOAT -> {
            if (Double.isInfinite(parser.getDoubleValue())) {
              return Rejection.invalid("the request body has a number out of range");
            }
          }
          default -> {
            // arrays, integers (at most 1,000 digits: Jackson's limit), booleans and null are fine
          }
        }
      }
      return Optional.empty();
    } catch (StreamConstraintsException e) {
      return Rejection.unparseable("the request body exceeds a limit: JSON nested at most " + MAX_NESTING
          + " levels deep, numbers of at most 1000 digits");
    } catch (IOException e) {
      // Plain malformed JSON harms nothing: the route answers it in its own way and order (a 401
      // for a caller without credentials comes first on routes that authenticate themselves).
      return Optional.empty();
    }
  }

  // Shown in a description: never the NUL or surrogate itself, and not a whole 1 MB key.
  private static String safe(String text) {
    String cut = text.length() > 40 ? text.substring(0, 40) + "..." : text;
    return cut.replaceAll("[\\p{Cntrl}\\p{Cs}]", "?");
  }

  private static Optional<Rejection> storable(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\u0000') {
        return Rejection.invalid("the request body may not contain the character U+0000");
      }
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return Rejection.invalid("the request body has a lone UTF-16 surrogate (\\ud800-\\udfff), which is not a character");
      }
    }
    return Optional.empty();
  }

  private static Optional<Rejection> controlCharacters(String text, String what) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return Rejection.invalid(what + " may not contain control characters (U+0000-U+001F, U+007F)");
      }
    }
    return Optional.empty();
  }

  // Strict: a '%' not followed by two hex digits, or bytes that are not UTF-8, is no text at all.
  private static Optional<String> decode(String raw, boolean plusIsSpace) {
    if (raw.indexOf('%') < 0 && !(plusIsSpace && raw.indexOf('+') >= 0)) {
      return Optional.of(raw);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length() || Character.digit(raw.charAt(i + 1), 16) < 0 || Character.digit(raw.charAt(i + 2), 16) < 0) {
          return Optional.empty();
        }
        bytes.write(Character.digit(raw.charAt(i + 1), 16) * 16 + Character.digit(raw.charAt(i + 2), 16));
        i += 2;
      } else if (c == '+' && plusIsSpace) {
        bytes.write(' ');
      } else {
        byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(encoded, 0, encoded.length);
      }
    }
    return utf8(bytes.toByteArray());
  }

  private static Optional<String> utf8(byte[] bytes) {
    try {
      return Optional.of(
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }
}

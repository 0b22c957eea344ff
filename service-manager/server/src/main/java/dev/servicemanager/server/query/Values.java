package dev.servicemanager.server.query;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** Recognising and converting the value syntaxes shared by the parser and the SQL renderers. */
final class Values {
  // The exponent is capped so that every accepted number also fits PostgreSQL's numeric type.
  private static final Pattern NUMBER =
      Pattern.compile("-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]{1,3})?");

  // java.time alone is laxer than RFC 3339 (it accepts missing seconds, for example).
  private static final Pattern RFC3339 =
      Pattern.compile(
          "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?"
              + "([Zz]|[-+][0-9]{2}:[0-9]{2})");

  private static final Pattern INTEGER = Pattern.compile("-?[0-9]+");
  private static final int MAX_DISPLAY = 100;

  private Values() {}

  static Optional<BigDecimal> number(String text) {
    return NUMBER.matcher(text).matches() ? Optional.of(new BigDecimal(text)) : Optional.empty();
  }

  static Optional<OffsetDateTime> dateTime(String text) {
    if (!RFC3339.matcher(text).matches()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          OffsetDateTime.parse(
              text.toUpperCase(Locale.ROOT), DateTimeFormatter.ISO_OFFSET_DATE_TIME));
    } catch (DateTimeParseException e) {
      return Optional.empty(); // well-formed but impossible, like month 13
    }
  }

  static Optional<Long> integer(String text) {
    if (!INTEGER.matcher(text).matches()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Long.parseLong(text));
    } catch (NumberFormatException e) {
      return Optional.empty(); // out of range
    }
  }

  /** A LIKE pattern that matches {@code text} anywhere, with LIKE's wildcards taken literally. */
  static String containsPattern(String text) {
    String escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    return "%" + escaped + "%";
  }

  /** Keeps error descriptions readable when someone sends a huge value. */
  static String abbreviate(String text) {
    return text.length() <= MAX_DISPLAY ? text : text.substring(0, MAX_DISPLAY) + "...";
  }
}

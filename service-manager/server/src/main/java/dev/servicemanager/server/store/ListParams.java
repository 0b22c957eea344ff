package dev.servicemanager.server.store;

import dev.servicemanager.spi.ApiException;
import io.micronaut.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The list parameters of reference 2.5/2.6: {@code fieldQuery}, {@code labelQuery}, {@code
 * max_items} (default and cap from config; 0 means only the count) and the opaque {@code token}.
 */
public record ListParams(String fieldQuery, String labelQuery, int maxItems, long after) {
  public static ListParams from(HttpRequest<?> request, int defaultSize, int maxSize) {
    var query = request.getParameters();
    String fieldQuery = query.get("fieldQuery");
    String labelQuery = query.get("labelQuery");
    int maxItems = parseMaxItems(query.get("max_items"), defaultSize, maxSize);
    long after = decodeToken(query.get("token"));
    return new ListParams(fieldQuery, labelQuery, maxItems, after);
  }

  private static int parseMaxItems(String raw, int defaultSize, int maxSize) {
    if (raw == null) {
      return defaultSize;
    }
    try {
      int value = Integer.parseInt(raw.trim());
      if (value < 0) {
        throw ApiException.invalidMaxItems("max_items must be 0 or a positive integer, got " + raw);
      }
      // Capped silently, as the reference does.
      return Math.min(value, maxSize);
    } catch (NumberFormatException e) {
      throw ApiException.invalidMaxItems("max_items must be 0 or a positive integer, got '" + raw + "'");
    }
  }

  /** The token is the base64 of the last returned item's paging sequence. */
  public static String encodeToken(long pagingSequence) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(Long.toString(pagingSequence).getBytes(StandardCharsets.US_ASCII));
  }

  static long decodeToken(String token) {
    if (token == null || token.isEmpty()) {
      return 0;
    }
    try {
      String decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.US_ASCII);
      long value = Long.parseLong(decoded);
      if (value < 0) {
        throw new NumberFormatException();
      }
      return value;
    } catch (IllegalArgumentException e) {
      throw ApiException.tokenInvalid("the paging token is invalid; use the token of the previous page");
    }
  }
}

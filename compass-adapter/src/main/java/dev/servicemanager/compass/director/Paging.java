package dev.servicemanager.compass.director;

import dev.servicemanager.compass.CompassException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/** Offset cursors ({@code first}, {@code after}), opaque to clients. */
record Paging(int first, int offset) {
  static final int MAX = 200;

  static Paging of(Integer first, String after) {
    int size = first == null ? MAX : first;
    if (size < 1 || size > MAX) {
      throw CompassException.invalid("first must be between 1 and " + MAX);
    }
    return new Paging(size, after == null || after.isEmpty() ? 0 : decode(after));
  }

  private static int decode(String cursor) {
    try {
      String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      if (text.startsWith("offset:")) {
        int offset = Integer.parseInt(text.substring(7));
        if (offset >= 0) {
          return offset;
        }
      }
    } catch (IllegalArgumentException e) {
      // falls through to the error below
    }
    throw CompassException.invalid("after is not a cursor returned by this API");
  }

  static String encode(int offset) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(("offset:" + offset).getBytes(StandardCharsets.UTF_8));
  }

  <T> Model.Page<T> page(List<T> data, long total) {
    int end = offset + data.size();
    return new Model.Page<>(data, new Model.PageInfo(encode(offset), encode(end), end < total), (int) total);
  }

  /** A page of a list already in memory. */
  <T> Model.Page<T> slice(List<T> all) {
    int from = Math.min(offset, all.size());
    return page(all.subList(from, Math.min(all.size(), from + first)), all.size());
  }
}

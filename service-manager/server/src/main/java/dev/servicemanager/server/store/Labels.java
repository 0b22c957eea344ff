package dev.servicemanager.server.store;

import dev.servicemanager.spi.ApiException;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Label rules in one place. Keys are what the query language can address ({@code [A-Za-z0-9._/-]},
 * as the spec recommends), so every stored label can also be queried; values are 1-255 characters
 * without line breaks. Protected keys (config {@code sm.api.protected-labels}) cannot be set or
 * changed through the API.
 */
@Singleton
public final class Labels {
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._/-]{1,255}");
  private static final Set<String> OPS = Set.of("add", "add_values", "remove", "remove_values");
  private final Set<String> protectedKeys;

  Labels(@Value("${sm.api.protected-labels:}") List<String> protectedKeys) {
    this.protectedKeys = Set.copyOf(protectedKeys);
  }

  public void validate(Map<String, List<String>> labels) {
    if (labels == null) {
      return;
    }
    labels.forEach(
        (key, values) -> {
          checkKey(key);
          if (values == null || values.isEmpty()) {
            throw ApiException.badRequest("label '" + key + "' must have at least one value");
          }
          values.forEach(value -> checkValue(key, value));
        });
  }

  public void validateChanges(List<LabelChange> changes) {
    if (changes == null) {
      return;
    }
    for (LabelChange change : changes) {
      if (change == null || change.op() == null || change.key() == null) {
        throw ApiException.badRequest("every label change needs 'op' and 'key'");
      }
      if (!OPS.contains(change.op())) {
        throw ApiException.badRequest(
            "unknown label operation '" + change.op() + "'; use add, add_values, remove or remove_values");
      }
      checkKey(change.key());
      boolean needsValues = !change.op().equals("remove");
      if (needsValues && (change.values() == null || change.values().isEmpty())) {
        throw ApiException.badRequest(
            "label operation '" + change.op() + "' on '" + change.key() + "' needs values");
      }
      if (change.values() != null) {
        change.values().forEach(value -> checkValue(change.key(), value));
      }
    }
  }

  private void checkKey(String key) {
    if (key == null || !KEY.matcher(key).matches()) {
      throw ApiException.badRequest(
          "invalid label key '" + key + "': use 1-255 characters from A-Z a-z 0-9 . _ / -");
    }
    if (protectedKeys.contains(key)) {
      throw ApiException.badRequest("label '" + key + "' is protected and cannot be set or changed");
    }
  }

  private static void checkValue(String key, String value) {
    if (value == null || value.isEmpty() || value.length() > 255) {
      throw ApiException.badRequest("values of label '" + key + "' must have 1-255 characters");
    }
    if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
      throw ApiException.badRequest("values of label '" + key + "' must not contain line breaks");
    }
  }
}

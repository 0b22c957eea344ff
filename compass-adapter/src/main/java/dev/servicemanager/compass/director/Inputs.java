package dev.servicemanager.compass.director;

import dev.servicemanager.compass.CompassException;
import dev.servicemanager.compass.Json;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks of Director input, with messages that say which field is wrong and why. */
final class Inputs {
  private static final Pattern NAME = Pattern.compile("^(?![0-9])[a-z0-9.-]{1,36}$");
  private static final Pattern LABEL_KEY = Pattern.compile("^[a-zA-Z0-9_./-]{1,256}$");
  static final Pattern DEFINITION_KEY = Pattern.compile("^[a-zA-Z0-9_]{1,256}$");
  private static final Set<String> SCHEMA_TYPES =
      Set.of("object", "array", "string", "number", "integer", "boolean", "null");

  private Inputs() {}

  static String name(Object value) {
    if (!(value instanceof String name) || !NAME.matcher(name).matches()) {
      throw CompassException.invalid(
          "name must be 1 to 36 characters of lower-case letters, digits, '-' and '.', not starting with a digit");
    }
    return name;
  }

  static String text(Map<String, Object> in, String field, int max, boolean required) {
    Object value = in.get(field);
    if (value == null) {
      if (required) {
        throw CompassException.invalid(field + " is required");
      }
      return null;
    }
    String text = value.toString();
    if (required && text.isBlank()) {
      throw CompassException.invalid(field + " must not be blank");
    }
    if (text.length() > max) {
      throw CompassException.invalid(field + " must be at most " + max + " characters");
    }
    return text;
  }

  static String url(Map<String, Object> in, String field, boolean required) {
    String text = text(in, field, 256, required);
    if (text == null) {
      return null;
    }
    try {
      URI uri = new URI(text);
      if (("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
          && uri.getHost() != null) {
        return text;
      }
    } catch (java.net.URISyntaxException e) {
      // refused below
    }
    throw CompassException.invalid(field + " must be an absolute http or https URL");
  }

  /** Label keys and values; values must be JSON values, not null. */
  static Map<String, Object> labels(Object value) {
    if (value == null) {
      return Map.of();
    }
    if (!(value instanceof Map<?, ?> map)) {
      throw CompassException.invalid("labels must be a JSON object");
    }
    Map<String, Object> labels = new LinkedHashMap<>();
    map.forEach((k, v) -> labels.put(labelKey(String.valueOf(k)), labelValue(String.valueOf(k), v)));
    return labels;
  }

  static String labelKey(String key) {
    if (key == null || !LABEL_KEY.matcher(key).matches()) {
      throw CompassException.invalid("label key '" + key + "' must be 1 to 256 letters, digits, '_', '.', '/' or '-'");
    }
    return key;
  }

  static Object labelValue(String key, Object value) {
    if (value == null) {
      throw CompassException.invalid("label '" + key + "' must have a value");
    }
    return value;
  }

  /**
   * A JSON Schema given as a string: it must be a JSON object, and the keywords this adapter
   * relies on must be well formed ({@code type}, {@code properties}, {@code required}, {@code
   * items}, {@code enum}), at every level.
   */
  @SuppressWarnings("unchecked")
  static Map<String, Object> jsonSchema(Json json, String field, String text) {
    Object parsed = json.parse(text).orElseThrow(() -> CompassException.invalid(field + " is not valid JSON"));
    if (!(parsed instanceof Map)) {
      throw CompassException.invalid(field + " must be a JSON Schema object");
    }
    checkSchema(field, (Map<String, Object>) parsed);
    return (Map<String, Object>) parsed;
  }

  @SuppressWarnings("unchecked")
  private static void checkSchema(String field, Map<String, Object> schema) {
    Object type = schema.get("type");
    if (type != null) {
      List<?> types = type instanceof List<?> list ? list : List.of(type);
      if (types.isEmpty() || !types.stream().allMatch(t -> t instanceof String s && SCHEMA_TYPES.contains(s))) {
        throw CompassException.invalid(field + ": 'type' must be one of " + SCHEMA_TYPES + " or a list of them");
      }
    }
    Object properties = schema.get("properties");
    if (properties != null) {
      if (!(properties instanceof Map<?, ?> map)) {
        throw CompassException.invalid(field + ": 'properties' must be an object");
      }
      for (Object property : map.values()) {
        if (!(property instanceof Map)) {
          throw CompassException.invalid(field + ": every property must be a schema object");
        }
        checkSchema(field, (Map<String, Object>) property);
      }
    }
    Object required = schema.get("required");
    if (required != null && !(required instanceof List<?> list && list.stream().allMatch(String.class::isInstance))) {
      throw CompassException.invalid(field + ": 'required' must be a list of strings");
    }
    Object items = schema.get("items");
    if (items != null) {
      if (!(items instanceof Map)) {
        throw CompassException.invalid(field + ": 'items' must be a schema object");
      }
      checkSchema(field, (Map<String, Object>) items);
    }
    Object enumeration = schema.get("enum");
    if (enumeration != null && !(enumeration instanceof List<?> list && !list.isEmpty())) {
      throw CompassException.invalid(field + ": 'enum' must be a non-empty list");
    }
  }

  /** The default instance auth, normalised to {credential:{type, ...}, additionalHeaders, additionalQueryParams}. */
  static Map<String, Object> auth(Object value) {
    return auth("defaultInstanceAuth", value);
  }

  /** An {@code AuthInput} named {@code field} in messages, normalised like the default instance auth. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> auth(String field, Object value) {
    if (value == null) {
      return null;
    }
    Map<String, Object> in = (Map<String, Object>) value;
    Map<String, Object> auth = new LinkedHashMap<>();
    Object credential = in.get("credential");
    if (credential != null) {
      Map<String, Object> c = (Map<String, Object>) credential;
      Map<String, Object> basic = (Map<String, Object>) c.get("basic");
      Map<String, Object> oauth = (Map<String, Object>) c.get("oauth");
      if ((basic == null) == (oauth == null)) {
        throw CompassException.invalid(field + ".credential must have exactly one of basic or oauth");
      }
      Map<String, Object> normalised = new LinkedHashMap<>();
      if (basic != null) {
        normalised.put("type", "basic");
        normalised.put("username", text(basic, "username", 256, true));
        normalised.put("password", text(basic, "password", 1024, true));
      } else {
        normalised.put("type", "oauth");
        normalised.put("clientId", text(oauth, "clientId", 256, true));
        normalised.put("clientSecret", text(oauth, "clientSecret", 1024, true));
        normalised.put("url", url(oauth, "url", true));
      }
      auth.put("credential", normalised);
    }
    if (in.get("additionalHeaders") != null) {
      auth.put("additionalHeaders", in.get("additionalHeaders"));
    }
    if (in.get("additionalQueryParams") != null) {
      auth.put("additionalQueryParams", in.get("additionalQueryParams"));
    }
    return auth;
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Object value) {
    return value == null ? List.of() : new ArrayList<>((List<Map<String, Object>>) value);
  }

  /**
   * A structural check of a value against a JSON Schema of the keywords {@link #jsonSchema} accepts:
   * {@code type}, {@code properties}, {@code required}, {@code items}, {@code enum}. Other keywords
   * are ignored. The first violation is refused with its JSON path.
   */
  @SuppressWarnings("unchecked")
  static void validate(String path, Object value, Map<String, Object> schema) {
    Object type = schema.get("type");
    if (type != null) {
      List<?> types = type instanceof List<?> list ? list : List.of(type);
      if (types.stream().noneMatch(t -> hasType(value, (String) t))) {
        throw CompassException.invalid(path + " must be of type " + (types.size() == 1 ? types.get(0) : types));
      }
    }
    Object enumeration = schema.get("enum");
    if (enumeration instanceof List<?> allowed && allowed.stream().noneMatch(a -> sameJson(a, value))) {
      throw CompassException.invalid(path + " must be one of " + allowed);
    }
    if (value instanceof Map<?, ?> object) {
      if (schema.get("required") instanceof List<?> required) {
        for (Object name : required) {
          if (!object.containsKey(name)) {
            throw CompassException.invalid(path + "." + name + " is required");
          }
        }
      }
      if (schema.get("properties") instanceof Map<?, ?> properties) {
        for (Map.Entry<?, ?> property : properties.entrySet()) {
          if (object.containsKey(property.getKey())) {
            validate(path + "." + property.getKey(), object.get(property.getKey()), (Map<String, Object>) property.getValue());
          }
        }
      }
    }
    if (value instanceof List<?> array && schema.get("items") instanceof Map<?, ?> items) {
      for (int i = 0; i < array.size(); i++) {
        validate(path + "[" + i + "]", array.get(i), (Map<String, Object>) items);
      }
    }
  }

  private static boolean hasType(Object value, String type) {
    return switch (type) {
      case "object" -> value instanceof Map;
      case "array" -> value instanceof List;
      case "string" -> value instanceof String;
      case "boolean" -> value instanceof Boolean;
      case "null" -> value == null;
      case "number" -> value instanceof Number;
      case "integer" -> value instanceof Integer || value instanceof Long || value instanceof java.math.BigInteger
          || (value instanceof Number n && !(value instanceof Float) && isIntegral(n));
      default -> false;
    };
  }

  private static boolean isIntegral(Number n) {
    try {
      new java.math.BigDecimal(n.toString()).toBigIntegerExact();
      return true;
    } catch (ArithmeticException | NumberFormatException e) {
      return false;
    }
  }

  private static boolean sameJson(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      return new java.math.BigDecimal(x.toString()).compareTo(new java.math.BigDecimal(y.toString())) == 0;
    }
    return java.util.Objects.equals(a, b);
  }
}

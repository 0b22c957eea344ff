package dev.servicemanager.server.registry;

import dev.servicemanager.server.store.Json;
import dev.servicemanager.spi.ApiException;
import jakarta.inject.Singleton;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates a broker's {@code /v2/catalog} answer against OSB 2.17 section 3.1 and says exactly
 * which element is wrong ({@code services[1].plans[0].id: ...}). Unknown fields are kept in the
 * stored raw catalog, as OSB requires of platforms.
 */
@Singleton
final class CatalogParser {
  static final String REFERENCE_PLAN_NAME = ReferencePlan.NAME;
  private static final int MAX_TEXT = 255;
  private static final List<String> PLATFORM_RULES =
      List.of("supportedPlatforms", "supportedPlatformNames", "excludedPlatformNames");
  private final Json json;

  CatalogParser(Json json) {
    this.json = json;
  }

  Catalog parse(String brokerName, byte[] body) {
    Object root;
    try {
      root = json.readAny(new String(body, java.nio.charset.StandardCharsets.UTF_8));
    } catch (UncheckedIOException | IllegalArgumentException e) {
      throw ApiException.brokerError("Service broker " + brokerName + " responded with invalid JSON to GET /v2/catalog");
    }
    if (!(root instanceof Map<?, ?> map)) {
      throw invalid(brokerName, "the catalog must be a JSON object");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> rootMap = (Map<String, Object>) map;
    List<Object> services = list(brokerName, rootMap, "services", "", true);
    List<Catalog.Offering> offerings = new ArrayList<>();
    Set<String> serviceIds = new HashSet<>();
    Set<String> serviceNames = new HashSet<>();
    Set<String> planIds = new HashSet<>();
    for (int i = 0; i < services.size(); i++) {
      String at = "services[" + i + "]";
      Map<String, Object> service = object(brokerName, services.get(i), at);
      String id = text(brokerName, service, "id", at);
      String name = text(brokerName, service, "name", at);
      if (!serviceIds.add(id)) {
        throw invalid(brokerName, at + ".id: duplicate service id '" + id + "'");
      }
      if (!serviceNames.add(name)) {
        throw invalid(brokerName, at + ".name: duplicate service name '" + name + "'");
      }
      List<Object> plans = list(brokerName, service, "plans", at, true);
      if (plans.isEmpty()) {
        throw invalid(brokerName, at + ".plans: a service needs at least one plan");
      }
      List<Catalog.Plan> parsedPlans = new ArrayList<>();
      Set<String> planNames = new HashSet<>();
      for (int j = 0; j < plans.size(); j++) {
        Catalog.Plan plan = plan(brokerName, plans.get(j), at + ".plans[" + j + "]");
        if (!planIds.add(plan.catalogId())) {
          throw invalid(brokerName, at + ".plans[" + j + "].id: duplicate plan id '" + plan.catalogId() + "'");
        }
        if (!planNames.add(plan.name())) {
          throw invalid(brokerName, at + ".plans[" + j + "].name: duplicate plan name '" + plan.name() + "' in service '" + name + "'");
        }
        boolean bindable = plan.bindable() != null ? plan.bindable() : bool(brokerName, service, "bindable", at, true);
        if (plan.shareable() && !bindable) {
          throw invalid(brokerName, at + ".plans[" + j + "]: a plan that supports instance sharing must be bindable");
        }
        parsedPlans.add(plan);
      }
      offerings.add(
          new Catalog.Offering(
              id,
              name,
              text(brokerName, service, "description", at),
              bool(brokerName, service, "bindable", at, true),
              Boolean.TRUE.equals(optionalBool(brokerName, service, "instances_retrievable", at)),
              Boolean.TRUE.equals(optionalBool(brokerName, service, "bindings_retrievable", at)),
              Boolean.TRUE.equals(optionalBool(brokerName, service, "plan_updateable", at)),
              Boolean.TRUE.equals(optionalBool(brokerName, service, "allow_context_updates", at)),
              strings(brokerName, service, "tags", at),
              strings(brokerName, service, "requires", at),
              optionalObject(brokerName, service, "metadata", at, Map.of()),
              List.copyOf(parsedPlans)));
    }
    return new Catalog(List.copyOf(offerings), rootMap);
  }

  private Catalog.Plan plan(String broker, Object value, String at) {
    Map<String, Object> plan = object(broker, value, at);
    String name = text(broker, plan, "name", at);
    if (REFERENCE_PLAN_NAME.equals(name)) {
      throw invalid(broker, at + ".name: '" + REFERENCE_PLAN_NAME + "' is reserved by the Service Manager");
    }
    Map<String, Object> metadata = optionalObject(broker, plan, "metadata", at, Map.of());
    long rules = PLATFORM_RULES.stream().filter(metadata::containsKey).count();
    if (rules > 1) {
      throw invalid(broker, at + ".metadata: use at most one of " + String.join(", ", PLATFORM_RULES));
    }
    Integer maxPolling = null;
    Object polling = plan.get("maximum_polling_duration");
    if (polling != null) {
      if (!(polling instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.longValue() <= 0 || n.longValue() > Integer.MAX_VALUE) {
        throw invalid(broker, at + ".maximum_polling_duration: must be a positive integer (seconds)");
      }
      maxPolling = n.intValue();
    }
    Map<String, Object> maintenance = optionalObject(broker, plan, "maintenance_info", at, null);
    if (maintenance != null) {
      text(broker, maintenance, "version", at + ".maintenance_info");
    }
    return new Catalog.Plan(
        text(broker, plan, "id", at),
        name,
        text(broker, plan, "description", at),
        optionalBool(broker, plan, "free", at),
        optionalBool(broker, plan, "bindable", at),
        optionalBool(broker, plan, "plan_updateable", at),
        metadata,
        optionalObject(broker, plan, "schemas", at, null),
        maxPolling,
        maintenance);
  }

  private static ApiException invalid(String broker, String problem) {
    return ApiException.badRequest("invalid catalog from service broker " + broker + ": " + problem);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(String broker, Object value, String at) {
    if (value instanceof Map<?, ?> map) {
      return (Map<String, Object>) map;
    }
    throw invalid(broker, at + ": must be an object");
  }

  private static String text(String broker, Map<String, Object> map, String field, String at) {
    Object value = map.get(field);
    if (value == null) {
      throw invalid(broker, at + "." + field + ": missing required field");
    }
    if (!(value instanceof String s) || s.isBlank()) {
      throw invalid(broker, at + "." + field + ": must be a non-empty string");
    }
    if (!field.equals("description") && s.length() > MAX_TEXT) {
      throw invalid(broker, at + "." + field + ": longer than " + MAX_TEXT + " characters");
    }
    return s;
  }

  private static boolean bool(String broker, Map<String, Object> map, String field, String at, boolean required) {
    Boolean value = optionalBool(broker, map, field, at);
    if (value == null && required) {
      throw invalid(broker, at + "." + field + ": missing required field");
    }
    return Boolean.TRUE.equals(value);
  }

  private static Boolean optionalBool(String broker, Map<String, Object> map, String field, String at) {
    Object value = map.get(field);
    if (value == null || value instanceof Boolean) {
      return (Boolean) value;
    }
    throw invalid(broker, at + "." + field + ": must be true or false");
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(String broker, Map<String, Object> map, String field, String at, boolean required) {
    Object value = map.get(field);
    if (value == null && !required) {
      return List.of();
    }
    if (value instanceof List<?> list) {
      return (List<Object>) list;
    }
    String where = at.isEmpty() ? field : at + "." + field;
    throw invalid(broker, where + (value == null ? ": missing required field" : ": must be an array"));
  }

  private static List<Object> strings(String broker, Map<String, Object> map, String field, String at) {
    List<Object> values = list(broker, map, field, at, false);
    for (Object value : values) {
      if (!(value instanceof String)) {
        throw invalid(broker, at + "." + field + ": must be an array of strings");
      }
    }
    return values;
  }

  private static Map<String, Object> optionalObject(
      String broker, Map<String, Object> map, String field, String at, Map<String, Object> absent) {
    Object value = map.get(field);
    return value == null ? absent : object(broker, value, at + "." + field);
  }
}

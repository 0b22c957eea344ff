package dev.servicemanager.server.registry;

import java.util.List;
import java.util.Map;

/** A broker's catalog after validation: what becomes offerings and plans. */
record Catalog(List<Offering> offerings, Map<String, Object> raw) {
  record Offering(
      String catalogId,
      String name,
      String description,
      boolean bindable,
      boolean instancesRetrievable,
      boolean bindingsRetrievable,
      boolean planUpdateable,
      boolean allowContextUpdates,
      List<Object> tags,
      List<Object> requires,
      Map<String, Object> metadata,
      List<Plan> plans) {}

  record Plan(
      String catalogId,
      String name,
      String description,
      Boolean free,
      Boolean bindable,
      Boolean planUpdateable,
      Map<String, Object> metadata,
      Map<String, Object> schemas,
      Integer maximumPollingDuration,
      Map<String, Object> maintenanceInfo) {

    /** The broker lets instances of this plan be shared across platforms (reference 2.13). */
    boolean shareable() {
      return Boolean.TRUE.equals(metadata.get(ReferencePlan.SHARING_KEY));
    }
  }

  boolean hasShareablePlans(Offering offering) {
    return offering.plans().stream().anyMatch(Plan::shareable);
  }

  /** The raw catalog without dashboard client secrets, for change records sent to platforms. */
  Object redacted() {
    return redact(raw);
  }

  @SuppressWarnings("unchecked")
  static Object redact(Object catalog) {
    if (!(catalog instanceof Map<?, ?> root) || !(root.get("services") instanceof List<?> services)) {
      return catalog;
    }
    Map<String, Object> copy = new java.util.LinkedHashMap<>((Map<String, Object>) root);
    copy.put(
        "services",
        services.stream()
            .map(
                s -> {
                  if (s instanceof Map<?, ?> service && service.get("dashboard_client") instanceof Map<?, ?> client) {
                    Map<String, Object> serviceCopy = new java.util.LinkedHashMap<>((Map<String, Object>) service);
                    Map<String, Object> clientCopy = new java.util.LinkedHashMap<>((Map<String, Object>) client);
                    clientCopy.remove("secret");
                    serviceCopy.put("dashboard_client", clientCopy);
                    return serviceCopy;
                  }
                  return s;
                })
            .toList());
    return copy;
  }

  int planCount() {
    return offerings.stream().mapToInt(o -> o.plans().size()).sum();
  }
}

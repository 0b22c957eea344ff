package dev.servicemanager.proxy.k8s;

import dev.servicemanager.proxy.core.Json;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code status.conditions} as {@code metav1.Condition}s with the SAP BTP operator's types (reference 4.4):
 * {@code Ready} (usable), {@code Succeeded} (the last operation finished well) and {@code Failed} (present
 * while the last attempt failed, with the reason in its message). A condition keeps its
 * {@code lastTransitionTime} while its status does not change.
 */
final class Conditions {
  static final String READY = "Ready";
  static final String SUCCEEDED = "Succeeded";
  static final String FAILED = "Failed";

  private final List<Map<String, Object>> conditions = new ArrayList<>();
  private final long generation;

  Conditions(Map<String, Object> status, long generation) {
    Json.objects(status, "conditions").forEach(c -> conditions.add(new LinkedHashMap<>(c)));
    this.generation = generation;
  }

  Conditions set(String type, boolean status, String reason, String message) {
    String value = status ? "True" : "False";
    Map<String, Object> existing = find(type);
    Map<String, Object> condition = new LinkedHashMap<>();
    condition.put("type", type);
    condition.put("status", value);
    condition.put("reason", reason);
    condition.put("message", message == null ? "" : message);
    condition.put("observedGeneration", generation);
    condition.put("lastTransitionTime", existing != null && value.equals(existing.get("status"))
        ? existing.get("lastTransitionTime") : Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    if (existing != null) {
      conditions.set(conditions.indexOf(existing), condition);
    } else {
      conditions.add(condition);
    }
    return this;
  }

  Conditions remove(String type) {
    conditions.removeIf(c -> type.equals(c.get("type")));
    return this;
  }

  boolean isTrue(String type) {
    Map<String, Object> c = find(type);
    return c != null && "True".equals(c.get("status"));
  }

  List<Map<String, Object>> list() {
    return conditions;
  }

  private Map<String, Object> find(String type) {
    return conditions.stream().filter(c -> type.equals(c.get("type"))).findFirst().orElse(null);
  }

  static String capitalized(String operationType) {
    return Character.toUpperCase(operationType.charAt(0)) + operationType.substring(1);
  }

  /** create → Created, update → Updated, delete → Deleted. */
  static String done(String operationType) {
    return capitalized(operationType) + "d";
  }
}

package dev.servicemanager.proxy.k8s;

import dev.servicemanager.proxy.core.Json;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Read-only cluster-scoped {@code ServiceOffering} and {@code ServicePlan} objects mirroring what SM shows
 * this platform (its credentials, so SM applies the platform's visibilities): {@code kubectl get
 * serviceofferings,serviceplans} is the marketplace. Object names are SM ids (unique, DNS-safe); the
 * offering and plan names are in {@code spec.name} and in the CRDs' printer columns.
 */
final class MarketplaceMirror {
  private final KubeApi kube;
  private final SmApi sm;

  MarketplaceMirror(KubeApi kube, SmApi sm) {
    this.kube = kube;
    this.sm = sm;
  }

  /** How many objects were created, updated or deleted. */
  int sync() {
    List<Map<String, Object>> offerings = sm.listAsPlatform("/v1/service_offerings");
    List<Map<String, Object>> plans = sm.listAsPlatform("/v1/service_plans");
    Map<String, String> offeringNames = new HashMap<>();
    Map<String, Map<String, Object>> wantedOfferings = new LinkedHashMap<>();
    for (Map<String, Object> o : offerings) {
      offeringNames.put(Json.string(o, "id"), Json.string(o, "name"));
      Map<String, Object> spec = new LinkedHashMap<>();
      spec.put("name", Json.string(o, "name"));
      spec.put("description", String.valueOf(o.getOrDefault("description", "")));
      spec.put("brokerID", Json.string(o, "broker_id"));
      spec.put("catalogID", Json.string(o, "catalog_id"));
      spec.put("bindable", Boolean.TRUE.equals(o.get("bindable")));
      spec.put("tags", o.get("tags") instanceof List<?> tags ? tags : List.of());
      wantedOfferings.put(Json.string(o, "id"), spec);
    }
    Map<String, Map<String, Object>> wantedPlans = new LinkedHashMap<>();
    for (Map<String, Object> p : plans) {
      String offeringId = Json.string(p, "service_offering_id");
      if (!offeringNames.containsKey(offeringId)) {
        continue; // read list by list: the next sync sees its offering
      }
      Map<String, Object> spec = new LinkedHashMap<>();
      spec.put("name", Json.string(p, "name"));
      spec.put("description", String.valueOf(p.getOrDefault("description", "")));
      spec.put("serviceOfferingName", offeringNames.get(offeringId));
      spec.put("serviceOfferingID", offeringId);
      spec.put("catalogID", Json.string(p, "catalog_id"));
      spec.put("free", !Boolean.FALSE.equals(p.get("free")));
      wantedPlans.put(Json.string(p, "id"), spec);
    }
    return apply(Resources.OFFERINGS, "ServiceOffering", wantedOfferings) + apply(Resources.PLANS, "ServicePlan", wantedPlans);
  }

  private int apply(KubeApi.Kind kind, String kindName, Map<String, Map<String, Object>> wanted) {
    int changes = 0;
    Map<String, Map<String, Object>> existing = new HashMap<>();
    for (Map<String, Object> object : kube.list(kind, null)) {
      if (K8sPlatform.MANAGER.equals(Json.string(Json.object(Resources.meta(object), "labels"), K8sPlatform.MANAGED_LABEL))) {
        existing.put(Resources.name(object), object);
      }
    }
    for (Map.Entry<String, Map<String, Object>> e : wanted.entrySet()) {
      Map<String, Object> current = existing.remove(e.getKey());
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("apiVersion", Resources.API_VERSION);
      body.put("kind", kindName);
      Map<String, Object> meta = new LinkedHashMap<>();
      meta.put("name", e.getKey());
      meta.put("labels", Map.of(K8sPlatform.MANAGED_LABEL, K8sPlatform.MANAGER));
      body.put("metadata", meta);
      body.put("spec", e.getValue());
      if (current == null) {
        kube.create(kind, null, body);
        changes++;
      } else if (!Json.parse(Json.write(e.getValue())).equals(Resources.spec(current))) {
        meta.put("resourceVersion", Json.path(current, "metadata", "resourceVersion"));
        kube.replace(kind, null, body);
        changes++;
      }
    }
    for (String gone : existing.keySet()) {
      kube.delete(kind, null, gone);
      changes++;
    }
    return changes;
  }
}

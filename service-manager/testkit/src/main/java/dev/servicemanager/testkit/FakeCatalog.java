package dev.servicemanager.testkit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OSB catalogs for the {@link FakeBroker}, as mutable {@code Map<String,Object>} trees (change them freely and pass
 * them to {@link FakeBroker#catalog(Map)}). Ids and names are deterministic: service {@code i} has id
 * {@code "service-<i>"} and name {@code "fake-service-<i>"}, its plan {@code j} has id {@code "plan-<i>-<j>"} and name
 * {@code "plan-<j>"}; indexes start at 0.
 */
public final class FakeCatalog {
    /** Service id of {@link #defaultCatalog()}. */
    public static final String DEFAULT_SERVICE_ID = "service-0";
    /** Service name of {@link #defaultCatalog()}. */
    public static final String DEFAULT_SERVICE_NAME = "fake-service";
    /** Id of the "small" plan of {@link #defaultCatalog()} (free, has schemas). */
    public static final String SMALL_PLAN_ID = "plan-0-0";
    /** Id of the "large" plan of {@link #defaultCatalog()} (not free). */
    public static final String LARGE_PLAN_ID = "plan-0-1";

    private static final String JSON_SCHEMA = "http://json-schema.org/draft-04/schema#";

    private FakeCatalog() {
    }

    /** One service ({@link #DEFAULT_SERVICE_ID}) with two plans, "small" and "large". */
    public static Map<String, Object> defaultCatalog() {
        Map<String, Object> service = service("", 0, 2);
        service.put("name", DEFAULT_SERVICE_NAME);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> plans = (List<Map<String, Object>>) service.get("plans");
        plans.get(0).put("name", "small");
        plans.get(1).put("name", "large");
        return catalogOf(List.of(service));
    }

    /** A catalog of {@code services} services with {@code plansPerService} plans each; see the class comment for ids. */
    public static Map<String, Object> generate(int services, int plansPerService) {
        return generate("", services, plansPerService);
    }

    /**
     * Like {@link #generate(int, int)}, with {@code prefix} put before every id and service name (for several brokers
     * whose catalogs must not share ids).
     */
    public static Map<String, Object> generate(String prefix, int services, int plansPerService) {
        if (services < 0 || plansPerService < 1) {
            throw new IllegalArgumentException("services must be >= 0 and plansPerService >= 1 (OSB needs a plan)");
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (int i = 0; i < services; i++) {
            list.add(service(prefix == null ? "" : prefix, i, plansPerService));
        }
        return catalogOf(list);
    }

    /** Id of service i in a generated catalog. */
    public static String serviceId(int i) {
        return "service-" + i;
    }

    /** Id of plan j of service i in a generated catalog. */
    public static String planId(int i, int j) {
        return "plan-" + i + "-" + j;
    }

    private static Map<String, Object> catalogOf(List<Map<String, Object>> services) {
        Map<String, Object> catalog = new LinkedHashMap<>();
        catalog.put("services", new ArrayList<>(services));
        return catalog;
    }

    private static Map<String, Object> service(String prefix, int i, int plans) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("id", prefix + serviceId(i));
        s.put("name", prefix + "fake-service-" + i);
        s.put("description", "Fake service " + i + " served by FakeBroker");
        s.put("tags", new ArrayList<>(List.of("fake", "test")));
        s.put("bindable", true);
        s.put("instances_retrievable", true);
        s.put("bindings_retrievable", true);
        s.put("plan_updateable", true);
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("displayName", "Fake Service " + i);
        metadata.put("longDescription", "A fake OSB service offering for tests");
        metadata.put("providerDisplayName", "FakeBroker");
        s.put("metadata", metadata);
        List<Map<String, Object>> planList = new ArrayList<>();
        for (int j = 0; j < plans; j++) {
            planList.add(plan(prefix, i, j));
        }
        s.put("plans", planList);
        return s;
    }

    private static Map<String, Object> plan(String prefix, int i, int j) {
        boolean free = j % 2 == 0;
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("id", prefix + planId(i, j));
        p.put("name", "plan-" + j);
        p.put("description", "Plan " + j + " of fake service " + i);
        p.put("free", free);
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("displayName", "Plan " + j);
        metadata.put("bullets", new ArrayList<>(List.of("fake plan " + j)));
        if (!free) {
            Map<String, Object> cost = new LinkedHashMap<>();
            cost.put("amount", new LinkedHashMap<>(Map.of("usd", 10 * j)));
            cost.put("unit", "MONTHLY");
            metadata.put("costs", new ArrayList<>(List.of(cost)));
        }
        p.put("metadata", metadata);
        if (j == 0) {
            p.put("schemas", schemas());
        }
        return p;
    }

    private static Map<String, Object> schemas() {
        Map<String, Object> instance = new LinkedHashMap<>();
        instance.put("create", parametersSchema("size"));
        instance.put("update", parametersSchema("size"));
        Map<String, Object> binding = new LinkedHashMap<>();
        binding.put("create", parametersSchema("role"));
        Map<String, Object> schemas = new LinkedHashMap<>();
        schemas.put("service_instance", instance);
        schemas.put("service_binding", binding);
        return schemas;
    }

    private static Map<String, Object> parametersSchema(String property) {
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("$schema", JSON_SCHEMA);
        schema.put("type", "object");
        Map<String, Object> props = new LinkedHashMap<>();
        props.put(property, new LinkedHashMap<>(Map.of("type", "string")));
        schema.put("properties", props);
        Map<String, Object> wrapper = new LinkedHashMap<>();
        wrapper.put("parameters", schema);
        return wrapper;
    }
}

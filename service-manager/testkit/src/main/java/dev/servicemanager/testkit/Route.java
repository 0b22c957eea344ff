package dev.servicemanager.testkit;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** The ten OSB 2.17 endpoints served by {@link FakeBroker}; each can be overridden with {@link FakeBroker#on}. */
public enum Route {
    /** {@code GET /v2/catalog} */
    CATALOG("GET"),
    /** {@code PUT /v2/service_instances/:instance_id} */
    PROVISION("PUT"),
    /** {@code GET /v2/service_instances/:instance_id} */
    FETCH_INSTANCE("GET"),
    /** {@code PATCH /v2/service_instances/:instance_id} */
    UPDATE("PATCH"),
    /** {@code DELETE /v2/service_instances/:instance_id} */
    DEPROVISION("DELETE"),
    /** {@code GET /v2/service_instances/:instance_id/last_operation} */
    INSTANCE_LAST_OPERATION("GET"),
    /** {@code PUT /v2/service_instances/:instance_id/service_bindings/:binding_id} */
    BIND("PUT"),
    /** {@code GET /v2/service_instances/:instance_id/service_bindings/:binding_id} */
    FETCH_BINDING("GET"),
    /** {@code DELETE /v2/service_instances/:instance_id/service_bindings/:binding_id} */
    UNBIND("DELETE"),
    /** {@code GET /v2/service_instances/:instance_id/service_bindings/:binding_id/last_operation} */
    BINDING_LAST_OPERATION("GET");

    private final String method;

    Route(String method) {
        this.method = method;
    }

    /** The HTTP method of this endpoint. */
    public String method() {
        return method;
    }

    /** True for the two last_operation endpoints. */
    public boolean isLastOperation() {
        return this == INSTANCE_LAST_OPERATION || this == BINDING_LAST_OPERATION;
    }

    /** True for the endpoints under {@code /service_bindings/}. */
    public boolean isBindingRoute() {
        return this == BIND || this == FETCH_BINDING || this == UNBIND || this == BINDING_LAST_OPERATION;
    }

    /** True for the endpoints that may answer 202 and be polled: provision, update, deprovision, bind, unbind. */
    public boolean isAsyncCapable() {
        return this == PROVISION || this == UPDATE || this == DEPROVISION || this == BIND || this == UNBIND;
    }

    /** A matched route with its decoded path ids (bindingId is null for instance routes and the catalog). */
    record Match(Route route, String instanceId, String bindingId) {
        /** Key of the resource this route acts on, used for pending operations. */
        String resourceKey() {
            return route.isBindingRoute() ? "b:" + instanceId + "/" + bindingId : "i:" + instanceId;
        }
    }

    /**
     * Matches a method and a raw (percent-encoded) path against the OSB endpoints. Path segments are decoded one by one,
     * so an id containing an encoded {@code /} still routes correctly. Returns null for unknown routes.
     */
    static Match match(String method, String rawPath) {
        if (method == null || rawPath == null || !rawPath.startsWith("/v2/")) {
            return null;
        }
        String[] s = rawPath.substring(1).split("/", -1);
        for (String segment : s) {
            if (segment.isEmpty()) {
                return null;
            }
        }
        if (s.length == 2 && s[1].equals("catalog")) {
            return method.equals("GET") ? new Match(CATALOG, null, null) : null;
        }
        if (s.length < 3 || !s[1].equals("service_instances")) {
            return null;
        }
        String iid = decode(s[2]);
        if (s.length == 3) {
            Route r = switch (method) {
                case "PUT" -> PROVISION;
                case "GET" -> FETCH_INSTANCE;
                case "PATCH" -> UPDATE;
                case "DELETE" -> DEPROVISION;
                default -> null;
            };
            return r == null ? null : new Match(r, iid, null);
        }
        if (s.length == 4 && s[3].equals("last_operation")) {
            return method.equals("GET") ? new Match(INSTANCE_LAST_OPERATION, iid, null) : null;
        }
        if (s.length < 5 || !s[3].equals("service_bindings")) {
            return null;
        }
        String bid = decode(s[4]);
        if (s.length == 5) {
            Route r = switch (method) {
                case "PUT" -> BIND;
                case "GET" -> FETCH_BINDING;
                case "DELETE" -> UNBIND;
                default -> null;
            };
            return r == null ? null : new Match(r, iid, bid);
        }
        if (s.length == 6 && s[5].equals("last_operation")) {
            return method.equals("GET") ? new Match(BINDING_LAST_OPERATION, iid, bid) : null;
        }
        return null;
    }

    /** Percent-decodes one path segment ('+' stays '+', unlike form decoding). */
    static String decode(String segment) {
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return segment;
        }
    }
}

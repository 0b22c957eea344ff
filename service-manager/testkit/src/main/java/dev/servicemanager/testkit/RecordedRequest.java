package dev.servicemanager.testkit;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One request as it reached the {@link FakeBroker}, recorded before authentication and version checks.
 *
 * @param method  HTTP method, upper case
 * @param path    the raw request path, as sent (percent-encoding kept); see {@link #instanceId()} for decoded ids
 * @param query   query parameters, percent-decoded; for a repeated name the first value wins
 * @param headers request headers with lower-case names, values in arrival order
 * @param body    request body as UTF-8 text, "" when there was none
 */
public record RecordedRequest(String method, String path, Map<String, String> query,
                              Map<String, List<String>> headers, String body) {

    public RecordedRequest {
        method = method == null ? "" : method.toUpperCase(Locale.ROOT);
        path = path == null ? "" : path;
        query = query == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(query));
        Map<String, List<String>> h = new LinkedHashMap<>();
        if (headers != null) {
            headers.forEach((name, values) -> h.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new java.util.ArrayList<>())
                    .addAll(values == null ? List.of() : values));
        }
        h.replaceAll((k, v) -> List.copyOf(v));
        headers = Collections.unmodifiableMap(h);
        body = body == null ? "" : body;
    }

    /** First value of the header (case-insensitive name), or null. */
    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** All values of the header (case-insensitive name), empty if absent. */
    public List<String> headerValues(String name) {
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    /** The body parsed as a JSON object (a fresh mutable map); throws IllegalStateException if it is not one. */
    public Map<String, Object> json() {
        try {
            return Json.parseObject(body);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(method + " " + path + ": " + e.getMessage(), e);
        }
    }

    /** The OSB endpoint this request addressed, or null if it matched none. */
    public Route route() {
        Route.Match m = Route.match(method, path);
        return m == null ? null : m.route();
    }

    /** The decoded {@code :instance_id} path segment, or null (catalog, unknown routes). */
    public String instanceId() {
        Route.Match m = Route.match(method, path);
        return m == null ? null : m.instanceId();
    }

    /** The decoded {@code :binding_id} path segment, or null (non-binding routes). */
    public String bindingId() {
        Route.Match m = Route.match(method, path);
        return m == null ? null : m.bindingId();
    }

    @Override
    public String toString() {
        return method + " " + path + (query.isEmpty() ? "" : " " + query) + (body.isEmpty() ? "" : " " + body);
    }
}

package dev.servicemanager.testkit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An answer of the {@link FakeBroker}. A non-empty body is sent with {@code Content-Type: application/json} unless a
 * Content-Type header is set explicitly.
 *
 * @param status  HTTP status
 * @param headers extra response headers (names as given)
 * @param body    body text, "" for none
 */
public record Response(int status, Map<String, List<String>> headers, String body) {

    public Response {
        Map<String, List<String>> h = new LinkedHashMap<>();
        if (headers != null) {
            headers.forEach((k, v) -> h.put(k, List.copyOf(v)));
        }
        headers = Collections.unmodifiableMap(h);
        body = body == null ? "" : body;
    }

    /** A response with a raw body (sent verbatim). */
    public static Response of(int status, String body) {
        return new Response(status, Map.of(), body);
    }

    /** A response whose body is {@code value} written as JSON (Maps, Lists, Strings, numbers, booleans, null). */
    public static Response json(int status, Object value) {
        return new Response(status, Map.of(), Json.write(value));
    }

    /** An OSB error response {@code {"description": description}}. */
    public static Response error(int status, String description) {
        return json(status, Map.of("description", description));
    }

    /**
     * This response, but its body breaks off after {@code bytes} bytes although the declared length is the whole
     * body: the broker then stalls until it is reset or closed ({@code reset = false}), or drops the connection at
     * once ({@code reset = true}). The status line and headers arrive normally, as with a broker that fails while
     * writing its answer.
     */
    public Response breakingOffAfter(int bytes, boolean reset) {
        return withHeader(FakeBroker.FAULT_HEADER, (reset ? "reset:" : "stall:") + bytes);
    }

    /** This response plus one header value (appended if the header already exists). */
    public Response withHeader(String name, String value) {
        Map<String, List<String>> h = new LinkedHashMap<>(headers);
        List<String> values = new ArrayList<>(h.getOrDefault(name, List.of()));
        values.add(value);
        h.put(name, values);
        return new Response(status, h, body);
    }

    /** First value of a header, case-insensitive, or null. */
    public String header(String name) {
        for (Map.Entry<String, List<String>> e : headers.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
                return e.getValue().get(0);
            }
        }
        return null;
    }

    /** The body parsed as a JSON object, or null if it is not one. */
    public Map<String, Object> jsonOrNull() {
        return Json.parseObjectOrNull(body);
    }
}

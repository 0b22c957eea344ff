package dev.servicemanager.testkit.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A seeded generator of hostile requests for every registry, instance and OSB route (issue 12): a
 * valid request of the route, then one mutation of its path, query or body from the classes the
 * server must refuse (NUL, lone surrogates, invalid UTF-8, overlong ids, path tricks, deep nesting,
 * huge numbers, duplicate keys) or merely survive (wrong types, unknown fields, truncation, random
 * bytes). The same seed gives the same requests, so a failure is replayed from its seed and index.
 */
public final class HostileRequests {
  /** Ids of existing resources the valid requests name, and the credentials to send. */
  public record Targets(
      String adminAuthorization,
      String platformAuthorization,
      String platformId,
      String brokerId,
      String offeringId,
      String planId,
      String visibilityId,
      String instanceId,
      String bindingId,
      String catalogServiceId,
      String catalogPlanId,
      String brokerUrl,
      String brokerUsername,
      String brokerPassword) {}

  private record Route(String name, String method, String path, boolean osb, boolean body) {}

  private static final List<Route> ROUTES = List.of(
      new Route("platforms.create", "POST", "/v1/platforms", false, true),
      new Route("platforms.list", "GET", "/v1/platforms", false, false),
      new Route("platforms.get", "GET", "/v1/platforms/{platform}", false, false),
      new Route("platforms.patch", "PATCH", "/v1/platforms/{platform}", false, true),
      new Route("platforms.delete", "DELETE", "/v1/platforms/{platform}", false, false),
      new Route("brokers.create", "POST", "/v1/service_brokers", false, true),
      new Route("brokers.list", "GET", "/v1/service_brokers", false, false),
      new Route("brokers.get", "GET", "/v1/service_brokers/{broker}", false, false),
      new Route("brokers.patch", "PATCH", "/v1/service_brokers/{broker}", false, true),
      new Route("brokers.delete", "DELETE", "/v1/service_brokers/{broker}", false, false),
      new Route("offerings.list", "GET", "/v1/service_offerings", false, false),
      new Route("offerings.get", "GET", "/v1/service_offerings/{offering}", false, false),
      new Route("offerings.patch", "PATCH", "/v1/service_offerings/{offering}", false, true),
      new Route("plans.list", "GET", "/v1/service_plans", false, false),
      new Route("plans.get", "GET", "/v1/service_plans/{plan}", false, false),
      new Route("plans.patch", "PATCH", "/v1/service_plans/{plan}", false, true),
      new Route("visibilities.create", "POST", "/v1/visibilities", false, true),
      new Route("visibilities.list", "GET", "/v1/visibilities", false, false),
      new Route("visibilities.get", "GET", "/v1/visibilities/{visibility}", false, false),
      new Route("visibilities.patch", "PATCH", "/v1/visibilities/{visibility}", false, true),
      new Route("visibilities.delete", "DELETE", "/v1/visibilities/{visibility}", false, false),
      new Route("instances.create", "POST", "/v1/service_instances", false, true),
      new Route("instances.list", "GET", "/v1/service_instances", false, false),
      new Route("instances.get", "GET", "/v1/service_instances/{instance}", false, false),
      new Route("instances.patch", "PATCH", "/v1/service_instances/{instance}", false, true),
      new Route("instances.delete", "DELETE", "/v1/service_instances/{instance}", false, false),
      new Route("bindings.create", "POST", "/v1/service_bindings", false, true),
      new Route("bindings.list", "GET", "/v1/service_bindings", false, false),
      new Route("bindings.get", "GET", "/v1/service_bindings/{binding}", false, false),
      new Route("bindings.delete", "DELETE", "/v1/service_bindings/{binding}", false, false),
      new Route("osb.catalog", "GET", "/v1/osb/{broker}/v2/catalog", true, false),
      new Route("osb.provision", "PUT", "/v1/osb/{broker}/v2/service_instances/{osbInstance}", true, true),
      new Route("osb.fetch", "GET", "/v1/osb/{broker}/v2/service_instances/{osbInstance}", true, false),
      new Route("osb.update", "PATCH", "/v1/osb/{broker}/v2/service_instances/{osbInstance}", true, true),
      new Route("osb.deprovision", "DELETE", "/v1/osb/{broker}/v2/service_instances/{osbInstance}?service_id={sid}&plan_id={pid}", true, false),
      new Route("osb.lastOperation", "GET", "/v1/osb/{broker}/v2/service_instances/{osbInstance}/last_operation", true, false),
      new Route("osb.bind", "PUT", "/v1/osb/{broker}/v2/service_instances/{osbInstance}/service_bindings/{osbBinding}", true, true),
      new Route("osb.fetchBinding", "GET", "/v1/osb/{broker}/v2/service_instances/{osbInstance}/service_bindings/{osbBinding}", true, false),
      new Route("osb.unbind", "DELETE", "/v1/osb/{broker}/v2/service_instances/{osbInstance}/service_bindings/{osbBinding}?service_id={sid}&plan_id={pid}", true, false));

  private static final String[] HOSTILE_SEGMENTS = {
    "%00", "a%00b", "%ff", "%c3%28", "%ed%a0%80", "%2e%2e", "..", ".", "%2F", "a%2fb", "%252e%252e", "%25", "x;y=1",
    "abc.", "%5C", "%zz", "%", "%e2%82%ac", "%0a", "%7f", "%c0%af"
  };
  private static final String[] HOSTILE_STRINGS = {"\u0000", "a\u0000b", "\ud800", "x\udc00", "\udbff", "..", "%00", "\u202e", "\uffff", "\uD83D\uDE00"};
  private static final String[] QUERY_KEYS = {"fieldQuery", "labelQuery", "max_items", "token", "async", "plan_id", "service_id", "accepts_incomplete"};

  private final Random random;
  private final Targets t;

  public HostileRequests(long seed, Targets targets) {
    this.random = new Random(seed);
    this.t = targets;
  }

  public FuzzRequest next() {
    Route route = ROUTES.get(random.nextInt(ROUTES.size()));
    String path = fill(route.path());
    Map<String, Object> valid = route.body() ? validBody(route) : null;
    byte[] body = valid == null ? null : json(valid).getBytes(StandardCharsets.UTF_8);
    String contentType = valid == null ? null : "application/json";
    switch (random.nextInt(route.body() ? 3 : 2)) {
      case 0 -> path = mutatePath(path);
      case 1 -> path = path + (path.contains("?") ? "&" : "?") + pick(QUERY_KEYS) + "=" + hostileQueryValue();
      default -> body = mutateBody(valid);
    }
    if (body == null && random.nextInt(10) == 0) {
      body = randomBytes(1 + random.nextInt(64));
      contentType = "application/json";
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Authorization", route.osb() ? t.platformAuthorization() : t.adminAuthorization());
    if (route.osb()) {
      headers.put("X-Broker-API-Version", "2.17");
    }
    if (contentType != null) {
      headers.put("Content-Type", contentType);
    }
    return new FuzzRequest(route.method(), path, headers, body, route.name());
  }

  private String fill(String template) {
    return template
        .replace("{platform}", t.platformId())
        .replace("{broker}", t.brokerId())
        .replace("{offering}", t.offeringId())
        .replace("{plan}", t.planId())
        .replace("{visibility}", t.visibilityId())
        .replace("{instance}", t.instanceId())
        .replace("{binding}", t.bindingId())
        // Fresh OSB ids: a valid call creates something new instead of changing the fixtures.
        .replace("{osbInstance}", random.nextBoolean() ? t.instanceId() : "fz-" + random.nextInt(1_000_000))
        .replace("{osbBinding}", "fzb-" + random.nextInt(1_000_000))
        .replace("{sid}", t.catalogServiceId())
        .replace("{pid}", t.catalogPlanId());
  }

  private Map<String, Object> validBody(Route route) {
    Map<String, Object> body = new LinkedHashMap<>();
    switch (route.name()) {
      case "platforms.create" -> {
        body.put("name", "fz-" + random.nextInt(1_000_000));
        body.put("type", "kubernetes");
        body.put("description", "fuzz");
      }
      case "brokers.create" -> {
        body.put("name", "fz-" + random.nextInt(1_000_000));
        body.put("broker_url", t.brokerUrl());
        body.put("credentials", Map.of("basic", Map.of("username", t.brokerUsername(), "password", t.brokerPassword())));
      }
      case "visibilities.create" -> {
        body.put("service_plan_id", t.planId());
        body.put("platform_id", t.platformId());
      }
      case "instances.create" -> {
        body.put("name", "fz-" + random.nextInt(1_000_000));
        body.put("service_plan_id", t.planId());
        body.put("parameters", Map.of("size", 1));
      }
      case "bindings.create" -> {
        body.put("name", "fz-" + random.nextInt(1_000_000));
        body.put("service_instance_id", t.instanceId());
      }
      case "osb.provision", "osb.update", "osb.bind" -> {
        body.put("service_id", t.catalogServiceId());
        body.put("plan_id", t.catalogPlanId());
        body.put("context", Map.of("platform", "kubernetes", "namespace", "fz"));
        body.put("parameters", Map.of("size", 1, "tags", List.of("a", "b")));
      }
      default -> {
        body.put("description", "fz");
        body.put("labels", List.of(Map.of("op", "add", "key", "fz", "values", List.of("v"))));
      }
    }
    return body;
  }

  private String mutatePath(String path) {
    String[] parts = path.split("\\?", 2);
    List<String> segments = new ArrayList<>(List.of(parts[0].split("/", -1)));
    int at = segments.size() > 3 ? 3 + random.nextInt(segments.size() - 3) : segments.size();
    String hostile = switch (random.nextInt(4)) {
      // Over the id width, but the request line stays under Netty's 4 KB, past which Netty answers
      // and closes by itself (HostileInputIT covers that with a 10k id).
      case 0 -> "a".repeat(101 + random.nextInt(random.nextBoolean() ? 400 : 1_800));
      case 1 -> rawSegment();
      default -> pick(HOSTILE_SEGMENTS);
    };
    if (at < segments.size()) {
      segments.set(at, random.nextBoolean() ? hostile : segments.get(at) + hostile);
    } else {
      segments.add(hostile);
    }
    return String.join("/", segments) + (parts.length > 1 ? "?" + parts[1] : "");
  }

  // Raw bytes, invalid UTF-8 included, but none that would end the request line or the segment.
  private String rawSegment() {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i <= random.nextInt(8); i++) {
      char c = (char) (0x21 + random.nextInt(0xff - 0x21 + 1));
      out.append(c == '?' || c == '#' || c == '/' || c == 0x7f ? 'x' : c);
    }
    return out.toString();
  }

  private String hostileQueryValue() {
    return switch (random.nextInt(5)) {
      case 0 -> "name%20eq%20%27a%00b%27";
      case 1 -> "%ff%fe";
      case 2 -> "x".repeat(random.nextInt(1_500));
      case 3 -> pick(HOSTILE_SEGMENTS);
      default -> "999999999999999999999999";
    };
  }

  private byte[] mutateBody(Map<String, Object> valid) {
    String key = pick(valid.keySet().toArray(new String[0]));
    Map<String, Object> body = new LinkedHashMap<>(valid);
    String text = json(valid);
    switch (random.nextInt(11)) {
      case 0 -> body.put(key, pick(HOSTILE_STRINGS));
      case 1 -> body.put(key, "x".repeat(101 + random.nextInt(12_000)));
      case 2 -> body.put(key, pick(new Object[] {5, true, List.of(), Map.of(), -1.5}));
      case 3 -> body.put("fz_unknown_" + random.nextInt(10), "v");
      case 4 -> {
        return ("{\"" + key + "\":" + json(pick(HOSTILE_STRINGS)) + "," + text.substring(1)).getBytes(StandardCharsets.UTF_8);
      }
      case 5 -> {
        return text.substring(0, random.nextInt(text.length())).getBytes(StandardCharsets.UTF_8);
      }
      case 6 -> {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i <= random.nextInt(3); i++) {
          bytes[random.nextInt(bytes.length)] = (byte) (0x80 + random.nextInt(128));
        }
        return bytes;
      }
      case 7 -> {
        int depth = 65 + random.nextInt(random.nextBoolean() ? 100 : 100_000);
        String nested = "[".repeat(depth) + (random.nextBoolean() ? "]".repeat(depth) : "");
        return ("{\"" + key + "\":" + nested + "}").getBytes(StandardCharsets.UTF_8);
      }
      case 8 -> {
        String number = pick(new String[] {"1e999999", "-1e400", "9".repeat(1500), "1" + "0".repeat(900), "-0", "1.0E-99999"});
        return ("{\"" + key + "\":" + number + "," + text.substring(1)).getBytes(StandardCharsets.UTF_8);
      }
      case 9 -> {
        return randomBytes(1 + random.nextInt(200));
      }
      default -> {
        return pick(new String[] {"", "null", "[]", "\"s\"", "{}", "{\"\":1}", "\u0000"}).getBytes(StandardCharsets.UTF_8);
      }
    }
    return json(body).getBytes(StandardCharsets.UTF_8);
  }

  private byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    random.nextBytes(bytes);
    return bytes;
  }

  private <T> T pick(T[] values) {
    return values[random.nextInt(values.length)];
  }

  // Our own writer: it must be able to write a lone surrogate as \\uXXXX, which real writers refuse.
  static String json(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String s) {
      StringBuilder out = new StringBuilder("\"");
      for (char c : s.toCharArray()) {
        if (c == '"' || c == '\\') {
          out.append('\\').append(c);
        } else if (c < 0x20 || Character.isSurrogate(c)) {
          out.append(String.format("\\u%04x", (int) c));
        } else {
          out.append(c);
        }
      }
      return out.append('"').toString();
    }
    if (value instanceof Map<?, ?> map) {
      StringBuilder out = new StringBuilder("{");
      map.forEach((k, v) -> out.append(out.length() > 1 ? "," : "").append(json(String.valueOf(k))).append(':').append(json(v)));
      return out.append('}').toString();
    }
    if (value instanceof List<?> list) {
      StringBuilder out = new StringBuilder("[");
      list.forEach(v -> out.append(out.length() > 1 ? "," : "").append(json(v)));
      return out.append(']').toString();
    }
    return String.valueOf(value);
  }
}

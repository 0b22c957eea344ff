package dev.servicemanager.proxy.k8s;

import dev.servicemanager.proxy.core.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The operator's API group {@code services.servicemanager.dev/v1} and small helpers on its objects. */
final class Resources {
  static final String GROUP = "services.servicemanager.dev";
  static final String VERSION = "v1";
  static final String API_VERSION = GROUP + "/" + VERSION;
  static final String FINALIZER = GROUP + "/finalizer";
  static final KubeApi.Kind INSTANCES = new KubeApi.Kind(GROUP, VERSION, "serviceinstances", true);
  static final KubeApi.Kind BINDINGS = new KubeApi.Kind(GROUP, VERSION, "servicebindings", true);
  static final KubeApi.Kind OFFERINGS = new KubeApi.Kind(GROUP, VERSION, "serviceofferings", false);
  static final KubeApi.Kind PLANS = new KubeApi.Kind(GROUP, VERSION, "serviceplans", false);

  private Resources() {}

  static Map<String, Object> meta(Map<String, Object> object) {
    return Json.object(object, "metadata");
  }

  static String name(Map<String, Object> object) {
    return Json.string(meta(object), "name");
  }

  static String namespace(Map<String, Object> object) {
    return Json.string(meta(object), "namespace");
  }

  static String uid(Map<String, Object> object) {
    return Json.string(meta(object), "uid");
  }

  static long generation(Map<String, Object> object) {
    return K8sPlatform.number(meta(object).get("generation"));
  }

  static boolean deleting(Map<String, Object> object) {
    return meta(object).get("deletionTimestamp") != null;
  }

  static Map<String, Object> spec(Map<String, Object> object) {
    return Json.object(object, "spec");
  }

  static Map<String, Object> status(Map<String, Object> object) {
    return Json.object(object, "status");
  }

  static boolean hasFinalizer(Map<String, Object> object) {
    return finalizers(object).contains(FINALIZER);
  }

  static List<String> finalizers(Map<String, Object> object) {
    List<String> result = new ArrayList<>();
    if (meta(object).get("finalizers") instanceof List<?> list) {
      list.forEach(f -> result.add(String.valueOf(f)));
    }
    return result;
  }

  /** A copy of the object with these finalizers. */
  static Map<String, Object> withFinalizers(Map<String, Object> object, List<String> finalizers) {
    Map<String, Object> copy = new LinkedHashMap<>(object);
    Map<String, Object> meta = new LinkedHashMap<>(meta(object));
    meta.put("finalizers", finalizers);
    copy.put("metadata", meta);
    return copy;
  }

  /** SHA-256 of the JSON of a value, with map keys sorted so equal content hashes equally. */
  static String hash(Object value) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(Json.write(sorted(value)).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Object sorted(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> result = new TreeMap<>();
      map.forEach((k, v) -> result.put(String.valueOf(k), sorted(v)));
      return result;
    }
    if (value instanceof List<?> list) {
      List<Object> result = new ArrayList<>();
      list.forEach(v -> result.add(sorted(v)));
      return result;
    }
    return value;
  }
}

package dev.servicemanager.controlplane.rpc;

import dev.servicemanager.controlplane.state.RuntimeId;
import dev.servicemanager.controlplane.state.Target;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * By-name params of one call, checked strictly: unknown members, wrong types and bad names are
 * "Invalid params" (-32602) before anything is read or written. Mirrors the JSON Schemas in
 * openapi/control-plane.yaml.
 */
final class Params {
  private final Map<String, Object> values;

  private Params(Map<String, Object> values) {
    this.values = values;
  }

  @SuppressWarnings("unchecked")
  static Params of(Object params, Set<String> allowed) {
    if (params == null) {
      params = Map.of();
    }
    if (!(params instanceof Map<?, ?> map)) {
      throw RpcException.invalidParams("params must be an object (by-name parameters)");
    }
    for (Object key : map.keySet()) {
      if (!allowed.contains(key)) {
        throw RpcException.invalidParams("unknown parameter '" + key + "'; allowed: " + new java.util.TreeSet<>(allowed));
      }
    }
    return new Params((Map<String, Object>) map);
  }

  String requiredString(String name) {
    Object value = values.get(name);
    if (!(value instanceof String s) || s.isBlank()) {
      throw RpcException.invalidParams("'" + name + "' is required and must be a non-empty string");
    }
    return s;
  }

  String optionalString(String name, String fallback) {
    Object value = values.get(name);
    if (value == null && !values.containsKey(name)) {
      return fallback;
    }
    if (!(value instanceof String s) || s.isBlank()) {
      throw RpcException.invalidParams("'" + name + "' must be a non-empty string");
    }
    return s;
  }

  RuntimeId runtime() {
    String name = requiredString("runtime");
    String namespace = optionalString("namespace", RuntimeId.DEFAULT_NAMESPACE);
    if (!RuntimeId.NAME.matcher(name).matches()) {
      throw RpcException.invalidParams("'runtime' must match " + RuntimeId.NAME.pattern());
    }
    if (!RuntimeId.NAME.matcher(namespace).matches()) {
      throw RpcException.invalidParams("'namespace' must match " + RuntimeId.NAME.pattern());
    }
    return new RuntimeId(namespace, name);
  }

  /** A target list; {@code withState} allows (and requires a valid) "state" member in each item. */
  List<Target> targets(boolean required, boolean withState, Map<String, String> states) {
    Object value = values.get("targets");
    if (value == null && !values.containsKey("targets") && !required) {
      return List.of();
    }
    if (!(value instanceof List<?> list) || (required && list.isEmpty()) || list.size() > 100) {
      throw RpcException.invalidParams("'targets' must be an array of 1 to 100 targets");
    }
    List<Target> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      if (!(list.get(i) instanceof Map<?, ?> item)) {
        throw RpcException.invalidParams("targets[" + i + "] must be an object {kind, name}");
      }
      Set<String> allowed = withState ? Set.of("kind", "name", "state") : Set.of("kind", "name");
      for (Object key : item.keySet()) {
        if (!allowed.contains(key)) {
          throw RpcException.invalidParams("targets[" + i + "]: unknown member '" + key + "'");
        }
      }
      if (!(item.get("kind") instanceof String kind) || !Target.KINDS.contains(kind)) {
        throw RpcException.invalidParams("targets[" + i + "].kind must be one of " + Target.KINDS);
      }
      if (!(item.get("name") instanceof String name) || !Target.NAME.matcher(name).matches()) {
        throw RpcException.invalidParams("targets[" + i + "].name must match " + Target.NAME.pattern());
      }
      Target target = new Target(kind, name);
      if (withState) {
        Object state = item.containsKey("state") ? item.get("state") : "running";
        if (!"running".equals(state) && !"paused".equals(state)) {
          throw RpcException.invalidParams("targets[" + i + "].state must be running or paused");
        }
        states.put(target.key(), (String) state);
      }
      out.add(target);
    }
    return out;
  }
}

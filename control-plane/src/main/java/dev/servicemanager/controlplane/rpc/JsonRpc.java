package dev.servicemanager.controlplane.rpc;

import dev.servicemanager.controlplane.ControlPlane;
import dev.servicemanager.controlplane.state.Json;
import dev.servicemanager.controlplane.state.RuntimeId;
import dev.servicemanager.controlplane.state.StateStore;
import dev.servicemanager.controlplane.state.Target;
import dev.servicemanager.controlplane.web.Metrics;
import dev.servicemanager.spi.access.Caller;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON-RPC 2.0 (https://www.jsonrpc.org/specification): single calls and batches, notifications (no
 * {@code id} member) answered with nothing, the spec's error codes and ours. Every call is checked
 * completely before it writes, so bad input never causes a partial write; a batch runs its calls one
 * after the other, each on its own (the spec allows any order, we keep the given one).
 */
@Singleton
@Requires(property = "control-plane.enabled", notEquals = "false")
final class JsonRpc {
  private static final Logger LOG = LoggerFactory.getLogger(JsonRpc.class);
  static final String READ_SCOPE = "control-plane.read";
  static final String WRITE_SCOPE = "control-plane.write";
  static final int MAX_BATCH = 100;
  static final Set<String> WRITE_METHODS = Set.of("pause", "resume", "reset", "registerRuntime");
  static final Set<String> METHODS = Set.of("pause", "resume", "reset", "registerRuntime", "getState", "listRuntimes");

  private final ControlPlane controlPlane;
  private final Metrics metrics;

  JsonRpc(ControlPlane controlPlane, Metrics metrics) {
    this.controlPlane = controlPlane;
    this.metrics = metrics;
  }

  /** The response body, or empty when nothing is to be answered (only notifications). */
  Optional<String> handle(@Nullable String body, Caller caller) {
    Object parsed;
    try {
      if (body == null || body.isBlank()) {
        throw new IOException("empty body");
      }
      parsed = Json.read(body);
    } catch (IOException | RuntimeException e) {
      metrics.command("invalid", "error");
      return Optional.of(Json.write(error(null, new RpcException(RpcException.PARSE_ERROR, "Parse error"))));
    }
    if (parsed instanceof List<?> batch) {
      if (batch.isEmpty() || batch.size() > MAX_BATCH) {
        metrics.command("invalid", "error");
        return Optional.of(Json.write(error(null, new RpcException(RpcException.INVALID_REQUEST, "Invalid Request",
            batch.isEmpty() ? "empty batch" : "a batch holds at most " + MAX_BATCH + " calls"))));
      }
      List<Object> responses = new ArrayList<>();
      for (Object call : batch) {
        call(call, caller).ifPresent(responses::add);
      }
      return responses.isEmpty() ? Optional.empty() : Optional.of(Json.write(responses));
    }
    return call(parsed, caller).map(Json::write);
  }

  private Optional<Map<String, Object>> call(Object request, Caller caller) {
    if (!(request instanceof Map<?, ?> call)) {
      metrics.command("invalid", "error");
      return Optional.of(error(null, new RpcException(RpcException.INVALID_REQUEST, "Invalid Request",
          "a request must be a JSON object")));
    }
    Object id = call.get("id");
    boolean notification = !call.containsKey("id");
    boolean validId = id == null || id instanceof String || id instanceof Number;
    Object method = call.get("method");
    Object params = call.get("params");
    if (!"2.0".equals(call.get("jsonrpc")) || !(method instanceof String) || !validId
        || (call.containsKey("params") && !(params instanceof Map) && !(params instanceof List))) {
      metrics.command("invalid", "error");
      return Optional.of(error(validId ? id : null, new RpcException(RpcException.INVALID_REQUEST, "Invalid Request",
          "needs jsonrpc \"2.0\", a string method, an id that is a string, number or null, and params as object or array")));
    }
    String name = (String) method;
    try {
      Object result = dispatch(name, params, caller);
      return notification ? Optional.empty() : Optional.of(result(id, result));
    } catch (RpcException e) {
      metrics.command(METHODS.contains(name) ? name : "unknown", "error");
      return notification ? Optional.empty() : Optional.of(error(id, e));
    } catch (StateStore.NotFound e) {
      metrics.command(name, "error");
      return notification ? Optional.empty()
          : Optional.of(error(id, new RpcException(RpcException.RUNTIME_NOT_FOUND, "Runtime not found", e.getMessage())));
    } catch (RuntimeException e) {
      if (e instanceof StateStore.StorageException storage && storage.invalidInput()) {
        metrics.command(name, "error");
        return notification ? Optional.empty()
            : Optional.of(error(id, RpcException.invalidParams("a value cannot be stored: it is too long or holds a character that is not allowed (such as U+0000)")));
      }
      String incident = UUID.randomUUID().toString();
      LOG.error("control-plane: {} failed (incident {})", name, incident, e);
      metrics.command(name, "error");
      return notification ? Optional.empty() : Optional.of(error(id, new RpcException(RpcException.INTERNAL_ERROR,
          "Internal error", "incident " + incident + "; the details are in the server log")));
    }
  }

  private Object dispatch(String method, Object params, Caller caller) {
    if (!METHODS.contains(method)) {
      throw new RpcException(RpcException.METHOD_NOT_FOUND, "Method not found",
          "methods: " + new java.util.TreeSet<>(METHODS));
    }
    boolean write = WRITE_METHODS.contains(method);
    if (write ? !caller.hasScope(WRITE_SCOPE) : !(caller.hasScope(READ_SCOPE) || caller.hasScope(WRITE_SCOPE))) {
      throw new RpcException(RpcException.FORBIDDEN, "Forbidden",
          method + " needs the scope " + (write ? WRITE_SCOPE : READ_SCOPE));
    }
    String actor = caller.subject();
    Object result = switch (method) {
      case "pause", "resume" -> {
        Params p = Params.of(params, Set.of("runtime", "namespace", "targets"));
        RuntimeId id = p.runtime();
        List<Target> targets = p.targets(true, false, null);
        yield change(method, controlPlane.setTargets(id, targets,
            method.equals("pause") ? StateStore.PAUSED : StateStore.RUNNING, actor, method));
      }
      case "reset" -> {
        Params p = Params.of(params, Set.of("runtime", "namespace"));
        yield change(method, controlPlane.reset(p.runtime(), actor));
      }
      case "registerRuntime" -> {
        Params p = Params.of(params, Set.of("runtime", "namespace", "topic", "targets"));
        RuntimeId id = p.runtime();
        String topic = p.requiredString("topic");
        if (!Target.NAME.matcher(topic).matches()) {
          throw RpcException.invalidParams("'topic' must match " + Target.NAME.pattern());
        }
        Map<String, String> defaults = new TreeMap<>();
        p.targets(false, true, defaults);
        // Configuration owns configured runtimes (it is applied again at every start).
        if (controlPlane.get(id).filter(v -> "config".equals(v.source())).isPresent()) {
          throw new RpcException(RpcException.CONFLICT, "Conflict",
              "runtime " + id.key() + " is configured in control-plane.runtimes; change it there");
        }
        yield change(method, controlPlane.register(id, topic, defaults, actor));
      }
      case "getState" -> {
        Params p = Params.of(params, Set.of("runtime", "namespace"));
        RuntimeId id = p.runtime();
        yield controlPlane.get(id).orElseThrow(() -> new StateStore.NotFound(id));
      }
      case "listRuntimes" -> {
        Params p = Params.of(params, Set.of("namespace"));
        String namespace = p.optionalString("namespace", null);
        yield Map.of("runtimes", controlPlane.list(Optional.ofNullable(namespace)));
      }
      default -> throw new IllegalStateException(method);
    };
    if (!(result instanceof Map<?, ?> m && m.get("changed") instanceof Boolean)) {
      metrics.command(method, "ok");
    }
    return result;
  }

  private Map<String, Object> change(String method, StateStore.Change change) {
    metrics.command(method, change.changed() ? "changed" : "unchanged");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("changed", change.changed());
    out.put("revision", change.view().revision());
    out.put("state", change.view());
    return out;
  }

  private static Map<String, Object> result(Object id, Object result) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("jsonrpc", "2.0");
    out.put("result", result);
    out.put("id", id);
    return out;
  }

  static Map<String, Object> error(Object id, RpcException e) {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", e.code);
    error.put("message", e.getMessage());
    if (e.data != null) {
      error.put("data", e.data);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("jsonrpc", "2.0");
    out.put("error", error);
    out.put("id", id);
    return out;
  }
}

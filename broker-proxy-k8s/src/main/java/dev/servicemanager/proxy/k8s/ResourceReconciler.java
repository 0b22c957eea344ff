package dev.servicemanager.proxy.k8s;

import dev.servicemanager.proxy.core.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What instance and binding reconciliation share: the finalizer, status writes, SM operation polling and
 * {@code parameters}/{@code parametersFrom}. Each reconcile is idempotent: SM ids are the resources'
 * {@code metadata.uid}s, so a reconcile repeated after a crash finds the SM resource instead of creating
 * a second one.
 */
abstract class ResourceReconciler {
  final KubeApi kube;
  final SmApi sm;
  final KubeApi.Kind kind;
  final K8sSettings settings;

  ResourceReconciler(KubeApi kube, SmApi sm, KubeApi.Kind kind, K8sSettings settings) {
    this.kube = kube;
    this.sm = sm;
    this.kind = kind;
    this.settings = settings;
  }

  abstract Result reconcile(Map<String, Object> resource);

  /** A spec the operator cannot act on; shown as a Failed condition until the spec changes. */
  static final class InvalidSpec extends RuntimeException {
    InvalidSpec(String message) {
      super(message);
    }
  }

  /** Records an unexpected failure of a reconcile (SM or API server unreachable, ...) in the conditions. */
  void reportError(Map<String, Object> resource, String message) {
    Map<String, Object> status = new LinkedHashMap<>(Resources.status(resource));
    Conditions conditions = new Conditions(status, Resources.generation(resource));
    conditions.set(Conditions.FAILED, true, "ReconcileError", message);
    if (!conditions.isTrue(Conditions.READY)) {
      conditions.set(Conditions.READY, false, "ReconcileError", message);
    }
    writeStatus(resource, status, conditions);
  }

  Map<String, Object> ensureFinalizer(Map<String, Object> resource) {
    if (Resources.hasFinalizer(resource)) {
      return resource;
    }
    List<String> finalizers = new ArrayList<>(Resources.finalizers(resource));
    finalizers.add(Resources.FINALIZER);
    return kube.replace(kind, Resources.namespace(resource), Resources.withFinalizers(resource, finalizers));
  }

  void removeFinalizer(Map<String, Object> resource) {
    List<String> finalizers = new ArrayList<>(Resources.finalizers(resource));
    finalizers.remove(Resources.FINALIZER);
    kube.replace(kind, Resources.namespace(resource), Resources.withFinalizers(resource, finalizers));
  }

  Map<String, Object> writeStatus(Map<String, Object> resource, Map<String, Object> status, Conditions conditions) {
    status.put("conditions", conditions.list());
    status.put("observedGeneration", Resources.generation(resource));
    status.put("ready", conditions.isTrue(Conditions.READY));
    if (Json.parse(Json.write(status)).equals(Resources.status(resource))) {
      return resource; // nothing changed: no write, no new resourceVersion
    }
    Map<String, Object> body = new LinkedHashMap<>(resource);
    body.put("status", status);
    return kube.replaceStatus(kind, Resources.namespace(resource), body);
  }

  /** The state of the operation at {@code url}: "in progress", "succeeded", "failed", or null when SM lost it. */
  record OperationState(String state, String description) {
    boolean inProgress() {
      return state != null && !state.equals("succeeded") && !state.equals("failed");
    }
  }

  OperationState operation(String url) {
    SmApi.Reply reply = sm.get(url);
    if (reply.status() == 404) {
      return new OperationState(null, null);
    }
    if (!reply.ok()) {
      throw new SmApi.SmUnavailable("polling " + url + " answered " + reply.problem(), null);
    }
    return new OperationState(Json.string(reply.json(), "state"), failure(reply.json()));
  }

  /** The broker's or SM's error description of a failed operation. */
  static String failure(Map<String, Object> operation) {
    Map<String, Object> errors = Json.object(operation, "errors");
    String description = Json.string(errors, "description");
    if (description == null) {
      description = Json.string(operation, "description");
    }
    return description == null ? "the operation failed" : description;
  }

  /**
   * {@code spec.parameters} merged over the JSON objects in {@code spec.parametersFrom[].secretKeyRef}
   * (a key in both: {@code parameters} wins, as in the BTP operator).
   */
  Map<String, Object> parameters(String namespace, Map<String, Object> spec) {
    Map<String, Object> merged = new LinkedHashMap<>();
    for (Map<String, Object> from : Json.objects(spec, "parametersFrom")) {
      Map<String, Object> ref = Json.object(from, "secretKeyRef");
      String secretName = Json.string(ref, "name");
      String key = Json.string(ref, "key");
      if (secretName == null || key == null) {
        throw new InvalidSpec("spec.parametersFrom[].secretKeyRef needs name and key");
      }
      Optional<Map<String, Object>> secret = kube.get(KubeApi.SECRETS, namespace, secretName);
      String encoded = secret.map(s -> Json.string(Json.object(s, "data"), key)).orElse(null);
      if (encoded == null) {
        // Not an InvalidSpec: the Secret may be created later, so this is retried.
        throw new IllegalStateException("parametersFrom: Secret " + secretName + " has no key " + key
            + (secret.isEmpty() ? " (the Secret does not exist)" : ""));
      }
      String text = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
      try {
        merged.putAll(Json.parse(text));
      } catch (IllegalArgumentException e) {
        throw new InvalidSpec("parametersFrom: key " + key + " of Secret " + secretName + " is not a JSON object");
      }
    }
    Object inline = spec.get("parameters");
    if (inline != null && !(inline instanceof Map)) {
      throw new InvalidSpec("spec.parameters must be an object");
    }
    merged.putAll(Json.object(spec, "parameters"));
    return merged;
  }

  /** SM labels of a resource made by this operator (BTP's {@code _k8sname}, {@code _namespace}, {@code _clusterid}). */
  Map<String, Object> labels(Map<String, Object> resource) {
    return Map.of("_k8sname", List.of(Resources.name(resource)), "_namespace", List.of(Resources.namespace(resource)),
        "_clusterid", List.of(settings.clusterId()));
  }

  static String requiredString(Map<String, Object> spec, String key) {
    Object value = spec.get(key);
    if (!(value instanceof String s) || s.isBlank()) {
      throw new InvalidSpec("spec." + key + " is required");
    }
    return s;
  }
}

package dev.servicemanager.proxy.k8s;

import dev.servicemanager.proxy.core.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code ServiceBinding} → SM's {@code /v1/service_bindings}, credentials → a Secret owned by the binding
 * (reference 4.4's default layout: one key per credential, nested values as JSON, plus the instance's
 * {@code instance_name}, {@code instance_guid}, {@code plan}, {@code label} and {@code type}). The SM binding
 * id is the resource's {@code metadata.uid}.
 */
final class BindingReconciler extends ResourceReconciler {
  static final String PATH = "/v1/service_bindings/";

  BindingReconciler(KubeApi kube, SmApi sm, K8sSettings settings) {
    super(kube, sm, Resources.BINDINGS, settings);
  }

  @Override
  Result reconcile(Map<String, Object> resource) {
    if (Resources.deleting(resource)) {
      return Resources.hasFinalizer(resource) ? delete(resource) : Result.done();
    }
    resource = ensureFinalizer(resource);
    String id = Resources.uid(resource);
    String namespace = Resources.namespace(resource);
    Map<String, Object> status = new LinkedHashMap<>(Resources.status(resource));
    Conditions conditions = new Conditions(status, Resources.generation(resource));
    Map<String, Object> spec = Resources.spec(resource);

    String instanceName;
    Map<String, Object> parameters;
    try {
      instanceName = requiredString(spec, "serviceInstanceName");
      parameters = parameters(namespace, spec);
    } catch (InvalidSpec e) {
      return invalid(resource, status, conditions, e.getMessage());
    }
    String secretName = secretName(resource);
    String hash = Resources.hash(Map.of("instance", instanceName, "parameters", parameters));
    if (Json.string(status, "hashedSpec") != null && !hash.equals(Json.string(status, "hashedSpec"))) {
      return invalid(resource, status, conditions, "the instance and parameters of a binding cannot change (OSB bindings"
          + " are immutable): delete the ServiceBinding and create it again");
    }

    String operationUrl = Json.string(status, "operationURL");
    if (operationUrl != null) {
      OperationState op = operation(operationUrl);
      if (op.inProgress()) {
        return Result.poll();
      }
      status.remove("operationURL");
      if ("failed".equals(op.state())) {
        return fail(resource, status, conditions, op.description());
      }
    }

    Optional<Map<String, Object>> instanceResource = kube.get(Resources.INSTANCES, namespace, instanceName);
    SmApi.Reply current = sm.get(PATH + id);
    if (current.status() == 404) {
      if (instanceResource.isEmpty()) {
        return fail(resource, status, conditions, "the ServiceInstance " + instanceName + " does not exist in " + namespace);
      }
      Map<String, Object> instanceStatus = Resources.status(instanceResource.get());
      if (!Boolean.TRUE.equals(instanceStatus.get("ready")) || Json.string(instanceStatus, "instanceID") == null) {
        conditions.set(Conditions.READY, false, "WaitingForInstance", "waiting for the ServiceInstance " + instanceName + " to be ready")
            .set(Conditions.SUCCEEDED, false, "WaitingForInstance", "waiting for the ServiceInstance " + instanceName + " to be ready");
        writeStatus(resource, status, conditions);
        return Result.poll();
      }
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("id", id);
      body.put("name", InstanceReconciler.externalName(resource));
      body.put("service_instance_id", Json.string(instanceStatus, "instanceID"));
      body.put("parameters", parameters);
      body.put("labels", labels(resource));
      SmApi.Reply reply = sm.post("/v1/service_bindings", body);
      status.put("hashedSpec", hash);
      status.put("instanceID", Json.string(instanceStatus, "instanceID"));
      if (reply.status() == 202) {
        status.put("bindingID", id);
        status.put("operationURL", reply.location());
        status.put("operationType", "create");
        conditions.set(Conditions.SUCCEEDED, false, "CreateInProgress", "bind in progress")
            .set(Conditions.READY, false, "CreateInProgress", "bind in progress").remove(Conditions.FAILED);
        writeStatus(resource, status, conditions);
        return Result.poll();
      }
      if (reply.status() != 201) {
        status.remove("hashedSpec");
        return fail(resource, status, conditions, reply.problem());
      }
      status.put("bindingID", id);
      // A synchronous create answers the binding, credentials included; GET below reads it the same way.
      current = sm.get(PATH + id);
    }
    if (!current.ok()) {
      throw new SmApi.SmUnavailable("GET " + PATH + id + " answered " + current.problem(), null);
    }
    Map<String, Object> binding = current.json();
    Map<String, Object> last = Json.object(binding, "last_operation");
    if ("in progress".equals(Json.string(last, "state"))) {
      status.put("bindingID", id);
      status.put("hashedSpec", hash);
      status.put("operationURL", PATH + id + "/operations/" + Json.string(last, "id"));
      status.put("operationType", Json.string(last, "type"));
      writeStatus(resource, status, conditions);
      return Result.poll();
    }
    if (!Boolean.TRUE.equals(binding.get("ready"))) {
      // A failed bind: remove it; the next round binds again (after the backoff).
      sm.delete(PATH + id);
      status.remove("hashedSpec");
      return fail(resource, status, conditions, "create".equals(Json.string(last, "type")) && "failed".equals(Json.string(last, "state"))
          ? ResourceReconciler.failure(last) : "the binding is not ready");
    }
    status.put("bindingID", id);
    status.put("hashedSpec", hash);
    status.put("instanceID", Json.string(binding, "service_instance_id"));
    writeSecret(resource, secretName, Json.object(binding, "credentials"), instanceResource.orElse(Map.of()));
    String previousSecret = Json.string(status, "secretName");
    if (previousSecret != null && !previousSecret.equals(secretName)) {
      deleteSecretIfOwned(namespace, previousSecret, id);
    }
    status.put("secretName", secretName);
    status.put("operationType", "create");
    conditions.set(Conditions.SUCCEEDED, true, "Created", "the binding was created")
        .set(Conditions.READY, true, "Provisioned", "the credentials are in the Secret " + secretName)
        .remove(Conditions.FAILED);
    writeStatus(resource, status, conditions);
    return Result.done();
  }

  private Result delete(Map<String, Object> resource) {
    String id = Resources.uid(resource);
    Map<String, Object> status = new LinkedHashMap<>(Resources.status(resource));
    Conditions conditions = new Conditions(status, Resources.generation(resource));
    String url = Json.string(status, "operationURL");
    if (url != null && "delete".equals(Json.string(status, "operationType"))) {
      OperationState op = operation(url);
      if (op.inProgress()) {
        return Result.poll();
      }
      status.remove("operationURL");
      if ("failed".equals(op.state())) {
        return fail(resource, status, conditions, op.description());
      }
    } else {
      SmApi.Reply reply = sm.delete(PATH + id);
      if (reply.status() == 202) {
        status.put("operationURL", reply.location());
        status.put("operationType", "delete");
        conditions.set(Conditions.SUCCEEDED, false, "DeleteInProgress", "unbind in progress");
        writeStatus(resource, status, conditions);
        return Result.poll();
      }
      if (!reply.ok() && reply.status() != 404) {
        status.put("operationType", "delete");
        return fail(resource, status, conditions, reply.problem());
      }
    }
    // The owner reference lets the garbage collector remove the Secret; deleting it here does not wait for that.
    deleteSecretIfOwned(Resources.namespace(resource), secretName(resource), id);
    removeFinalizer(resource);
    return Result.done();
  }

  private Result invalid(Map<String, Object> resource, Map<String, Object> status, Conditions conditions, String message) {
    conditions.set(Conditions.FAILED, true, "InvalidSpec", message)
        .set(Conditions.READY, conditions.isTrue(Conditions.READY), "InvalidSpec", message);
    writeStatus(resource, status, conditions);
    return Result.waitForChange(message);
  }

  private Result fail(Map<String, Object> resource, Map<String, Object> status, Conditions conditions, String message) {
    String type = Json.string(status, "operationType") == null ? "create" : Json.string(status, "operationType");
    String reason = Conditions.capitalized(type) + "Failed";
    conditions.set(Conditions.SUCCEEDED, false, reason, message).set(Conditions.FAILED, true, reason, message);
    if (!"delete".equals(type)) {
      conditions.set(Conditions.READY, false, reason, message);
    }
    writeStatus(resource, status, conditions);
    return Result.retry(message);
  }

  static String secretName(Map<String, Object> resource) {
    String name = Json.string(Resources.spec(resource), "secretName");
    return name == null || name.isBlank() ? Resources.name(resource) : name;
  }

  private void writeSecret(Map<String, Object> binding, String secretName, Map<String, Object> credentials,
      Map<String, Object> instance) {
    String namespace = Resources.namespace(binding);
    Map<String, Object> data = new LinkedHashMap<>();
    credentials.forEach((key, value) -> data.put(key, K8sPlatform.base64(value instanceof String s ? s : Json.write(value))));
    Map<String, Object> instanceSpec = Resources.spec(instance);
    Map<String, String> info = new LinkedHashMap<>();
    info.put("instance_name", instance.isEmpty() ? null : InstanceReconciler.externalName(instance));
    info.put("instance_guid", Json.string(Resources.status(instance), "instanceID"));
    info.put("plan", Json.string(instanceSpec, "servicePlanName"));
    info.put("label", Json.string(instanceSpec, "serviceOfferingName"));
    info.put("type", Json.string(instanceSpec, "serviceOfferingName"));
    info.forEach((key, value) -> {
      if (value != null) {
        data.putIfAbsent(key, K8sPlatform.base64(value)); // a credential of the same name wins
      }
    });
    Map<String, Object> owner = new LinkedHashMap<>();
    owner.put("apiVersion", Resources.API_VERSION);
    owner.put("kind", "ServiceBinding");
    owner.put("name", Resources.name(binding));
    owner.put("uid", Resources.uid(binding));
    owner.put("controller", true);
    owner.put("blockOwnerDeletion", true);
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("name", secretName);
    meta.put("namespace", namespace);
    meta.put("labels", Map.of(K8sPlatform.MANAGED_LABEL, K8sPlatform.MANAGER));
    meta.put("ownerReferences", List.of(owner));
    Map<String, Object> secret = new LinkedHashMap<>();
    secret.put("apiVersion", "v1");
    secret.put("kind", "Secret");
    secret.put("metadata", meta);
    secret.put("type", "Opaque");
    secret.put("data", data);
    Optional<Map<String, Object>> existing = kube.get(KubeApi.SECRETS, namespace, secretName);
    if (existing.isEmpty()) {
      kube.create(KubeApi.SECRETS, namespace, secret);
      return;
    }
    if (!ownedBy(existing.get(), Resources.uid(binding))) {
      throw new IllegalStateException("the Secret " + secretName + " exists and does not belong to this ServiceBinding;"
          + " choose another spec.secretName");
    }
    if (!data.equals(Json.object(existing.get(), "data"))) {
      meta.put("resourceVersion", Json.path(existing.get(), "metadata", "resourceVersion"));
      kube.replace(KubeApi.SECRETS, namespace, secret);
    }
  }

  private void deleteSecretIfOwned(String namespace, String secretName, String bindingUid) {
    kube.get(KubeApi.SECRETS, namespace, secretName)
        .filter(secret -> ownedBy(secret, bindingUid))
        .ifPresent(secret -> kube.delete(KubeApi.SECRETS, namespace, secretName));
  }

  private static boolean ownedBy(Map<String, Object> object, String uid) {
    return Json.objects(Resources.meta(object), "ownerReferences").stream().anyMatch(o -> uid.equals(Json.string(o, "uid")));
  }
}

package dev.servicemanager.proxy.k8s;

import dev.servicemanager.proxy.core.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ServiceInstance} → SM's {@code /v1/service_instances} (the BTP operator's flow, reference 4.4). The SM
 * instance id is the resource's {@code metadata.uid}: a create repeated after a restart finds the instance
 * (and its running operation) instead of provisioning a second one.
 */
final class InstanceReconciler extends ResourceReconciler {
  static final String PATH = "/v1/service_instances/";

  InstanceReconciler(KubeApi kube, SmApi sm, K8sSettings settings) {
    super(kube, sm, Resources.INSTANCES, settings);
  }

  @Override
  Result reconcile(Map<String, Object> resource) {
    if (Resources.deleting(resource)) {
      return Resources.hasFinalizer(resource) ? delete(resource) : Result.done();
    }
    resource = ensureFinalizer(resource);
    String id = Resources.uid(resource);
    Map<String, Object> status = new LinkedHashMap<>(Resources.status(resource));
    Conditions conditions = new Conditions(status, Resources.generation(resource));
    Map<String, Object> spec = Resources.spec(resource);

    String operationUrl = Json.string(status, "operationURL");
    if (operationUrl != null) {
      Result polled = poll(resource, status, conditions, operationUrl);
      if (polled != null) {
        return polled;
      }
    }

    String planId;
    Map<String, Object> parameters;
    try {
      planId = planId(requiredString(spec, "serviceOfferingName"), requiredString(spec, "servicePlanName"));
      parameters = parameters(Resources.namespace(resource), spec);
    } catch (InvalidSpec e) {
      conditions.set(Conditions.FAILED, true, "InvalidSpec", e.getMessage())
          .set(Conditions.READY, conditions.isTrue(Conditions.READY), "InvalidSpec", e.getMessage());
      writeStatus(resource, status, conditions);
      return Result.waitForChange(e.getMessage());
    }
    boolean shared = Boolean.TRUE.equals(spec.get("shared"));
    String hash = Resources.hash(Map.of("plan", planId, "parameters", parameters));

    SmApi.Reply current = sm.get(PATH + id);
    if (current.status() == 404) {
      return create(resource, status, conditions, id, planId, parameters, hash);
    }
    if (!current.ok()) {
      throw new SmApi.SmUnavailable("GET " + PATH + id + " answered " + current.problem(), null);
    }
    Map<String, Object> instance = current.json();
    Map<String, Object> last = Json.object(instance, "last_operation");
    String lastState = Json.string(last, "state");
    String lastType = Json.string(last, "type");
    if ("in progress".equals(lastState)) {
      // Started by an earlier run of the agent (or by SM's own retries): follow it.
      status.put("instanceID", id);
      return started(resource, status, conditions, lastType, PATH + id + "/operations/" + Json.string(last, "id"), hash);
    }
    if (!Boolean.TRUE.equals(instance.get("ready")) && "create".equals(lastType) && "failed".equals(lastState)) {
      // A failed provision leaves a not-ready instance behind: remove it, the next round provisions again.
      SmApi.Reply deleted = sm.delete(PATH + id);
      if (!deleted.ok() && deleted.status() != 404) {
        return fail(resource, status, conditions, "create", "could not remove the failed instance: " + deleted.problem());
      }
      return Result.poll();
    }
    status.put("instanceID", id);
    boolean isShared = Boolean.TRUE.equals(instance.get("shared"));
    if (shared != isShared) {
      SmApi.Reply reply = sm.patch(PATH + id, Map.of("shared", shared));
      if (!reply.ok()) {
        return fail(resource, status, conditions, "update", (shared ? "sharing" : "unsharing") + " failed: " + reply.problem());
      }
    }
    boolean planDrift = !planId.equals(Json.string(instance, "service_plan_id"));
    if (!hash.equals(Json.string(status, "hashedSpec")) || planDrift) {
      Map<String, Object> patch = new LinkedHashMap<>();
      if (planDrift) {
        patch.put("service_plan_id", planId);
      }
      patch.put("parameters", parameters);
      SmApi.Reply reply = sm.patch(PATH + id, patch);
      if (reply.status() == 202) {
        return started(resource, status, conditions, "update", reply.location(), hash);
      }
      if (!reply.ok()) {
        return fail(resource, status, conditions, "update", reply.problem());
      }
      status.put("hashedSpec", hash);
      return succeeded(resource, status, conditions, "update");
    }
    return succeeded(resource, status, conditions, Json.string(status, "operationType") == null ? "create"
        : Json.string(status, "operationType"));
  }

  private Result create(Map<String, Object> resource, Map<String, Object> status, Conditions conditions, String id,
      String planId, Map<String, Object> parameters, String hash) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("id", id);
    body.put("name", externalName(resource));
    body.put("service_plan_id", planId);
    body.put("parameters", parameters);
    body.put("labels", labels(resource));
    SmApi.Reply reply = sm.post("/v1/service_instances", body);
    status.put("instanceID", id);
    if (reply.status() == 202) {
      return started(resource, status, conditions, "create", reply.location(), hash);
    }
    if (reply.status() == 201) {
      status.put("hashedSpec", hash);
      return succeeded(resource, status, conditions, "create");
    }
    status.remove("instanceID");
    return fail(resource, status, conditions, "create", reply.problem());
  }

  /** Null when the recorded operation is over and the reconcile should go on to compare the spec. */
  private Result poll(Map<String, Object> resource, Map<String, Object> status, Conditions conditions, String url) {
    String type = Json.string(status, "operationType");
    OperationState op = operation(url);
    if (op.inProgress()) {
      return Result.poll();
    }
    status.remove("operationURL");
    if ("failed".equals(op.state())) {
      if (!"create".equals(type)) {
        status.remove("hashedSpec"); // so the update is tried again after the backoff
      }
      return fail(resource, status, conditions, type, op.description());
    }
    return null;
  }

  private Result delete(Map<String, Object> resource) {
    String id = Resources.uid(resource);
    Map<String, Object> status = new LinkedHashMap<>(Resources.status(resource));
    Conditions conditions = new Conditions(status, Resources.generation(resource));
    List<String> bindings = kube.list(Resources.BINDINGS, Resources.namespace(resource)).stream()
        .filter(b -> Resources.name(resource).equals(Json.string(Resources.spec(b), "serviceInstanceName")))
        .map(Resources::name).toList();
    if (!bindings.isEmpty()) {
      conditions.set(Conditions.SUCCEEDED, false, "DeleteBlocked", "waiting for the ServiceBindings " + bindings + " to be deleted");
      writeStatus(resource, status, conditions);
      return Result.poll();
    }
    String url = Json.string(status, "operationURL");
    if (url != null && "delete".equals(Json.string(status, "operationType"))) {
      OperationState op = operation(url);
      if (op.inProgress()) {
        return Result.poll();
      }
      if ("failed".equals(op.state())) {
        status.remove("operationURL");
        return fail(resource, status, conditions, "delete", op.description());
      }
      removeFinalizer(resource);
      return Result.done();
    }
    SmApi.Reply reply = sm.delete(PATH + id);
    if (reply.status() == 202) {
      return started(resource, status, conditions, "delete", reply.location(), Json.string(status, "hashedSpec"));
    }
    if (reply.ok() || reply.status() == 404) {
      removeFinalizer(resource);
      return Result.done();
    }
    return fail(resource, status, conditions, "delete", reply.problem());
  }

  private Result started(Map<String, Object> resource, Map<String, Object> status, Conditions conditions, String type,
      String url, String hash) {
    status.put("operationURL", url);
    status.put("operationType", type);
    if (hash != null) {
      status.put("hashedSpec", hash);
    }
    conditions.set(Conditions.SUCCEEDED, false, Conditions.capitalized(type) + "InProgress", type + " in progress")
        .remove(Conditions.FAILED);
    if (!"update".equals(type)) {
      conditions.set(Conditions.READY, false, Conditions.capitalized(type) + "InProgress", type + " in progress");
    }
    writeStatus(resource, status, conditions);
    return Result.poll();
  }

  private Result succeeded(Map<String, Object> resource, Map<String, Object> status, Conditions conditions, String type) {
    status.put("operationType", type);
    status.remove("operationURL");
    conditions.set(Conditions.SUCCEEDED, true, Conditions.done(type), "the instance was " + Conditions.done(type).toLowerCase())
        .set(Conditions.READY, true, "Provisioned", "the instance is ready")
        .remove(Conditions.FAILED);
    writeStatus(resource, status, conditions);
    return Result.done();
  }

  private Result fail(Map<String, Object> resource, Map<String, Object> status, Conditions conditions, String type,
      String message) {
    String reason = Conditions.capitalized(type == null ? "create" : type) + "Failed";
    status.put("operationType", type);
    conditions.set(Conditions.SUCCEEDED, false, reason, message).set(Conditions.FAILED, true, reason, message);
    if (!"update".equals(type)) {
      conditions.set(Conditions.READY, false, reason, message);
    }
    writeStatus(resource, status, conditions);
    return Result.retry(message);
  }

  /** SM's plan id for an offering and plan name, among those SM shows the operator. */
  private String planId(String offeringName, String planName) {
    List<Map<String, Object>> offerings = sm.list("/v1/service_offerings?fieldQuery="
        + SmApi.encode("name eq '" + offeringName.replace("'", "''") + "'"));
    for (Map<String, Object> offering : offerings) {
      List<Map<String, Object>> plans = sm.list("/v1/service_plans?fieldQuery=" + SmApi.encode(
          "service_offering_id eq '" + Json.string(offering, "id") + "' and name eq '" + planName.replace("'", "''") + "'"));
      if (!plans.isEmpty()) {
        return Json.string(plans.get(0), "id");
      }
    }
    throw new IllegalStateException(offerings.isEmpty()
        ? "no service offering named " + offeringName + " in the Service Manager"
        : "the service offering " + offeringName + " has no plan named " + planName);
  }

  static String externalName(Map<String, Object> resource) {
    String external = Json.string(Resources.spec(resource), "externalName");
    return external == null || external.isBlank() ? Resources.name(resource) : external;
  }
}

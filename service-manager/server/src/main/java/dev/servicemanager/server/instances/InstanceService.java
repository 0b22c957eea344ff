package dev.servicemanager.server.instances;

import static dev.servicemanager.server.instances.InstanceStore.INSTANCES;
import static dev.servicemanager.server.instances.InstanceStore.SM_PLATFORM;

import dev.servicemanager.server.operations.Operation;
import dev.servicemanager.server.operations.OperationStore;
import dev.servicemanager.server.operations.OperationStore.NewOperation;
import dev.servicemanager.server.osb.OsbClient;
import dev.servicemanager.server.osb.OsbOutcome;
import dev.servicemanager.server.query.SqlFragment;
import dev.servicemanager.server.registry.BrokerService;
import dev.servicemanager.server.registry.Ids;
import dev.servicemanager.server.store.Labels;
import dev.servicemanager.server.store.ListParams;
import dev.servicemanager.server.store.Page;
import dev.servicemanager.server.store.ResourceStore;
import dev.servicemanager.spi.ApiException;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Service Manager as a platform (reference 2.13): instances created, changed and deleted
 * through the REST API, each change an operation that the engine runs against the broker.
 */
@Singleton
public class InstanceService {
  private final InstanceStore store;
  private final ResourceStore resources;
  private final OperationStore operations;
  private final OperationStarter starter;
  private final Labels labels;
  private final BrokerService brokers;
  private final OsbClient osb;
  private final TransactionOperations<Connection> tx;

  InstanceService(
      InstanceStore store,
      ResourceStore resources,
      OperationStore operations,
      OperationStarter starter,
      Labels labels,
      BrokerService brokers,
      OsbClient osb,
      TransactionOperations<Connection> tx) {
    this.store = store;
    this.resources = resources;
    this.operations = operations;
    this.starter = starter;
    this.labels = labels;
    this.brokers = brokers;
    this.osb = osb;
    this.tx = tx;
  }

  /** Who asked: for the OSB originating identity header and the operation's correlation id. */
  public record Caller(String username, String correlationId) {
    String originatingIdentity() {
      String user = "{\"username\":\"" + username.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
      return SM_PLATFORM + " " + Base64.getEncoder().encodeToString(user.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** An operation that was started and, for synchronous callers, run until done or the sync timeout. */
  public record Started(Operation operation, boolean async) {}

  public Started create(InstanceRequests.CreateInstance request, boolean async, Caller caller) {
    Operation op =
        tx.executeWrite(
            status -> {
              labels.validate(request.labels());
              if (request.platform_id() != null && !SM_PLATFORM.equals(request.platform_id())) {
                throw ApiException.badRequest(
                    "platform_id must be absent or '" + SM_PLATFORM + "': instances created here belong to the Service Manager");
              }
              if (request.shared() != null) {
                throw ApiException.badRequest("shared cannot be set on creation; PATCH the instance instead");
              }
              InstanceStore.PlanTarget plan = visiblePlan(request.service_plan_id());
              if (request.service_id() != null && !request.service_id().equals(plan.offeringId())) {
                throw ApiException.badRequest("service_id " + request.service_id() + " is not the service offering of plan "
                    + request.service_plan_id() + " (" + plan.offeringId() + ")");
              }
              String id = Ids.orNew(request.id());
              if (resources.find(store.instances, id, SqlFragment.TRUE).isPresent()) {
                throw ApiException.conflict("a service instance with id " + id + " already exists");
              }
              if (nameTaken(request.name())) {
                throw ApiException.conflict("instance with same name exists for the current tenant");
              }
              Map<String, Object> instanceContext = new LinkedHashMap<>();
              instanceContext.put("platform", SM_PLATFORM);
              instanceContext.put("instance_name", request.name());
              if (plan.reference()) {
                return createReference(id, request, plan, instanceContext, caller);
              }
              store.insertInstance(id, request.name(), plan.planId(), instanceContext, request.maintenance_info());
              resources.insertLabels(store.instances, id, request.labels());
              Map<String, Object> context = new HashMap<>();
              context.put("plan_id", plan.planId());
              context.put("instance_context", instanceContext);
              context.put("originating_identity", caller.originatingIdentity());
              putIfPresent(context, "parameters", request.parameters());
              putIfPresent(context, "maintenance_info", request.maintenance_info());
              putIfPresent(context, "maximum_polling_duration", plan.maximumPollingDuration());
              return starter.store(new NewOperation(Operation.CREATE, id, INSTANCES, SM_PLATFORM, caller.correlationId(),
                  InstanceHandler.PROVISION, context), async);
            });
    return starter.run(op, async);
  }

  /**
   * A reference to a shared instance is answered here, without a broker call: it only records which
   * shared instance the binds of this one go to (reference 2.13).
   */
  private Operation createReference(
      String id,
      InstanceRequests.CreateInstance request,
      InstanceStore.PlanTarget plan,
      Map<String, Object> instanceContext,
      Caller caller) {
    Object target = request.parameters() == null ? null : request.parameters().get("referenced_instance_id");
    if (!(target instanceof String sharedId) || sharedId.isBlank()) {
      throw ApiException.badRequest(
          "a reference-instance needs parameters.referenced_instance_id, the id of a shared instance");
    }
    if (request.parameters().size() > 1) {
      throw ApiException.badRequest("a reference-instance takes only the parameter referenced_instance_id");
    }
    ServiceInstance shared =
        resources
            .findForUpdate(store.instances, sharedId, SqlFragment.TRUE)
            .orElseThrow(() -> ApiException.notFound("could not find such shared service instance: " + sharedId));
    if (!shared.shared()) {
      throw ApiException.badRequest("service instance " + sharedId + " is not shared");
    }
    InstanceStore.PlanTarget sharedPlan = store.plan(shared.servicePlanId()).orElseThrow();
    if (!sharedPlan.offeringId().equals(plan.offeringId())) {
      throw ApiException.badRequest("service instance " + sharedId + " belongs to another service offering");
    }
    store.insertReference(id, request.name(), plan.planId(), instanceContext, sharedId);
    resources.insertLabels(store.instances, id, request.labels());
    return operations.finished(
        new NewOperation(Operation.CREATE, id, INSTANCES, SM_PLATFORM, caller.correlationId(), "reference", Map.of()),
        Operation.SUCCEEDED,
        "reference to shared instance " + sharedId + " created; the broker was not called");
  }

  public Page<ServiceInstance> list(ListParams params, boolean attachLastOperations) {
    return tx.executeRead(
        status -> {
          Page<ServiceInstance> page = resources.list(store.instances, params, SqlFragment.TRUE);
          if (!attachLastOperations || page.items() == null) {
            return page;
          }
          Map<String, Operation> last = operations.last(page.items().stream().map(ServiceInstance::id).toList());
          return new Page<>(
              page.numItems(),
              page.items().stream().map(i -> i.withLastOperation(last.get(i.id()))).toList(),
              page.token());
        });
  }

  public ServiceInstance get(String id) {
    return tx.executeRead(
        status -> {
          ServiceInstance instance = resources.get(store.instances, id, SqlFragment.TRUE);
          return instance.withLastOperation(operations.last(id).orElse(null));
        });
  }

  public Operation operation(String id, String operationId) {
    return tx.executeRead(
        status ->
            operations
                .findForResource(id, operationId)
                .orElseThrow(() -> ApiException.notFound("could not find such operation")));
  }

  /**
   * Names and labels change at once; a plan, parameters or maintenance_info change goes to the
   * broker as an OSB update. Returns the started operation, or null when nothing needed the broker.
   */
  public Started patch(String id, InstanceRequests.PatchInstance request, boolean async, Caller caller) {
    Operation op =
        tx.executeWrite(
            status -> {
              labels.validateChanges(request.labels());
              ServiceInstance instance = resources.getForUpdate(store.instances, id, SqlFragment.TRUE);
              if (request.platform_id() != null && !request.platform_id().equals(instance.platformId())) {
                throw ApiException.badRequest("Instance transfer is disabled: platform_id cannot change");
              }
              boolean brokerUpdate =
                  (request.service_plan_id() != null && !request.service_plan_id().equals(instance.servicePlanId()))
                      || request.parameters() != null
                      || request.maintenance_info() != null;
              if (brokerUpdate && instance.referencedInstanceId() != null) {
                throw ApiException.badRequest("the plan and parameters of a reference instance cannot change");
              }
              if (request.shared() != null) {
                if (brokerUpdate) {
                  throw ApiException.badRequest("change shared on its own, not together with plan or parameters");
                }
                share(instance, request.shared());
              }
              if (brokerUpdate) {
                requireOwned(instance);
                checkConcurrency(id, Operation.UPDATE);
              }
              if (request.name() != null && !request.name().equals(instance.name())) {
                if (SM_PLATFORM.equals(instance.platformId()) && nameTaken(request.name())) {
                  throw ApiException.conflict("instance with same name exists for the current tenant");
                }
                store.rename("service_instances", id, request.name());
              }
              resources.changeLabels(store.instances, id, request.labels());
              if (!brokerUpdate) {
                return null;
              }
              InstanceStore.PlanTarget current = store.plan(instance.servicePlanId()).orElseThrow();
              Map<String, Object> context = new HashMap<>();
              context.put("plan_id", current.planId());
              context.put("originating_identity", caller.originatingIdentity());
              if (request.service_plan_id() != null && !request.service_plan_id().equals(instance.servicePlanId())) {
                InstanceStore.PlanTarget target = visiblePlan(request.service_plan_id());
                if (!target.catalogServiceId().equals(current.catalogServiceId())
                    || !target.brokerId().equals(current.brokerId())) {
                  throw ApiException.badRequest("the new plan must belong to the same service offering");
                }
                if (!current.planUpdateable()) {
                  throw ApiException.badRequest("the plan of this instance cannot be changed (plan_updateable is false)");
                }
                context.put("new_plan_id", target.planId());
                context.put("new_catalog_plan_id", target.catalogPlanId());
                putIfPresent(context, "maximum_polling_duration", target.maximumPollingDuration());
              } else {
                putIfPresent(context, "maximum_polling_duration", current.maximumPollingDuration());
              }
              putIfPresent(context, "parameters", request.parameters());
              putIfPresent(context, "maintenance_info", request.maintenance_info());
              return starter.store(new NewOperation(Operation.UPDATE, id, INSTANCES, SM_PLATFORM, caller.correlationId(),
                  InstanceHandler.UPDATE, context), async);
            });
    return op == null ? null : starter.run(op, async);
  }

  /** PATCH {"shared": ...}: synchronous, no broker call (reference 2.13). */
  private void share(ServiceInstance instance, boolean shared) {
    if (shared == instance.shared()) {
      return;
    }
    if (shared) {
      InstanceStore.PlanTarget plan = store.plan(instance.servicePlanId()).orElseThrow();
      if (plan.reference()) {
        throw ApiException.badRequest("a reference instance cannot be shared");
      }
      if (!plan.shareable()) {
        throw ApiException.badRequest("the plan of this instance does not support instance sharing");
      }
      if (!instance.ready() || !instance.usable()) {
        throw ApiException.badRequest("only a ready, usable instance can be shared");
      }
    } else {
      List<String> references = store.referencesTo(instance.id());
      if (!references.isEmpty()) {
        throw ApiException.badRequest(
            "the instance cannot be unshared while references exist: " + String.join(", ", references));
      }
    }
    store.setShared(instance.id(), shared);
  }

  public Started delete(String id, boolean cascade, boolean force, boolean async, Caller caller) {
    Operation op =
        tx.executeWrite(
            status -> {
              ServiceInstance instance = resources.getForUpdate(store.instances, id, SqlFragment.TRUE);
              requireOwned(instance);
              Operation running =
                  operations.activeForUpdate(id).stream()
                      .filter(o -> cascade && o.type().equals(Operation.DELETE) && o.inProgress())
                      .findFirst()
                      .orElse(null);
              if (running != null) {
                // A second cascade delete joins the running one (reference 2.4).
                return running;
              }
              checkConcurrency(id, Operation.DELETE);
              List<String> references = store.referencesTo(id);
              if (!references.isEmpty()) {
                throw ApiException.badRequest(
                    "the shared instance is still referenced by: " + String.join(", ", references));
              }
              int bindings = store.bindingCount(id);
              if (bindings > 0 && !cascade) {
                throw ApiException.existingReferenceEntity(
                    "the instance has " + bindings + " binding(s); delete them first or use cascade=true");
              }
              Map<String, Object> context = new HashMap<>();
              context.put("plan_id", instance.servicePlanId());
              context.put("reference", instance.referencedInstanceId() != null);
              context.put("force", force);
              context.put("originating_identity", caller.originatingIdentity());
              return starter.store(new NewOperation(Operation.DELETE, id, INSTANCES, SM_PLATFORM, caller.correlationId(),
                  bindings > 0 ? InstanceHandler.UNBIND_ALL : InstanceHandler.DEPROVISION, context), async);
            });
    return starter.run(op, async);
  }

  /** {@code GET /v2/service_instances/{id}} at the broker, when the offering allows it. */
  public Map<String, Object> parameters(String id) {
    record Call(dev.servicemanager.server.osb.BrokerEndpoint broker, InstanceStore.PlanTarget plan) {}
    Call call =
        tx.executeRead(
            status -> {
              ServiceInstance instance = resources.get(store.instances, id, SqlFragment.TRUE);
              InstanceStore.PlanTarget plan = store.plan(instance.servicePlanId()).orElseThrow();
              if (!plan.instancesRetrievable()) {
                throw ApiException.badRequest(
                    "this service does not support fetching service instances (instances_retrievable is false)");
              }
              if (!instance.ready()) {
                throw ApiException.badRequest("the instance is not ready yet");
              }
              return new Call(brokers.endpoint(plan.brokerId()), plan);
            });
    OsbOutcome outcome =
        osb.call(
            call.broker(),
            "GET",
            "/v2/service_instances/" + InstanceHandler.encode(id) + "?service_id="
                + InstanceHandler.encode(call.plan().catalogServiceId()) + "&plan_id="
                + InstanceHandler.encode(call.plan().catalogPlanId()),
            null,
            null);
    if (outcome instanceof OsbOutcome.Answer a && a.status() == 200 && !a.malformed()) {
      Object parameters = a.body().get("parameters");
      if (parameters == null) {
        return Map.of();
      }
      if (parameters instanceof Map<?, ?> map) {
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) map;
        return result;
      }
      throw ApiException.brokerError("the broker's parameters are not a JSON object");
    }
    String problem =
        outcome instanceof OsbOutcome.Answer a
            ? InstanceHandler.brokerSays(a.status(), a)
            : ((OsbOutcome.NoAnswer) outcome).description();
    throw ApiException.brokerError("could not fetch the instance's parameters: " + problem);
  }

  private InstanceStore.PlanTarget visiblePlan(String planId) {
    return store
        .plan(planId)
        .filter(p -> store.visibleToServiceManager(p.planId()))
        .orElseThrow(() -> ApiException.notFound("could not find such service plan"));
  }

  private boolean nameTaken(String name) {
    return !resources
        .findAll(store.instances, new SqlFragment("t.name = ? AND t.platform_id = ?", List.of(name, SM_PLATFORM)))
        .isEmpty();
  }

  private static void requireOwned(ServiceInstance instance) {
    if (!SM_PLATFORM.equals(instance.platformId())) {
      throw ApiException.badRequest(
          "the instance belongs to platform " + instance.platformId() + "; change or delete it there");
    }
  }

  /** Reference 2.4, checked with the instance row locked. */
  void checkConcurrency(String id, String type) {
    for (Operation active : operations.activeForUpdate(id)) {
      if (active.type().equals(Operation.DELETE) || active.deletionScheduled() != null) {
        throw ApiException.concurrentOperationInProgress("Deletion is currently in progress for this resource");
      }
      if (!type.equals(Operation.DELETE)) {
        throw ApiException.concurrentOperationInProgress(
            "another operation (" + active.type() + ") is in progress for this resource");
      }
    }
  }

  private static void putIfPresent(Map<String, Object> map, String key, Object value) {
    if (value != null) {
      map.put(key, value);
    }
  }
}

package dev.servicemanager.server.instances;

import static dev.servicemanager.server.instances.InstanceStore.BINDINGS;
import static dev.servicemanager.server.instances.InstanceStore.SM_PLATFORM;

import dev.servicemanager.server.crypto.Encryptor;
import dev.servicemanager.server.instances.InstanceService.Caller;
import dev.servicemanager.server.instances.InstanceService.Started;
import dev.servicemanager.server.operations.Operation;
import dev.servicemanager.server.operations.OperationStore;
import dev.servicemanager.server.operations.OperationStore.NewOperation;
import dev.servicemanager.server.query.SqlFragment;
import dev.servicemanager.server.registry.Ids;
import dev.servicemanager.server.store.Json;
import dev.servicemanager.server.store.Labels;
import dev.servicemanager.server.store.ListParams;
import dev.servicemanager.server.store.Page;
import dev.servicemanager.server.store.ResourceStore;
import dev.servicemanager.spi.ApiException;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Bindings through the REST API: create (OSB bind), read (credentials only on GET of one), rename, delete. */
@Singleton
public class BindingService {
  private final InstanceStore store;
  private final ResourceStore resources;
  private final OperationStore operations;
  private final OperationStarter starter;
  private final Labels labels;
  private final Encryptor encryptor;
  private final Json json;
  private final InstanceService instances;
  private final TransactionOperations<Connection> tx;

  BindingService(
      InstanceStore store,
      ResourceStore resources,
      OperationStore operations,
      OperationStarter starter,
      Labels labels,
      Encryptor encryptor,
      Json json,
      InstanceService instances,
      TransactionOperations<Connection> tx) {
    this.store = store;
    this.resources = resources;
    this.operations = operations;
    this.starter = starter;
    this.labels = labels;
    this.encryptor = encryptor;
    this.json = json;
    this.instances = instances;
    this.tx = tx;
  }

  public Started create(InstanceRequests.CreateBinding request, boolean async, Caller caller) {
    Operation op =
        tx.executeWrite(
            status -> {
              labels.validate(request.labels());
              ServiceInstance instance =
                  resources
                      .findForUpdate(store.instances, request.service_instance_id(), SqlFragment.TRUE)
                      .orElseThrow(() -> ApiException.notFound("could not find such service instance"));
              if (!SM_PLATFORM.equals(instance.platformId())) {
                throw ApiException.badRequest(
                    "the instance belongs to platform " + instance.platformId() + "; bind to it there");
              }
              if (!instance.ready() || !instance.usable()) {
                throw ApiException.badRequest("the service instance is not ready or not usable");
              }
              // Binds on a reference go to the broker against the shared instance and its plan.
              InstanceStore.BrokerView view = store.brokerView(instance.id());
              if (!view.instanceId().equals(instance.id())) {
                ServiceInstance shared = resources.get(store.instances, view.instanceId(), SqlFragment.TRUE);
                if (!shared.ready() || !shared.usable()) {
                  throw ApiException.badRequest("the shared instance " + shared.id() + " is not ready or not usable");
                }
              }
              InstanceStore.PlanTarget plan = store.plan(view.planId()).orElseThrow();
              if (!plan.bindable()) {
                throw ApiException.badRequest("the plan of this instance is not bindable");
              }
              for (Operation active : operations.activeForUpdate(instance.id())) {
                if (active.type().equals(Operation.DELETE) || active.deletionScheduled() != null) {
                  throw ApiException.concurrentOperationInProgress("Deletion is currently in progress for the service instance");
                }
              }
              String id = Ids.orNew(request.id());
              if (resources.find(store.bindings, id, SqlFragment.TRUE).isPresent()) {
                throw ApiException.conflict("a service binding with id " + id + " already exists");
              }
              boolean nameTaken =
                  !resources
                      .findAll(store.bindings, new SqlFragment("t.name = ? AND t.service_instance_id = ?",
                          List.of(request.name(), instance.id())))
                      .isEmpty();
              if (nameTaken) {
                throw ApiException.conflict("binding with same name exists for instance with id " + instance.id());
              }
              Map<String, Object> bindingContext = new LinkedHashMap<>(instance.context());
              store.insertBinding(id, request.name(), instance.id(), bindingContext, request.bind_resource());
              resources.insertLabels(store.bindings, id, request.labels());
              Map<String, Object> context = new HashMap<>();
              context.put("plan_id", plan.planId());
              context.put("instance_id", instance.id());
              context.put("broker_instance_id", view.instanceId());
              context.put("binding_context", bindingContext);
              context.put("originating_identity", caller.originatingIdentity());
              if (request.parameters() != null) {
                context.put("parameters", request.parameters());
              }
              if (request.bind_resource() != null) {
                context.put("bind_resource", request.bind_resource());
              }
              if (plan.maximumPollingDuration() != null) {
                context.put("maximum_polling_duration", plan.maximumPollingDuration());
              }
              return starter.store(new NewOperation(Operation.CREATE, id, BINDINGS, SM_PLATFORM, caller.correlationId(),
                  BindingHandler.BIND, context), async);
            });
    return starter.run(op, async);
  }

  public Page<ServiceBinding> list(ListParams params, boolean attachLastOperations) {
    return tx.executeRead(
        status -> {
          Page<ServiceBinding> page = resources.list(store.bindings, params, SqlFragment.TRUE);
          if (!attachLastOperations || page.items() == null) {
            return page;
          }
          Map<String, Operation> last = operations.last(page.items().stream().map(ServiceBinding::id).toList());
          return new Page<>(
              page.numItems(),
              page.items().stream().map(b -> b.withLastOperation(last.get(b.id()))).toList(),
              page.token());
        });
  }

  /** One binding with its credentials decrypted: the only read that returns them. */
  public ServiceBinding get(String id) {
    return tx.executeRead(
        status -> {
          ServiceBinding binding = resources.get(store.bindings, id, SqlFragment.TRUE);
          String encrypted = store.encryptedCredentials(id).orElse(null);
          Map<String, Object> credentials =
              encrypted == null ? null : json.readMap(encryptor.decrypt(encrypted, BindingHandler.credentialsContext(id)));
          return binding.withCredentials(credentials).withLastOperation(operations.last(id).orElse(null));
        });
  }

  public Operation operation(String id, String operationId) {
    return instances.operation(id, operationId);
  }

  /** Only name and labels; nothing goes to the broker (reference 1.8). */
  public ServiceBinding patch(String id, InstanceRequests.PatchBinding request) {
    return tx.executeWrite(
        status -> {
          labels.validateChanges(request.labels());
          ServiceBinding binding = resources.getForUpdate(store.bindings, id, SqlFragment.TRUE);
          if (request.name() != null && !request.name().equals(binding.name())) {
            boolean taken =
                !resources
                    .findAll(store.bindings, new SqlFragment("t.name = ? AND t.service_instance_id = ?",
                        List.of(request.name(), binding.serviceInstanceId())))
                    .isEmpty();
            if (taken) {
              throw ApiException.conflict("binding with same name exists for instance with id " + binding.serviceInstanceId());
            }
            store.rename("service_bindings", id, request.name());
          }
          resources.changeLabels(store.bindings, id, request.labels());
          return resources.get(store.bindings, id, SqlFragment.TRUE);
        });
  }

  public Started delete(String id, boolean force, boolean async, Caller caller) {
    Operation op =
        tx.executeWrite(
            status -> {
              ServiceBinding binding = resources.getForUpdate(store.bindings, id, SqlFragment.TRUE);
              ServiceInstance instance = resources.get(store.instances, binding.serviceInstanceId(), SqlFragment.TRUE);
              if (!SM_PLATFORM.equals(instance.platformId())) {
                throw ApiException.badRequest(
                    "the binding belongs to platform " + instance.platformId() + "; delete it there");
              }
              instances.checkConcurrency(id, Operation.DELETE);
              InstanceStore.BrokerView view = store.brokerView(instance.id());
              Map<String, Object> context = new HashMap<>();
              context.put("plan_id", view.planId());
              context.put("instance_id", instance.id());
              context.put("broker_instance_id", view.instanceId());
              context.put("force", force);
              context.put("originating_identity", caller.originatingIdentity());
              return starter.store(new NewOperation(Operation.DELETE, id, BINDINGS, SM_PLATFORM, caller.correlationId(),
                  BindingHandler.UNBIND, context), async);
            });
    return starter.run(op, async);
  }

}

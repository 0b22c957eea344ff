package dev.servicemanager.server.instances;

import dev.servicemanager.server.operations.Operation;
import dev.servicemanager.server.operations.OperationStore;
import dev.servicemanager.server.operations.OperationStore.NewOperation;
import jakarta.inject.Singleton;
import dev.servicemanager.server.operations.OperationSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** Starts binding deletions on behalf of an instance deletion with {@code cascade=true}. */
@Singleton
final class BindingOperations {
  private final OperationStore operations;
  private final InstanceStore store;
  private final Duration reconciliationTimeout;

  BindingOperations(OperationStore operations, InstanceStore store, OperationSettings settings) {
    this.operations = operations;
    this.store = store;
    this.reconciliationTimeout = settings.getReconciliationTimeout();
  }

  /** Inside the caller's transaction; does nothing when the binding is already being deleted. */
  void deleteInBackground(String bindingId, Operation parent) {
    boolean deleting =
        operations.activeForUpdate(bindingId).stream().anyMatch(op -> op.type().equals(Operation.DELETE));
    if (deleting) {
      return;
    }
    Map<String, Object> context = new HashMap<>();
    context.put("instance_id", parent.resourceId());
    InstanceStore.BrokerView view = store.brokerView(parent.resourceId());
    context.put("broker_instance_id", view.instanceId());
    context.put("plan_id", view.planId());
    context.put("originating_identity", parent.contextString("originating_identity"));
    context.put("force", Boolean.TRUE.equals(parent.context().get("force")));
    context.put("cascade_parent", parent.id());
    NewOperation child =
        new NewOperation(
            Operation.DELETE, bindingId, InstanceStore.BINDINGS, parent.platformId(), parent.correlationId(),
            BindingHandler.UNBIND, context);
    if (parent.giveUpAt() != null) {
      operations.insert(child, parent.giveUpAt(), null, Duration.ZERO);
    } else {
      operations.insert(child, reconciliationTimeout, null, Duration.ZERO);
    }
  }
}

package dev.servicemanager.server.instances;

import dev.servicemanager.server.instances.InstanceService.Started;
import dev.servicemanager.server.operations.Dispatcher;
import dev.servicemanager.server.operations.Operation;
import dev.servicemanager.server.operations.OperationEngine;
import dev.servicemanager.server.operations.OperationStore;
import dev.servicemanager.server.operations.OperationStore.NewOperation;
import jakarta.inject.Singleton;
import java.util.Objects;

/**
 * How instance and binding requests hand their operation to the engine: stored inside the request's
 * transaction (held by this server for a synchronous request), then run in the background or by
 * the request thread once the transaction committed.
 */
@Singleton
final class OperationStarter {
  private final OperationStore operations;
  private final OperationEngine engine;
  private final Dispatcher dispatcher;

  OperationStarter(OperationStore operations, OperationEngine engine, Dispatcher dispatcher) {
    this.operations = operations;
    this.engine = engine;
    this.dispatcher = dispatcher;
  }

  /** Inside the request's transaction. */
  Operation store(NewOperation op, boolean async) {
    return operations.insert(op, engine.settings().getReconciliationTimeout(), async ? null : engine.node(), engine.settings().getLease());
  }

  /** After the commit: wakes the dispatcher, or runs a synchronous request's operation here. */
  Started run(Operation op, boolean async) {
    if (!op.active()) {
      return new Started(op, false);
    }
    if (async || !Objects.equals(op.leaseOwner(), engine.node())) {
      dispatcher.wake();
      return new Started(op, true);
    }
    return new Started(engine.runUntilDone(op, dispatcher), false);
  }
}

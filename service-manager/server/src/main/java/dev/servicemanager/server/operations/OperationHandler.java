package dev.servicemanager.server.operations;

import dev.servicemanager.server.osb.OsbOutcome;

/**
 * Runs the steps of the operations of one resource type. A step is split in two so that no
 * database transaction stays open while a broker is called: {@link #call} talks to the broker,
 * {@link #apply} records what that means, atomically with the operation's new state.
 */
public interface OperationHandler {
  /** The {@code resource_type} this handler runs, for example {@code /v1/service_instances}. */
  String resourceType();

  /** Outside any transaction. Returns {@code null} for steps that do not call a broker. */
  OsbOutcome call(Operation operation);

  /** Inside the transaction that records the returned {@link Next}; may read and write resources. */
  Next apply(Operation operation, OsbOutcome outcome);

  /** Called (inside a transaction) when the engine gives up; undo what must not stay half-done. */
  default void gaveUp(Operation operation) {}
}

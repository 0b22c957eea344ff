package dev.servicemanager.controlplane.reconcile;

/**
 * Brings one resource closer to its desired state. Must be idempotent: the engine calls it again after
 * every change, after every requeue and on a periodic resync. Throwing counts as a reconcile error and
 * requeues with backoff.
 */
public interface Reconciler<T> {
  Reconcile reconcile(T resource, int attempt) throws Exception;
}

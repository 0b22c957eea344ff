package dev.servicemanager.controlplane.reconcile;

import dev.servicemanager.controlplane.ControlPlaneSettings;
import dev.servicemanager.controlplane.state.RuntimeId;
import dev.servicemanager.controlplane.state.StateStore;
import dev.servicemanager.controlplane.web.Events;
import dev.servicemanager.controlplane.web.Metrics;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.Optional;

/**
 * Compares a runtime's desired state with what its consumers reported (Threeport's controller model):
 * marks each target reconciled or not and requeues while any differs. After a few requeues without
 * progress the desired state is published again, in case a consumer that reports missed it.
 */
@Singleton
@Requires(property = "control-plane.enabled", notEquals = "false")
final class RuntimeReconciler implements Reconciler<RuntimeId> {
  private final StateStore store;
  private final Events events;
  private final Metrics metrics;
  private final ControlPlaneSettings settings;
  private volatile Runnable onRepublish = () -> {};

  RuntimeReconciler(StateStore store, Events events, Metrics metrics, ControlPlaneSettings settings) {
    this.store = store;
    this.events = events;
    this.metrics = metrics;
    this.settings = settings;
  }

  void onRepublish(Runnable action) {
    this.onRepublish = action;
  }

  @Override
  public Reconcile reconcile(RuntimeId id, int attempt) {
    Optional<StateStore.Snapshot> snapshot = store.snapshot(id);
    if (snapshot.isEmpty()) {
      return Reconcile.done();
    }
    Map<String, Boolean> reconciled = StateStore.reconciled(snapshot.get());
    store.markReconciled(id, reconciled).ifPresent(events::publish);
    if (!reconciled.containsValue(false)) {
      return Reconcile.done();
    }
    // Republish only to a consumer that is alive but differs; with no report at all there is nobody to tell.
    boolean reported = snapshot.get().observedRevision() != null;
    if (reported && attempt > 0 && attempt % settings.republishAfter() == 0 && store.republish(id)) {
      metrics.republished();
      onRepublish.run();
    }
    return Reconcile.requeueWithBackoff();
  }
}

package dev.servicemanager.controlplane.reconcile;

import dev.servicemanager.controlplane.ControlPlaneSettings;
import dev.servicemanager.controlplane.state.RuntimeId;
import dev.servicemanager.controlplane.state.StateStore;
import dev.servicemanager.controlplane.web.Metrics;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the runtime reconciler on one thread: immediately when a runtime changed (write or report),
 * again with exponential backoff capped at {@code control-plane.reconcile.max-backoff} while it asks
 * for a requeue or throws, and for every runtime on each resync interval (which also covers restarts).
 */
@Singleton
@Requires(property = "control-plane.enabled", notEquals = "false")
public final class ReconcileEngine implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(ReconcileEngine.class);

  private record Due(RuntimeId id, long atNanos) implements Delayed {
    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(atNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(atNanos, ((Due) o).atNanos);
    }
  }

  private final RuntimeReconciler reconciler;
  private final StateStore store;
  private final Metrics metrics;
  private final ControlPlaneSettings settings;
  private final DelayQueue<Due> queue = new DelayQueue<>();
  // Per runtime: requeues since it last was reconciled (only the engine thread touches it).
  private final Map<RuntimeId, Integer> attempts = new HashMap<>();
  // Per runtime: the earliest time it is due; a later duplicate in the queue is skipped.
  private final Map<RuntimeId, Long> scheduled = new java.util.concurrent.ConcurrentHashMap<>();
  private final AtomicBoolean running = new AtomicBoolean();
  private Thread thread;
  private Instant nextResync = Instant.EPOCH;

  ReconcileEngine(RuntimeReconciler reconciler, StateStore store, Metrics metrics, ControlPlaneSettings settings) {
    this.reconciler = reconciler;
    this.store = store;
    this.metrics = metrics;
    this.settings = settings;
  }

  public synchronized void start(Runnable onRepublish) {
    reconciler.onRepublish(onRepublish);
    if (running.compareAndSet(false, true)) {
      thread = new Thread(this, "control-plane-reconciler");
      thread.setDaemon(true);
      thread.start();
    }
  }

  public synchronized void stop() {
    if (running.compareAndSet(true, false)) {
      thread.interrupt();
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Something changed for this runtime: reconcile now, with a fresh backoff. */
  public void trigger(RuntimeId id) {
    schedule(id, 0, true);
  }

  private void schedule(RuntimeId id, long delayNanos, boolean reset) {
    long at = System.nanoTime() + delayNanos;
    if (reset) {
      scheduled.put(id, at);
      queue.add(new Due(id, at));
      synchronized (attempts) {
        attempts.remove(id);
      }
      return;
    }
    Long existing = scheduled.get(id);
    if (existing == null || existing - at > 0 || existing - System.nanoTime() < 0) {
      scheduled.put(id, at);
      queue.add(new Due(id, at));
    }
  }

  @Override
  public void run() {
    while (running.get()) {
      try {
        resyncIfDue();
        Due due = queue.poll(500, TimeUnit.MILLISECONDS);
        if (due == null || !Long.valueOf(due.atNanos()).equals(scheduled.get(due.id()))) {
          continue; // superseded by a newer schedule
        }
        scheduled.remove(due.id());
        reconcile(due.id());
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void reconcile(RuntimeId id) {
    int attempt;
    synchronized (attempts) {
      attempt = attempts.getOrDefault(id, 0);
    }
    boolean requeue;
    try {
      requeue = reconciler.reconcile(id, attempt).again();
      metrics.reconciled();
    } catch (Exception e) {
      metrics.reconcileError();
      LOG.warn("control-plane: reconciling {} failed (attempt {}): {}", id.key(), attempt, e.toString());
      requeue = true;
    }
    synchronized (attempts) {
      if (!requeue) {
        attempts.remove(id);
        return;
      }
      attempts.put(id, attempt + 1);
    }
    schedule(id, backoffNanos(attempt), false);
  }

  long backoffNanos(int attempt) {
    long initial = settings.reconcileInitialBackoff().toNanos();
    long max = settings.reconcileMaxBackoff().toNanos();
    long delay = initial << Math.min(attempt, 20);
    return delay <= 0 || delay > max ? max : delay;
  }

  private void resyncIfDue() {
    Instant now = Instant.now();
    if (now.isBefore(nextResync)) {
      return;
    }
    nextResync = now.plus(settings.resyncInterval());
    try {
      for (RuntimeId id : store.ids()) {
        schedule(id, 0, false);
      }
    } catch (RuntimeException e) {
      metrics.reconcileError();
      LOG.warn("control-plane: resync could not list runtimes: {}", e.toString());
    }
  }
}

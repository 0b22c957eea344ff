package dev.servicemanager.controlplane.reconcile;

/** What a reconciler asks the engine to do next (JOSDK's UpdateControl, reduced to what we need). */
public record Reconcile(boolean again) {
  private static final Reconcile DONE = new Reconcile(false);
  private static final Reconcile REQUEUE = new Reconcile(true);

  /** Observed equals desired: nothing to do until something changes. */
  public static Reconcile done() {
    return DONE;
  }

  /** They still differ: look again later; the engine picks the delay (exponential, capped). */
  public static Reconcile requeueWithBackoff() {
    return REQUEUE;
  }
}

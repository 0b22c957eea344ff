package dev.servicemanager.proxy.core;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The proxy's counters and gauges, rendered in the Prometheus text format by {@link MetricsController}.
 * Micrometer is not in the local package repository, so this is a small hand-written registry.
 */
public final class ProxyMetrics {
  final AtomicLong resyncs = new AtomicLong();
  final AtomicLong failedResyncs = new AtomicLong();
  final AtomicLong operationErrors = new AtomicLong();
  final AtomicLong brokersCreated = new AtomicLong();
  final AtomicLong brokersUpdated = new AtomicLong();
  final AtomicLong brokersDeleted = new AtomicLong();
  final AtomicLong accessChanges = new AtomicLong();
  final AtomicLong lastSuccessMillis = new AtomicLong();
  final AtomicLong lastDurationMillis = new AtomicLong();
  final AtomicLong notifications = new AtomicLong();
  final AtomicLong notificationRevision = new AtomicLong(-1);
  final AtomicLong appliedRevision = new AtomicLong(-1);
  final AtomicLong followerState = new AtomicLong(FollowerState.STOPPED.ordinal());
  /** Platform brokers of removed SM brokers the platform refused to delete at the last resync. */
  private volatile List<String> refusedDeletions = List.of();
  /** Platform-specific series (the Kubernetes operator's), appended to the same exposition. */
  private final List<Supplier<String>> extra = new CopyOnWriteArrayList<>();

  /** Where the notification follower is; exported as {@code broker_proxy_notifications_state}. */
  public enum FollowerState {
    STOPPED, CONNECTING, CONNECTED, DISABLED
  }

  void resyncSucceeded(Reconciler.Report report, long durationMillis, long revisionAtStart) {
    resyncs.incrementAndGet();
    operationErrors.addAndGet(report.errors());
    brokersCreated.addAndGet(report.created());
    brokersUpdated.addAndGet(report.updated());
    brokersDeleted.addAndGet(report.deleted());
    accessChanges.addAndGet(report.accessChanges());
    refusedDeletions = report.refusedDeletions();
    lastDurationMillis.set(durationMillis);
    lastSuccessMillis.set(System.currentTimeMillis());
    if (revisionAtStart >= 0) {
      appliedRevision.accumulateAndGet(revisionAtStart, Math::max);
    }
  }

  void resyncFailed(long durationMillis) {
    resyncs.incrementAndGet();
    failedResyncs.incrementAndGet();
    lastDurationMillis.set(durationMillis);
  }

  void notificationReceived(long revision) {
    notifications.incrementAndGet();
    notificationRevision.accumulateAndGet(revision, Math::max);
  }

  void followerState(FollowerState state) {
    followerState.set(state.ordinal());
  }

  public FollowerState followerState() {
    return FollowerState.values()[(int) followerState.get()];
  }

  /** Time of the last successful resync in epoch milliseconds, 0 before the first. */
  public long lastSuccessMillis() {
    return lastSuccessMillis.get();
  }

  public long resyncs() {
    return resyncs.get();
  }

  public long failedResyncs() {
    return failedResyncs.get();
  }

  /** Names of the platform brokers whose deletion the platform refused at the last resync. */
  public List<String> refusedDeletions() {
    return refusedDeletions;
  }

  public long operationErrors() {
    return operationErrors.get();
  }

  /** Notifications received but not yet covered by a finished resync (0 without notifications). */
  public long revisionLag() {
    long received = notificationRevision.get();
    return received < 0 ? 0 : Math.max(0, received - Math.max(appliedRevision.get(), 0));
  }

  /** Adds series in the Prometheus text format (complete lines) to {@link #prometheus()}. */
  public void include(Supplier<String> series) {
    extra.add(series);
  }

  public String prometheus() {
    StringBuilder out = new StringBuilder();
    counter(out, "broker_proxy_resyncs_total", "Full resyncs run.", resyncs.get());
    counter(out, "broker_proxy_resync_failures_total", "Resyncs that could not read the Service Manager or list the platform.", failedResyncs.get());
    counter(out, "broker_proxy_operation_errors_total", "Platform calls that failed (retried at the next resync).", operationErrors.get());
    counter(out, "broker_proxy_brokers_created_total", "Platform brokers created.", brokersCreated.get());
    counter(out, "broker_proxy_brokers_updated_total", "Platform brokers updated (renamed, taken over or catalog refetched).", brokersUpdated.get());
    counter(out, "broker_proxy_brokers_deleted_total", "Platform brokers deleted.", brokersDeleted.get());
    counter(out, "broker_proxy_plan_access_changes_total", "Plan access changes made in the platform.", accessChanges.get());
    counter(out, "broker_proxy_notifications_total", "Notifications received from the Service Manager.", notifications.get());
    gauge(out, "broker_proxy_broker_deletions_refused", "Platform brokers of removed SM brokers the platform refuses to delete (instances exist); retried every resync.", refusedDeletions.size());
    gauge(out, "broker_proxy_last_resync_success_timestamp_seconds", "When the last resync succeeded.", lastSuccessMillis.get() / 1000.0);
    gauge(out, "broker_proxy_last_resync_duration_seconds", "How long the last resync took.", lastDurationMillis.get() / 1000.0);
    gauge(out, "broker_proxy_notification_revision", "Highest notification revision received (-1: none).", notificationRevision.get());
    gauge(out, "broker_proxy_revision_lag", "Revisions received but not yet covered by a finished resync.", revisionLag());
    gauge(out, "broker_proxy_notifications_state", "0 stopped, 1 connecting, 2 connected, 3 disabled (endpoint absent).", followerState.get());
    extra.forEach(source -> out.append(source.get()));
    return out.toString();
  }

  private static void counter(StringBuilder out, String name, String help, long value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n')
        .append("# TYPE ").append(name).append(" counter\n")
        .append(name).append(' ').append(value).append('\n');
  }

  private static void gauge(StringBuilder out, String name, String help, double value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n')
        .append("# TYPE ").append(name).append(" gauge\n")
        .append(name).append(' ').append(value).append('\n');
  }
}

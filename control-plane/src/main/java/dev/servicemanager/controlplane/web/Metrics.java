package dev.servicemanager.controlplane.web;

import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The plugin's counters, written in Prometheus text format by {@link MetricsController}. */
@Singleton
@Requires(property = "control-plane.enabled", notEquals = "false")
public final class Metrics {
  private final Map<String, AtomicLong> commands = new ConcurrentHashMap<>();
  final AtomicLong published = new AtomicLong();
  final AtomicLong publishFailures = new AtomicLong();
  final AtomicLong feedbackReceived = new AtomicLong();
  final AtomicLong feedbackInvalid = new AtomicLong();
  final AtomicLong reconcileRuns = new AtomicLong();
  final AtomicLong reconcileErrors = new AtomicLong();
  final AtomicLong republished = new AtomicLong();

  /** One JSON-RPC call: method (or "invalid") and outcome ("changed", "unchanged", "ok", "error"). */
  public void command(String method, String outcome) {
    commands.computeIfAbsent(method + "\u0000" + outcome, k -> new AtomicLong()).incrementAndGet();
  }

  Map<String, AtomicLong> commands() {
    return commands;
  }

  public void published(int n) {
    published.addAndGet(n);
  }

  public void publishFailed() {
    publishFailures.incrementAndGet();
  }

  public void feedback(boolean valid) {
    (valid ? feedbackReceived : feedbackInvalid).incrementAndGet();
  }

  public void reconciled() {
    reconcileRuns.incrementAndGet();
  }

  public void reconcileError() {
    reconcileErrors.incrementAndGet();
  }

  public void republished() {
    republished.incrementAndGet();
  }
}

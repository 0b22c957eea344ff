package dev.servicemanager.server.operations;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.exceptions.ConfigurationException;
import java.time.Duration;

/**
 * {@code sm.operations.*}: how the engine schedules work. Defaults follow Peripli's (polling every
 * 4 s, reconciliation 7 days, lifespan 7 days) where it has one.
 */
@ConfigurationProperties("sm.operations")
public final class OperationSettings {
  /** Worker threads per server. */
  private int workers = 10;
  /** How often an idle dispatcher looks for due work that another server scheduled. */
  private Duration dispatchInterval = Duration.ofMillis(500);
  /** Interval between last_operation polls when the broker sends no Retry-After. */
  private Duration pollingInterval = Duration.ofSeconds(4);
  /** First retry delay after a transient failure; doubles per attempt up to retryMax. */
  private Duration retryMin = Duration.ofSeconds(1);
  private Duration retryMax = Duration.ofMinutes(10);
  /** Give up retrying (deprovision, unbind, orphan mitigation) after this long. */
  private Duration reconciliationTimeout = Duration.ofDays(7);
  /** Polling stops after this long when the plan has no maximum_polling_duration. */
  private Duration maxPollingDuration = Duration.ofDays(1);
  /**
   * How long a claimed step belongs to one server. Must exceed the broker connect + read timeouts,
   * so a live server always finishes (or abandons) its step before anyone else may take it.
   */
  private Duration lease = Duration.ofMinutes(2);
  /** A synchronous request ({@code async=false}) answers 202 after this long and continues in the background. */
  private Duration syncTimeout = Duration.ofSeconds(60);
  /** Finished operations older than this are deleted. */
  private Duration lifespan = Duration.ofDays(7);
  /** How often each server looks for finished operations to delete. */
  private Duration cleanupInterval = Duration.ofHours(1);

  public void check(Duration brokerConnectTimeout, Duration brokerReadTimeout) {
    if (lease.compareTo(brokerConnectTimeout.plus(brokerReadTimeout)) <= 0) {
      throw new ConfigurationException(
          "sm.operations.lease (" + lease + ") must be longer than sm.broker-client.connect-timeout + read-timeout ("
              + brokerConnectTimeout.plus(brokerReadTimeout) + ")");
    }
    if (workers < 1) {
      throw new ConfigurationException("sm.operations.workers must be at least 1");
    }
  }

  /** Capped exponential backoff for the given attempt (1-based). */
  public Duration backoff(int attempt) {
    long factor = 1L << Math.min(Math.max(attempt - 1, 0), 20);
    Duration delay = retryMin.multipliedBy(factor);
    return delay.compareTo(retryMax) > 0 ? retryMax : delay;
  }

  public int getWorkers() { return workers; }
  public void setWorkers(int workers) { this.workers = workers; }
  public Duration getDispatchInterval() { return dispatchInterval; }
  public void setDispatchInterval(Duration v) { this.dispatchInterval = v; }
  public Duration getPollingInterval() { return pollingInterval; }
  public void setPollingInterval(Duration v) { this.pollingInterval = v; }
  public Duration getRetryMin() { return retryMin; }
  public void setRetryMin(Duration v) { this.retryMin = v; }
  public Duration getRetryMax() { return retryMax; }
  public void setRetryMax(Duration v) { this.retryMax = v; }
  public Duration getReconciliationTimeout() { return reconciliationTimeout; }
  public void setReconciliationTimeout(Duration v) { this.reconciliationTimeout = v; }
  public Duration getMaxPollingDuration() { return maxPollingDuration; }
  public void setMaxPollingDuration(Duration v) { this.maxPollingDuration = v; }
  public Duration getLease() { return lease; }
  public void setLease(Duration v) { this.lease = v; }
  public Duration getSyncTimeout() { return syncTimeout; }
  public void setSyncTimeout(Duration v) { this.syncTimeout = v; }
  public Duration getCleanupInterval() { return cleanupInterval; }
  public void setCleanupInterval(Duration v) { this.cleanupInterval = v; }
  public Duration getLifespan() { return lifespan; }
  public void setLifespan(Duration v) { this.lifespan = v; }
}

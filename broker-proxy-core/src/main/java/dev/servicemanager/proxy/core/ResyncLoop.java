package dev.servicemanager.proxy.core;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a full resync on start, every {@code interval}, and whenever {@link #requestResync()} is called
 * (by the notification follower). Requests that arrive while a resync runs collapse into one more
 * resync, as Peripli's agent drains pending notifications before a resync.
 */
public final class ResyncLoop implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ResyncLoop.class);

  private final SmClient sm;
  private final Reconciler reconciler;
  private final ProxyMetrics metrics;
  private final Duration interval;
  private final BlockingQueue<Long> requests = new ArrayBlockingQueue<>(1);
  private volatile long requestedRevision = -1;
  private volatile boolean lastFailed;
  private volatile Thread thread;

  public ResyncLoop(SmClient sm, Reconciler reconciler, ProxyMetrics metrics, Duration interval) {
    this.sm = sm;
    this.reconciler = reconciler;
    this.metrics = metrics;
    this.interval = interval;
  }

  public synchronized void start() {
    if (thread != null) {
      return;
    }
    thread = new Thread(this::run, "proxy-resync");
    thread.setDaemon(true);
    thread.start();
  }

  /** Asks for a resync soon; {@code revision} is the notification revision that caused it, or -1. */
  public void requestResync(long revision) {
    if (revision >= 0 && revision > requestedRevision) {
      requestedRevision = revision;
    }
    requests.offer(revision);
  }

  public void requestResync() {
    requestResync(-1);
  }

  /** Whether the last resync finished without failing to read SM or the platform. */
  public boolean lastFailed() {
    return lastFailed;
  }

  private void run() {
    while (!Thread.currentThread().isInterrupted()) {
      runOnce();
      try {
        requests.poll(interval.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** One full resync; public for tests and tools. */
  public Reconciler.Report runOnce() {
    requests.clear();
    long revision = requestedRevision;
    long start = System.nanoTime();
    try {
      Reconciler.Report report = reconciler.reconcile(sm.state());
      long millis = (System.nanoTime() - start) / 1_000_000;
      metrics.resyncSucceeded(report, millis, revision);
      lastFailed = false;
      if (report.created() + report.updated() + report.deleted() + report.accessChanges() + report.errors() > 0) {
        LOG.info("Resync done in {} ms: {}", millis, report);
      } else {
        LOG.debug("Resync done in {} ms: nothing to change", millis);
      }
      return report;
    } catch (RuntimeException e) {
      if (Thread.currentThread().isInterrupted()) {
        return null; // closing
      }
      metrics.resyncFailed((System.nanoTime() - start) / 1_000_000);
      lastFailed = true;
      LOG.error("Resync failed, retrying in {}: {}", interval, e.toString());
      return null;
    }
  }

  @Override
  public synchronized void close() {
    Thread t = thread;
    thread = null;
    if (t != null) {
      t.interrupt();
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}

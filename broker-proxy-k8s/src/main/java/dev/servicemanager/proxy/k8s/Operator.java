package dev.servicemanager.proxy.k8s;

import dev.servicemanager.proxy.core.PlatformException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operator mode's loop. Every poll interval it lists the {@code ServiceBinding}s and {@code ServiceInstance}s
 * and reconciles those that are due: new, changed ({@code generation}), being deleted, whose operation is
 * running, whose backoff ended, or whose resync period passed (drift correction). It lists instead of
 * watching: level-triggered, nothing is lost across API-server disconnects or agent restarts, and the
 * cost is one list per kind per interval. One thread: reconciles of the same object never overlap.
 *
 * <p>Errors are written to the resource's conditions and retried after {@code retryMin}, doubling per
 * failure up to {@code retryMax}. An invalid spec waits for the next spec change.
 */
final class Operator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Operator.class);

  private final KubeApi kube;
  private final K8sSettings settings;
  private final Duration resyncInterval;
  private final InstanceReconciler instances;
  private final BindingReconciler bindings;
  private final MarketplaceMirror marketplace;
  private final Map<String, Due> due = new HashMap<>();
  private final ScheduledExecutorService loop;
  private Instant nextMarketplaceSync = Instant.EPOCH;

  final AtomicLong reconciles = new AtomicLong();
  final AtomicLong reconcileErrors = new AtomicLong();
  final AtomicLong marketplaceChanges = new AtomicLong();
  final AtomicLong readyInstances = new AtomicLong();
  final AtomicLong readyBindings = new AtomicLong();
  private volatile String lastError;
  private volatile Instant lastSuccess;

  private static final class Due {
    Instant at = Instant.EPOCH;
    int failures;
    long generation = -1;
    boolean deleting;
  }

  Operator(KubeApi kube, SmApi sm, K8sSettings settings, Duration resyncInterval) {
    this.kube = kube;
    this.settings = settings;
    this.resyncInterval = resyncInterval;
    this.instances = new InstanceReconciler(kube, sm, settings);
    this.bindings = new BindingReconciler(kube, sm, settings);
    this.marketplace = new MarketplaceMirror(kube, sm);
    this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "k8s-operator");
      t.setDaemon(true);
      return t;
    });
  }

  void start() {
    loop.scheduleWithFixedDelay(this::tick, 0, settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
  }

  /** One pass; public to tests through the package. */
  void tick() {
    try {
      if (!Instant.now().isBefore(nextMarketplaceSync)) {
        marketplaceChanges.addAndGet(marketplace.sync());
        nextMarketplaceSync = Instant.now().plus(resyncInterval);
      }
      List<Map<String, Object>> bindingList = kube.list(Resources.BINDINGS, settings.watchNamespace());
      List<Map<String, Object>> instanceList = kube.list(Resources.INSTANCES, settings.watchNamespace());
      Set<String> seen = new HashSet<>();
      // Bindings first: an instance being deleted waits for its bindings, which go in the same pass.
      bindingList.forEach(b -> reconcileIfDue(bindings, b, seen));
      instanceList.forEach(i -> reconcileIfDue(instances, i, seen));
      due.keySet().retainAll(seen);
      readyInstances.set(instanceList.stream().filter(i -> Boolean.TRUE.equals(Resources.status(i).get("ready"))).count());
      readyBindings.set(bindingList.stream().filter(b -> Boolean.TRUE.equals(Resources.status(b).get("ready"))).count());
      lastSuccess = Instant.now();
      lastError = null;
    } catch (RuntimeException e) {
      if (!java.util.Objects.equals(String.valueOf(e.getMessage()), lastError)) {
        LOG.warn("Operator pass failed (retried every {}): {}", settings.pollInterval(), e.getMessage());
      }
      lastError = String.valueOf(e.getMessage());
    }
  }

  private void reconcileIfDue(ResourceReconciler reconciler, Map<String, Object> resource, Set<String> seen) {
    String uid = Resources.uid(resource);
    if (uid == null) {
      return;
    }
    seen.add(uid);
    Due d = due.computeIfAbsent(uid, k -> new Due());
    long generation = Resources.generation(resource);
    boolean deleting = Resources.deleting(resource);
    Instant now = Instant.now();
    if (now.isBefore(d.at) && generation == d.generation && deleting == d.deleting) {
      return;
    }
    if (generation != d.generation || deleting != d.deleting) {
      d.failures = 0; // a new spec (or a delete) deserves an immediate first try
    }
    d.generation = generation;
    d.deleting = deleting;
    reconciles.incrementAndGet();
    String what = resource.get("kind") + " " + Resources.namespace(resource) + "/" + Resources.name(resource);
    Result result;
    try {
      result = reconciler.reconcile(resource);
    } catch (PlatformException e) {
      if (e.status() == 409) {
        d.at = now; // the object changed under us: read it again next pass
        return;
      }
      result = error(reconciler, resource, what, e);
    } catch (RuntimeException e) {
      result = error(reconciler, resource, what, e);
    }
    switch (result.kind()) {
      case DONE -> {
        d.failures = 0;
        d.at = now.plus(resyncInterval);
      }
      case POLL -> d.at = now.plus(settings.pollInterval());
      case WAIT_FOR_CHANGE -> {
        LOG.info("{}: {} (waiting for a spec change)", what, result.message());
        d.at = Instant.MAX;
      }
      case RETRY -> {
        reconcileErrors.incrementAndGet();
        d.failures++;
        Duration delay = backoff(d.failures);
        LOG.warn("{}: {} (retry in {})", what, result.message(), delay);
        d.at = now.plus(delay);
      }
    }
  }

  private Result error(ResourceReconciler reconciler, Map<String, Object> resource, String what, RuntimeException e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    try {
      reconciler.reportError(resource, message);
    } catch (RuntimeException again) {
      LOG.warn("{}: could not record the error in the status: {}", what, again.getMessage());
    }
    return Result.retry(message);
  }

  Duration backoff(int failures) {
    long factor = 1L << Math.min(failures - 1, 20);
    Duration delay = settings.retryMin().multipliedBy(factor);
    return delay.compareTo(settings.retryMax()) > 0 ? settings.retryMax() : delay;
  }

  boolean healthy() {
    return lastError == null && lastSuccess != null;
  }

  String lastError() {
    return lastError;
  }

  Instant lastSuccess() {
    return lastSuccess;
  }

  String prometheus() {
    StringBuilder out = new StringBuilder();
    series(out, "broker_proxy_k8s_reconciles_total", "counter", "ServiceInstance and ServiceBinding reconciles run.", reconciles.get());
    series(out, "broker_proxy_k8s_reconcile_errors_total", "counter", "Reconciles that failed (retried with backoff).", reconcileErrors.get());
    series(out, "broker_proxy_k8s_marketplace_changes_total", "counter", "ServiceOffering/ServicePlan objects created, updated or deleted.", marketplaceChanges.get());
    series(out, "broker_proxy_k8s_ready_instances", "gauge", "ServiceInstances whose status is ready.", readyInstances.get());
    series(out, "broker_proxy_k8s_ready_bindings", "gauge", "ServiceBindings whose status is ready.", readyBindings.get());
    series(out, "broker_proxy_k8s_operator_up", "gauge", "1 when the last operator pass could list its resources and read SM.", healthy() ? 1 : 0);
    return out.toString();
  }

  private static void series(StringBuilder out, String name, String type, String help, long value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n')
        .append("# TYPE ").append(name).append(' ').append(type).append('\n')
        .append(name).append(' ').append(value).append('\n');
  }

  @Override
  public void close() {
    loop.shutdownNow();
    try {
      loop.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

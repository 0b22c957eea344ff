package dev.servicemanager.proxy.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the platform to the Service Manager's state (Peripli's resyncer, reference 4.1): brokers
 * first, then plan access. Platform calls run at most {@code maxParallelRequests} at a time, and a
 * failing call is logged with its broker or plan and left for the next resync; it never stops the
 * others.
 */
public final class Reconciler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);

  private final ProxySettings settings;
  private final Platform platform;
  private final ExecutorService pool;
  /** SM broker id → the {@code updated_at} of the SM broker whose catalog the platform last fetched. */
  private final Map<String, Instant> fetchedCatalogs = new ConcurrentHashMap<>();
  /** Pairs issued during the current sync of a broker, activated once the platform accepted them. */
  private final Map<String, BrokerCredentials.Issued> issued = new ConcurrentHashMap<>();

  private final BrokerCredentials credentials;
  /** Asked before a platform broker is deleted: is its SM broker really gone, or only not listed? */
  private final Predicate<String> goneFromSm;

  public Reconciler(ProxySettings settings, Platform platform) {
    this(settings, platform, BrokerCredentials.platformOwn(settings));
  }

  /** For a state that lists every broker SM has (tests, tools): a broker missing from it is gone. */
  public Reconciler(ProxySettings settings, Platform platform, BrokerCredentials credentials) {
    this(settings, platform, credentials, id -> true);
  }

  public Reconciler(ProxySettings settings, Platform platform, SmClient sm) {
    this(settings, platform, sm, sm::brokerGone);
  }

  public Reconciler(
      ProxySettings settings, Platform platform, BrokerCredentials credentials, Predicate<String> goneFromSm) {
    this.settings = settings;
    this.platform = platform;
    this.credentials = credentials;
    this.goneFromSm = goneFromSm;
    AtomicInteger n = new AtomicInteger();
    this.pool =
        Executors.newFixedThreadPool(settings.maxParallelRequests(), r -> {
          Thread t = new Thread(r, "proxy-platform-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  /**
   * What one reconciliation did.
   *
   * @param refusedDeletions platform brokers of removed SM brokers that the platform refused to
   *     delete (Cloud Foundry while service instances exist); retried at every resync
   */
  public record Report(
      int created, int updated, int deleted, int accessChanges, int errors, List<String> refusedDeletions) {
    public Report {
      refusedDeletions = List.copyOf(refusedDeletions);
    }

    public Report(int created, int updated, int deleted, int accessChanges, int errors) {
      this(created, updated, deleted, accessChanges, errors, List.of());
    }
  }

  /** The name of an SM broker in the platform: {@code <prefix><name>-<id>}. */
  public String platformName(SmState.Broker broker) {
    return settings.brokerPrefix() + broker.name() + "-" + broker.id();
  }

  public String platformUrl(String smBrokerId) {
    return settings.osbPrefix() + smBrokerId;
  }

  public Report reconcile(SmState sm) {
    Counters counters = new Counters();
    if (!platform.active()) {
      return new Report(0, 0, 0, 0, 0);
    }
    List<String> refused = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<PlatformBroker> platformBrokers = platform.brokers();
    Map<String, PlatformBroker> ours = new LinkedHashMap<>();
    List<PlatformBroker> duplicates = new ArrayList<>();
    Map<String, PlatformBroker> foreignByNameAndUrl = new HashMap<>();
    for (PlatformBroker b : platformBrokers) {
      String smId = smBrokerId(b);
      if (smId == null) {
        foreignByNameAndUrl.putIfAbsent(b.name() + "|" + b.url(), b);
      } else if (ours.putIfAbsent(smId, b) != null) {
        duplicates.add(b);
      }
    }

    Map<String, Set<String>> platformPlanIds = new HashMap<>();
    for (PlatformPlan plan : platform.plans(ours.values())) {
      platformPlanIds.computeIfAbsent(plan.brokerName(), k -> new HashSet<>()).add(plan.catalogPlanId());
    }
    Map<String, Set<String>> smPlanIds = smPlanCatalogIdsByBroker(sm);

    Map<String, PlatformBroker> managed = new ConcurrentHashMap<>();
    List<Callable<Void>> brokerTasks = new ArrayList<>();
    for (SmState.Broker broker : sm.brokers()) {
      brokerTasks.add(() -> {
        syncBroker(broker, ours.get(broker.id()), foreignByNameAndUrl, platformPlanIds,
            smPlanIds.getOrDefault(broker.id(), Set.of()), managed, counters);
        return null;
      });
    }
    Set<String> smIds = new HashSet<>();
    sm.brokers().forEach(b -> smIds.add(b.id()));
    List<PlatformBroker> stale = new ArrayList<>(duplicates);
    ours.forEach((id, b) -> {
      if (!smIds.contains(id)) {
        stale.add(b);
      }
    });
    for (PlatformBroker b : stale) {
      brokerTasks.add(() -> {
        removeStale(b, duplicates.contains(b), managed, refused, counters);
        return null;
      });
    }
    runAll(brokerTasks);

    reconcileAccess(sm, managed, counters);
    return new Report(counters.created.get(), counters.updated.get(), counters.deleted.get(),
        counters.access.get(), counters.errors.get(), refused);
  }

  /**
   * A platform broker whose SM broker is not in the lists. Only a broker removed from SM is deleted
   * from the platform: one SM merely does not list (no plan visible to this platform) stays, and the
   * access reconciliation closes its plans. The platform may refuse the delete (Cloud Foundry while
   * service instances exist, 422 CF-ServiceBrokerNotRemovable); then nothing else is touched, no plan
   * and no instance, and the delete is retried at every resync until the platform's users removed
   * the instances.
   */
  private void removeStale(PlatformBroker b, boolean duplicate, Map<String, PlatformBroker> managed,
      List<String> refused, Counters counters) {
    String smId = smBrokerId(b);
    if (!duplicate) {
      boolean gone;
      try {
        gone = goneFromSm.test(smId);
      } catch (RuntimeException e) {
        counters.errors.incrementAndGet();
        LOG.warn("Kept platform broker {} ({}): could not confirm that SM broker {} is gone: {}", b.name(), b.guid(),
            smId, e.getMessage());
        return;
      }
      if (!gone) {
        managed.put(smId, b);
        LOG.debug("Kept platform broker {} ({}): SM broker {} exists but has no plan visible here", b.name(), b.guid(), smId);
        return;
      }
    }
    try {
      platform.deleteBroker(b);
      fetchedCatalogs.remove(smId);
      counters.deleted.incrementAndGet();
      LOG.info("Deleted platform broker {} ({}): no longer in the Service Manager", b.name(), b.guid());
    } catch (PlatformException e) {
      counters.errors.incrementAndGet();
      if (e.status() >= 400 && e.status() < 500) {
        refused.add(b.name());
        LOG.error("The platform refused to delete broker {} ({}), removed from the Service Manager: {}."
            + " Its plans and instances are left as they are; retrying at every resync", b.name(), b.guid(), e.getMessage());
      } else {
        LOG.error("Could not delete platform broker {} ({}): {}", b.name(), b.guid(), e.getMessage());
      }
    } catch (RuntimeException e) {
      counters.errors.incrementAndGet();
      LOG.error("Could not delete platform broker {} ({}): {}", b.name(), b.guid(), e.getMessage());
    }
  }

  private void syncBroker(SmState.Broker broker, PlatformBroker existing,
      Map<String, PlatformBroker> foreignByNameAndUrl, Map<String, Set<String>> platformPlanIds,
      Set<String> smPlanIds, Map<String, PlatformBroker> managed, Counters counters) {
    // Credentials are issued only when the platform broker is (re)registered, and activated after.
    Supplier<BrokerRegistration> register = () -> {
      BrokerCredentials.Issued pair = credentials.issue(broker.id());
      issued.put(broker.id(), pair);
      return new BrokerRegistration(broker.id(), platformName(broker), platformUrl(broker.id()),
          pair.username(), pair.password());
    };
    BrokerRegistration registration =
        new BrokerRegistration(broker.id(), platformName(broker), platformUrl(broker.id()), null, null);
    try {
      PlatformBroker result;
      if (existing != null) {
        boolean renamed = !existing.name().equals(registration.name());
        Set<String> missing = new HashSet<>(smPlanIds);
        missing.removeAll(platformPlanIds.getOrDefault(existing.name(), Set.of()));
        Instant fetched = fetchedCatalogs.get(broker.id());
        boolean catalogChanged = fetched == null || !fetched.equals(broker.updatedAt());
        if (renamed || catalogChanged || !missing.isEmpty()) {
          result = platform.updateBroker(existing, register.get());
          counters.updated.incrementAndGet();
          LOG.info("Updated platform broker {} ({}){}{}", registration.name(), result.guid(),
              renamed ? ", renamed from " + existing.name() : "",
              missing.isEmpty() ? "" : ", plans missing: " + missing);
        } else {
          result = existing;
        }
      } else {
        PlatformBroker takeOver = foreignByNameAndUrl.get(broker.name() + "|" + broker.brokerUrl());
        if (takeOver != null) {
          result = platform.updateBroker(takeOver, register.get());
          counters.updated.incrementAndGet();
          LOG.info("Took over platform broker {} ({}) as {}", takeOver.name(), takeOver.guid(), registration.name());
        } else {
          result = platform.createBroker(register.get());
          counters.created.incrementAndGet();
          LOG.info("Created platform broker {} ({}) for SM broker {}", registration.name(), result.guid(), broker.id());
        }
      }
      BrokerCredentials.Issued pair = issued.remove(broker.id());
      if (pair != null) {
        credentials.activate(pair);
      }
      fetchedCatalogs.put(broker.id(), broker.updatedAt() == null ? Instant.EPOCH : broker.updatedAt());
      managed.put(broker.id(), result);
    } catch (RuntimeException e) {
      if (Thread.currentThread().isInterrupted()) {
        return; // shutting down; the next start resyncs
      }
      counters.errors.incrementAndGet();
      LOG.error("Could not sync SM broker {} ({}) to the platform as {}: {}", broker.name(), broker.id(),
          registration.name(), e.getMessage());
      if (existing != null) {
        managed.put(broker.id(), existing);
      }
    }
  }

  private void reconcileAccess(SmState sm, Map<String, PlatformBroker> managed, Counters counters) {
    if (managed.isEmpty()) {
      return;
    }
    Map<String, String> offeringBroker = new HashMap<>();
    sm.offerings().forEach(o -> offeringBroker.put(o.id(), o.brokerId()));
    Map<String, SmState.Plan> plans = new HashMap<>();
    sm.plans().forEach(p -> plans.put(p.id(), p));

    // key = platform broker name | catalog plan id
    Map<String, Desired> desired = new HashMap<>();
    for (SmState.Visibility v : sm.visibilities()) {
      SmState.Plan plan = plans.get(v.planId());
      if (plan == null) {
        continue;
      }
      // SM is read list by list, not as one snapshot: a plan may have become visible after the
      // offerings were read, so its offering (and broker) is unknown to this resync. The next one
      // sees it; until then it is skipped, not a NullPointerException that fails the whole resync.
      String brokerId = offeringBroker.get(plan.offeringId());
      PlatformBroker broker = brokerId == null ? null : managed.get(brokerId);
      if (broker == null) {
        continue;
      }
      Desired d = desired.computeIfAbsent(broker.name() + "|" + plan.catalogId(), k -> new Desired());
      List<String> scopes = v.labels().getOrDefault(platform.scopeLabelKey(), List.of());
      if (v.platformId() == null || scopes.isEmpty()) {
        d.isPublic = true;
      } else {
        d.scopes.addAll(scopes);
      }
    }

    List<Callable<Void>> tasks = new ArrayList<>();
    for (PlatformPlan plan : platform.plans(managed.values())) {
      Desired want = desired.getOrDefault(plan.brokerName() + "|" + plan.catalogPlanId(), new Desired());
      tasks.add(() -> {
        try {
          counters.access.addAndGet(applyAccess(plan, want));
        } catch (RuntimeException e) {
          counters.errors.incrementAndGet();
          LOG.error("Could not set access to plan {} ({}) of broker {}: {}", plan.catalogPlanId(), plan.guid(),
              plan.brokerName(), e.getMessage());
        }
        return null;
      });
    }
    runAll(tasks);
  }

  private int applyAccess(PlatformPlan plan, Desired want) {
    int changes = 0;
    if (want.isPublic) {
      if (!plan.isPublic()) {
        platform.enableAccess(plan, Access.everyone());
        changes++;
      }
      return changes;
    }
    Set<String> current = plan.isPublic() ? Set.of() : plan.scopes();
    if (plan.isPublic()) {
      platform.disableAccess(plan, Access.everyone());
      changes++;
    }
    Set<String> add = new HashSet<>(want.scopes);
    add.removeAll(current);
    Set<String> remove = new HashSet<>(current);
    remove.removeAll(want.scopes);
    if (!add.isEmpty()) {
      platform.enableAccess(plan, Access.scopes(add));
      changes++;
    }
    if (!remove.isEmpty()) {
      platform.disableAccess(plan, Access.scopes(remove));
      changes++;
    }
    return changes;
  }

  private static Map<String, Set<String>> smPlanCatalogIdsByBroker(SmState sm) {
    Map<String, String> offeringBroker = new HashMap<>();
    sm.offerings().forEach(o -> offeringBroker.put(o.id(), o.brokerId()));
    Map<String, Set<String>> result = new HashMap<>();
    for (SmState.Plan p : sm.plans()) {
      String brokerId = offeringBroker.get(p.offeringId());
      if (brokerId != null) {
        result.computeIfAbsent(brokerId, k -> new HashSet<>()).add(p.catalogId());
      }
    }
    return result;
  }

  /** The SM broker id a platform broker points at, or null when the broker is not ours. */
  String smBrokerId(PlatformBroker broker) {
    String url = broker.url();
    if (url == null || !url.startsWith(settings.osbPrefix())) {
      return null;
    }
    String id = url.substring(settings.osbPrefix().length());
    while (id.endsWith("/")) {
      id = id.substring(0, id.length() - 1);
    }
    return id.isEmpty() || id.contains("/") ? null : id;
  }

  private void runAll(Collection<Callable<Void>> tasks) {
    if (tasks.isEmpty()) {
      return;
    }
    try {
      for (Future<Void> f : pool.invokeAll(tasks)) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reconciling", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }

  private static final class Desired {
    boolean isPublic;
    final Set<String> scopes = new HashSet<>();
  }

  private static final class Counters {
    final AtomicInteger created = new AtomicInteger();
    final AtomicInteger updated = new AtomicInteger();
    final AtomicInteger deleted = new AtomicInteger();
    final AtomicInteger access = new AtomicInteger();
    final AtomicInteger errors = new AtomicInteger();
  }
}

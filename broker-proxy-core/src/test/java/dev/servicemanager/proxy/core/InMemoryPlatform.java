package dev.servicemanager.proxy.core;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/** A platform in memory: brokers, their plans (from a catalog given per SM broker id) and who sees them. */
final class InMemoryPlatform implements Platform {
  final Map<String, PlatformBroker> brokers = new LinkedHashMap<>();
  /** platform broker guid → plan catalog id → access. */
  final Map<String, Map<String, Access>> plans = new LinkedHashMap<>();
  /** What the platform finds when it fetches a broker's catalog, per SM broker id. */
  final Map<String, List<String>> catalogs = new LinkedHashMap<>();
  final List<String> calls = new CopyOnWriteArrayList<>();
  volatile Predicate<String> failingNames = n -> false;
  volatile boolean active = true;
  volatile long callMillis;
  final AtomicInteger concurrent = new AtomicInteger();
  final AtomicInteger maxConcurrent = new AtomicInteger();
  private final AtomicInteger ids = new AtomicInteger();
  private final String osbPrefix;

  InMemoryPlatform(String osbPrefix) {
    this.osbPrefix = osbPrefix;
  }

  @Override
  public boolean active() {
    return active;
  }

  synchronized PlatformBroker add(String name, String url) {
    PlatformBroker b = new PlatformBroker("g" + ids.incrementAndGet(), name, url);
    brokers.put(b.guid(), b);
    plans.put(b.guid(), new LinkedHashMap<>());
    return b;
  }

  synchronized Access access(String brokerName, String planId) {
    for (PlatformBroker b : brokers.values()) {
      if (b.name().equals(brokerName)) {
        return plans.get(b.guid()).get(planId);
      }
    }
    return null;
  }

  private void enter(String call, String name) {
    calls.add(call + " " + name);
    int now = concurrent.incrementAndGet();
    maxConcurrent.accumulateAndGet(now, Math::max);
    try {
      if (callMillis > 0) {
        Thread.sleep(callMillis);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      concurrent.decrementAndGet();
    }
    if (failingNames.test(name)) {
      throw new PlatformException(422, "refused " + name);
    }
  }

  @Override
  public synchronized List<PlatformBroker> brokers() {
    return new ArrayList<>(brokers.values());
  }

  @Override
  public PlatformBroker createBroker(BrokerRegistration r) {
    enter("create", r.name());
    synchronized (this) {
      PlatformBroker b = add(r.name(), r.url());
      fetchCatalog(b);
      return b;
    }
  }

  @Override
  public PlatformBroker updateBroker(PlatformBroker existing, BrokerRegistration r) {
    enter("update", r.name());
    synchronized (this) {
      PlatformBroker b = new PlatformBroker(existing.guid(), r.name(), r.url());
      brokers.put(b.guid(), b);
      fetchCatalog(b);
      return b;
    }
  }

  private void fetchCatalog(PlatformBroker b) {
    List<String> catalog = b.url().startsWith(osbPrefix) ? catalogs.getOrDefault(b.url().substring(osbPrefix.length()), List.of()) : List.of();
    Map<String, Access> current = plans.computeIfAbsent(b.guid(), k -> new LinkedHashMap<>());
    current.keySet().retainAll(catalog);
    catalog.forEach(id -> current.putIfAbsent(id, Access.scopes(Set.of())));
  }

  @Override
  public void deleteBroker(PlatformBroker broker) {
    enter("delete", broker.name());
    synchronized (this) {
      brokers.remove(broker.guid());
      plans.remove(broker.guid());
    }
  }

  @Override
  public synchronized List<PlatformPlan> plans(Collection<PlatformBroker> of) {
    List<PlatformPlan> result = new ArrayList<>();
    for (PlatformBroker b : of) {
      PlatformBroker current = brokers.get(b.guid());
      if (current == null) {
        continue;
      }
      plans.get(b.guid()).forEach((id, access) ->
          result.add(new PlatformPlan(b.guid() + "/" + id, current.name(), id, access.isPublic(), access.scopes())));
    }
    return result;
  }

  private Map<String, Access> plansOf(PlatformPlan plan) {
    return plans.get(plan.guid().substring(0, plan.guid().indexOf('/')));
  }

  @Override
  public void enableAccess(PlatformPlan plan, Access access) {
    enter("enable", plan.brokerName() + "/" + plan.catalogPlanId() + " " + access);
    synchronized (this) {
      Map<String, Access> of = plansOf(plan);
      Access current = of.get(plan.catalogPlanId());
      if (access.isPublic()) {
        of.put(plan.catalogPlanId(), Access.everyone());
      } else {
        if (current.isPublic()) {
          throw new PlatformException(422, "cannot add organizations to a public plan");
        }
        Set<String> scopes = new HashSet<>(current.scopes());
        scopes.addAll(access.scopes());
        of.put(plan.catalogPlanId(), Access.scopes(scopes));
      }
    }
  }

  @Override
  public void disableAccess(PlatformPlan plan, Access access) {
    enter("disable", plan.brokerName() + "/" + plan.catalogPlanId() + " " + access);
    synchronized (this) {
      Map<String, Access> of = plansOf(plan);
      Access current = of.get(plan.catalogPlanId());
      if (access.isPublic()) {
        of.put(plan.catalogPlanId(), Access.scopes(Set.of()));
      } else {
        Set<String> scopes = new HashSet<>(current.scopes());
        scopes.removeAll(access.scopes());
        of.put(plan.catalogPlanId(), Access.scopes(scopes));
      }
    }
  }

  @Override
  public String scopeLabelKey() {
    return "organization_guid";
  }
}

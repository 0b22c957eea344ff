package dev.servicemanager.proxy.core;

import java.util.Collection;
import java.util.List;

/**
 * What the reconciler needs from a platform (Peripli's {@code BrokerClient} and {@code VisibilityClient},
 * reference 4.1). Every call may throw {@link PlatformException}; the reconciler logs it with the broker
 * or plan involved and retries at the next resync.
 */
public interface Platform {

  /** All brokers the platform knows that the proxy may manage (platform-wide ones; not space-scoped). */
  List<PlatformBroker> brokers();

  /** Registers a broker; returns it once the platform has fetched its catalog. */
  PlatformBroker createBroker(BrokerRegistration registration);

  /** Renames or repoints a broker; the same call makes the platform fetch the catalog again. */
  PlatformBroker updateBroker(PlatformBroker existing, BrokerRegistration registration);

  void deleteBroker(PlatformBroker broker);

  /** The plans of these brokers with who may see them. */
  List<PlatformPlan> plans(Collection<PlatformBroker> brokers);

  /** Opens a plan to everyone ({@link Access#isPublic()}) or to more scopes (organizations in CF). */
  void enableAccess(PlatformPlan plan, Access access);

  /** Closes a plan to everyone except admins ({@link Access#isPublic()}) or removes scopes. */
  void disableAccess(PlatformPlan plan, Access access);

  /**
   * False while the platform cannot hold brokers (a Kubernetes cluster without the Service Catalog
   * API): the reconciler then leaves it alone instead of failing every create.
   */
  default boolean active() {
    return true;
  }

  /** The SM visibility label whose values are the platform's access scopes ({@code organization_guid} in CF). */
  String scopeLabelKey();
}

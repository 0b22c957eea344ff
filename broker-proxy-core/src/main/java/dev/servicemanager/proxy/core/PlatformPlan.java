package dev.servicemanager.proxy.core;

import java.util.Set;

/**
 * A plan as the platform has it. Plans are matched to SM plans by (broker name, catalog plan id), as
 * Peripli's CF proxy does. {@code scopes} are the organizations (or other scopes) that may see a
 * non-public plan.
 */
public record PlatformPlan(
    String guid, String brokerName, String catalogPlanId, boolean isPublic, Set<String> scopes) {
  public PlatformPlan {
    scopes = Set.copyOf(scopes);
  }
}

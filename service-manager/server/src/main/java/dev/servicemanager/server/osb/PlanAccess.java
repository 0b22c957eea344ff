package dev.servicemanager.server.osb;

import dev.servicemanager.server.events.RegistryVersion;
import dev.servicemanager.server.store.Sql;
import dev.servicemanager.spi.ApiException;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;
import java.sql.Array;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Which plans a platform may provision or change to (Peripli's checkVisibilityPlugin, reference
 * 3.3): a visibility for the caller or a public one. A Cloud Foundry caller must also name the org
 * in {@code context.organization_guid}, and a platform-specific visibility must carry that org in
 * its {@code organization_guid} label; a public visibility admits every org.
 */
@Singleton
class PlanAccess {
  static final String ORG_LABEL = "organization_guid";
  private record PlanKey(String brokerId, String serviceCatalogId, String planCatalogId) {}

  private record VisibilityKey(String planId, String platformId) {}

  /** A visibility of a plan for the caller (or public, platformId null), with its org labels. */
  private record Visibility(String platformId, List<String> orgs) {}

  private final Sql sql;
  // Every provision asks both; they change only with the registry (RegistryVersion).
  private final RegistryVersion.Cache<PlanKey, String> planIds;
  private final RegistryVersion.Cache<VisibilityKey, List<Visibility>> visibilities;

  PlanAccess(Sql sql, RegistryVersion registryVersion) {
    this.sql = sql;
    this.planIds = registryVersion.cache(10_000, Duration.ofSeconds(60));
    this.visibilities = registryVersion.cache(10_000, Duration.ofSeconds(60));
  }

  /** The SM id of a plan, given the broker's catalog ids; 400 when the broker has no such plan. */
  String planId(String brokerId, String serviceCatalogId, String planCatalogId) {
    String id =
        planIds.get(
            new PlanKey(brokerId, serviceCatalogId, planCatalogId),
            key ->
                sql.queryOne(
                        "SELECT p.id FROM service_plans p JOIN service_offerings o ON o.id = p.service_offering_id"
                            + " WHERE o.broker_id = ? AND o.catalog_id = ? AND p.catalog_id = ?",
                        List.of(key.brokerId(), key.serviceCatalogId(), key.planCatalogId()),
                        rs -> rs.getString(1))
                    .orElse(null));
    if (id == null) {
      throw planNotFound();
    }
    return id;
  }

  /** Throws unless the caller may use the plan. */
  void requireVisible(Caller caller, String planId, Map<String, Object> context) {
    String org = null;
    if (caller.isCloudFoundry()) {
      org = context == null || !(context.get(ORG_LABEL) instanceof String s) || s.isBlank() ? null : s;
      if (org == null) {
        throw ApiException.badRequest("context.organization_guid is required for Cloud Foundry platforms");
      }
    }
    List<Visibility> found =
        visibilities.get(
            new VisibilityKey(planId, caller.id()),
            key ->
                List.copyOf(
                    sql.query(
                        "SELECT v.platform_id, ARRAY(SELECT l.value FROM visibility_labels l WHERE l.resource_id = v.id"
                            + " AND l.key = ?) FROM visibilities v WHERE v.service_plan_id = ?"
                            + " AND (v.platform_id = ? OR v.platform_id IS NULL)",
                        List.of(ORG_LABEL, key.planId(), key.platformId()),
                        rs -> new Visibility(rs.getString(1), strings(rs.getArray(2))))));
    String requiredOrg = org;
    boolean visible =
        found.stream()
            .anyMatch(v -> requiredOrg == null || v.platformId() == null || v.orgs().contains(requiredOrg));
    if (!visible) {
      throw planNotFound();
    }
  }

  // OSB: a request naming a plan the broker does not offer is a 400, and to the platform a plan it
  // may not use is one this broker does not offer (Peripli answers 404 ServicePlanNotFound).
  static ApiException planNotFound() {
    return new ApiException(HttpStatus.BAD_REQUEST, "ServicePlanNotFound", "service plan not found or not accessible");
  }

  private static List<String> strings(Array array) throws java.sql.SQLException {
    return array == null ? List.of() : List.of((String[]) array.getArray());
  }
}

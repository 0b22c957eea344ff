package dev.servicemanager.server.registry;

import static dev.servicemanager.server.store.ResourceType.field;

import dev.servicemanager.server.events.ChangeLog;
import dev.servicemanager.server.events.ChangeLog.ChangeType;
import dev.servicemanager.server.events.ChangeLog.Snapshot;
import dev.servicemanager.server.query.FieldType;
import dev.servicemanager.server.query.SqlFragment;
import dev.servicemanager.server.store.Labels;
import dev.servicemanager.server.store.ListParams;
import dev.servicemanager.server.store.Page;
import dev.servicemanager.server.store.ResourceStore;
import dev.servicemanager.server.store.ResourceType;
import dev.servicemanager.server.store.Sql;
import dev.servicemanager.spi.ApiException;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Visibilities decide which platform sees which plan. Each change is logged for the platform it
 * concerns (all platforms for a public one) with the broker and plan, which is what a broker proxy
 * needs to enable or disable access; moving a visibility to another platform is logged as a
 * removal for the old platform and a creation for the new one.
 */
@Singleton
public class VisibilityService {
  static final String PATH = "/v1/visibilities";
  static final ResourceType<Visibility> TYPE =
      new ResourceType<>(
          "visibility",
          PATH,
          "visibilities",
          "visibility_labels",
          ResourceType.fields(
              ResourceType.field("ready", FieldType.BOOLEAN, false),
              field("platform_id", FieldType.STRING, true),
              field("service_plan_id", FieldType.STRING, false)),
          rs ->
              new Visibility(
                  rs.getString("id"),
                  rs.getString("platform_id"),
                  rs.getString("service_plan_id"),
                  Map.of(),
                  rs.getBoolean("ready"),
                  Sql.instant(rs, "created_at"),
                  Sql.instant(rs, "updated_at")),
          Visibility::withLabels);

  private final Sql sql;
  private final ResourceStore store;
  private final Labels labels;
  private final ChangeLog changes;
  private final CatalogStore catalogs;

  VisibilityService(Sql sql, ResourceStore store, Labels labels, ChangeLog changes, CatalogStore catalogs) {
    this.sql = sql;
    this.store = store;
    this.labels = labels;
    this.changes = changes;
    this.catalogs = catalogs;
  }

  @Transactional
  public Visibility create(VisibilityRequests.Create request) {
    labels.validate(request.labels());
    String platformId = blankToNull(request.platform_id());
    requireReferences(platformId, request.service_plan_id());
    String id = Ids.orNew(request.id());
    Instant now = PlatformService.now();
    sql.update(
        "INSERT INTO visibilities (id, platform_id, service_plan_id, created_at, updated_at)"
            + " VALUES (?, ?, ?, ?, ?)",
        id, platformId, request.service_plan_id(), now, now);
    store.insertLabels(TYPE, id, request.labels());
    Visibility created = store.get(TYPE, id, SqlFragment.TRUE);
    changes.record(PATH, id, ChangeType.CREATED, platformId, snapshot(created), null, null);
    return created;
  }

  @Transactional
  public Page<Visibility> list(ListParams params, Optional<String> caller) {
    return store.list(TYPE, params, Scopes.visibilities(caller));
  }

  @Transactional
  public Visibility get(String id, Optional<String> caller) {
    return store.get(TYPE, id, Scopes.visibilities(caller));
  }

  @Transactional
  public Visibility patch(String id, VisibilityRequests.Patch request) {
    labels.validateChanges(request.labels());
    Visibility old = store.getForUpdate(TYPE, id, SqlFragment.TRUE);
    String platformId = request.platform_id() == null ? old.platformId() : blankToNull(request.platform_id());
    String planId = request.service_plan_id() == null ? old.servicePlanId() : request.service_plan_id();
    requireReferences(platformId, planId);
    sql.update(
        "UPDATE visibilities SET platform_id = ?, service_plan_id = ?, updated_at = ? WHERE id = ?",
        platformId, planId, PlatformService.now(), id);
    store.changeLabels(TYPE, id, request.labels());
    Visibility updated = store.get(TYPE, id, SqlFragment.TRUE);
    Snapshot before = snapshot(old);
    Snapshot after = snapshot(updated);
    if (Objects.equals(old.platformId(), updated.platformId())) {
      changes.record(PATH, id, ChangeType.MODIFIED, platformId, after, before, request.labels());
    } else {
      changes.record(PATH, id, ChangeType.DELETED, old.platformId(), null, before, null);
      changes.record(PATH, id, ChangeType.CREATED, platformId, after, null, null);
    }
    return updated;
  }

  @Transactional
  public void delete(String id) {
    remove(store.getForUpdate(TYPE, id, SqlFragment.TRUE));
  }

  @Transactional
  public int deleteMatching(ListParams params) {
    List<Visibility> doomed = store.lockMatching(TYPE, params, SqlFragment.TRUE);
    doomed.forEach(this::remove);
    return doomed.size();
  }

  private void remove(Visibility old) {
    Snapshot before = snapshot(old);
    store.delete(TYPE, old.id());
    changes.record(PATH, old.id(), ChangeType.DELETED, old.platformId(), null, before, null);
  }

  private void requireReferences(String platformId, String planId) {
    if (platformId != null && store.find(PlatformService.TYPE, platformId, SqlFragment.TRUE).isEmpty()) {
      throw ApiException.notFound("could not find such platform: " + platformId);
    }
    if (store.find(catalogs.plans, planId, SqlFragment.TRUE).isEmpty()) {
      throw ApiException.notFound("could not find such service plan: " + planId);
    }
  }

  /** Peripli's additional data for visibility notifications: broker id and name, and the plan. */
  private Snapshot snapshot(Visibility visibility) {
    ServicePlan plan = store.get(catalogs.plans, visibility.servicePlanId(), SqlFragment.TRUE);
    Map<String, Object> additional = new LinkedHashMap<>();
    sql.queryOne(
            "SELECT b.id, b.name FROM service_brokers b JOIN service_offerings o ON o.broker_id = b.id"
                + " WHERE o.id = ?",
            List.of(plan.serviceOfferingId()),
            rs -> {
              additional.put("broker_id", rs.getString(1));
              additional.put("broker_name", rs.getString(2));
              return null;
            });
    additional.put("service_plan", plan);
    return new Snapshot(visibility, additional);
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}

package dev.servicemanager.server.registry;

import dev.servicemanager.server.query.SqlFragment;
import dev.servicemanager.server.store.LabelChange;
import dev.servicemanager.server.store.Labels;
import dev.servicemanager.server.store.ListParams;
import dev.servicemanager.server.store.Page;
import dev.servicemanager.server.store.ResourceStore;
import dev.servicemanager.server.store.ResourceType;
import dev.servicemanager.server.store.Sql;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;
import java.util.List;
import java.util.Optional;

/** Reads offerings and plans, and changes their labels (everything else comes from the broker). */
@Singleton
public class CatalogService {
  private final CatalogStore catalogs;
  private final ResourceStore store;
  private final Labels labels;
  private final Sql sql;

  CatalogService(CatalogStore catalogs, ResourceStore store, Labels labels, Sql sql) {
    this.catalogs = catalogs;
    this.store = store;
    this.labels = labels;
    this.sql = sql;
  }

  @Transactional
  public Page<ServiceOffering> listOfferings(ListParams params, Optional<String> caller) {
    return store.list(catalogs.offerings, params, Scopes.offerings(caller));
  }

  @Transactional
  public ServiceOffering getOffering(String id, Optional<String> caller) {
    return store.get(catalogs.offerings, id, Scopes.offerings(caller));
  }

  @Transactional
  public ServiceOffering patchOffering(String id, List<LabelChange> changes) {
    return patchLabels(catalogs.offerings, id, changes);
  }

  @Transactional
  public Page<ServicePlan> listPlans(ListParams params, Optional<String> caller) {
    return store.list(catalogs.plans, params, Scopes.plans(caller));
  }

  @Transactional
  public ServicePlan getPlan(String id, Optional<String> caller) {
    return store.get(catalogs.plans, id, Scopes.plans(caller));
  }

  @Transactional
  public ServicePlan patchPlan(String id, List<LabelChange> changes) {
    return patchLabels(catalogs.plans, id, changes);
  }

  private <T> T patchLabels(ResourceType<T> type, String id, List<LabelChange> changes) {
    labels.validateChanges(changes);
    store.getForUpdate(type, id, SqlFragment.TRUE);
    store.changeLabels(type, id, changes);
    sql.update("UPDATE " + type.table() + " SET updated_at = ? WHERE id = ?", PlatformService.now(), id);
    return store.get(type, id, SqlFragment.TRUE);
  }
}

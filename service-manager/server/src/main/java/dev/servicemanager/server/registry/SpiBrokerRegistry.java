package dev.servicemanager.server.registry;

import dev.servicemanager.server.store.Sql;
import dev.servicemanager.spi.brokers.BrokerRegistry;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The plugins' way to brokers and their plans' visibilities: the REST API's {@link BrokerService}
 * and {@link VisibilityService}, so catalog handling, change log and notifications do not differ.
 */
@Singleton
class SpiBrokerRegistry implements BrokerRegistry {
  private final BrokerService brokers;
  private final VisibilityService visibilities;
  private final Sql sql;
  private final TransactionOperations<Connection> tx;

  SpiBrokerRegistry(BrokerService brokers, VisibilityService visibilities, Sql sql, TransactionOperations<Connection> tx) {
    this.brokers = brokers;
    this.visibilities = visibilities;
    this.sql = sql;
    this.tx = tx;
  }

  @Override
  public String ensureRegistered(String name, String url, String username, String password) {
    BrokerRequests.Credentials credentials =
        new BrokerRequests.Credentials(new BrokerRequests.Basic(username, password), null);
    Optional<String> existing =
        tx.executeRead(
            status -> sql.queryOne("SELECT id FROM service_brokers WHERE name = ?", List.of(name), rs -> rs.getString(1)));
    if (existing.isPresent()) {
      return brokers.patch(existing.get(), new BrokerRequests.Patch(null, null, url, credentials, null)).id();
    }
    return brokers.create(new BrokerRequests.Create(null, name, null, url, credentials, null)).id();
  }

  @Override
  public void refresh(String brokerId) {
    brokers.patch(brokerId, new BrokerRequests.Patch(null, null, null, null, null));
  }

  @Override
  public void setVisibilities(String brokerId, Map<String, Set<String>> platformIdsByPlanCatalogId) {
    tx.executeWrite(
        status -> {
          // Locks the broker row: concurrent calls for one broker apply one after the other.
          sql.queryOne("SELECT id FROM service_brokers WHERE id = ? FOR UPDATE", List.of(brokerId), rs -> rs.getString(1))
              .orElseThrow(() -> dev.servicemanager.spi.ApiException.notFound(BrokerService.TYPE.notFoundMessage()));
          Map<String, String> planIdByCatalogId = new HashMap<>();
          sql.query(
              "SELECT p.id, p.catalog_id FROM service_plans p JOIN service_offerings o ON o.id = p.service_offering_id"
                  + " WHERE o.broker_id = ?",
              List.of(brokerId),
              rs -> planIdByCatalogId.put(rs.getString(2), rs.getString(1)));
          Set<String> platforms = new HashSet<>(
              sql.query("SELECT id FROM platforms", List.of(), rs -> rs.getString(1)));
          Set<String> wanted = new HashSet<>();
          platformIdsByPlanCatalogId.forEach(
              (catalogId, platformIds) -> {
                String planId = planIdByCatalogId.get(catalogId);
                if (planId != null) {
                  platformIds.stream().filter(platforms::contains).forEach(p -> wanted.add(planId + "\n" + p));
                }
              });
          record Existing(String id, String planId, String platformId) {}
          List<Existing> current =
              sql.query(
                  "SELECT v.id, v.service_plan_id, v.platform_id FROM visibilities v"
                      + " JOIN service_plans p ON p.id = v.service_plan_id"
                      + " JOIN service_offerings o ON o.id = p.service_offering_id"
                      + " WHERE o.broker_id = ? AND v.platform_id IS NOT NULL",
                  List.of(brokerId),
                  rs -> new Existing(rs.getString(1), rs.getString(2), rs.getString(3)));
          Set<String> kept = new HashSet<>();
          for (Existing v : current) {
            String key = v.planId() + "\n" + v.platformId();
            if (wanted.contains(key) && kept.add(key)) {
              continue;
            }
            visibilities.delete(v.id());
          }
          for (String key : wanted) {
            if (!kept.contains(key)) {
              String[] parts = key.split("\n", 2);
              visibilities.create(new VisibilityRequests.Create(null, parts[1], parts[0], null));
            }
          }
          return null;
        });
  }
}

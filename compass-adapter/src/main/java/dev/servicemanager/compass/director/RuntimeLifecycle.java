package dev.servicemanager.compass.director;

import dev.servicemanager.compass.CompassAccess;
import dev.servicemanager.compass.Db;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the Runtime Provisioner may do with Director runtimes, with the Director's own rules: register
 * (and its SM platform), mark it connected (which notifies the applications sharing its scenarios
 * through the webhook outbox), and unregister (with its platform).
 */
@Singleton
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
public final class RuntimeLifecycle {
  private final RuntimeStore runtimes;
  private final WebhookStore webhooks;
  private final BrokerSync brokerSync;

  /** A runtime as the provisioner sees it. */
  public record Registered(String id, String name, String platformId, String condition, List<String> scenarios) {}

  RuntimeLifecycle(RuntimeStore runtimes, WebhookStore webhooks, @Nullable BrokerSync brokerSync) {
    this.runtimes = runtimes;
    this.webhooks = webhooks;
    this.brokerSync = brokerSync;
  }

  /**
   * Registers a runtime in state PROVISIONING (labels checked as in {@code registerRuntime}). Its
   * scenarios are kept, but the applications are told only when it becomes CONNECTED.
   */
  public Registered registerProvisioning(Db.Tx tx, String tenant, String name, @Nullable String description,
      @Nullable Map<String, Object> labels) throws SQLException {
    Map<String, Object> in = new LinkedHashMap<>();
    in.put("name", name);
    in.put("description", description);
    in.put("labels", labels);
    in.put("statusCondition", "PROVISIONING");
    webhooks.lockScenarios(tx, tenant);
    return view(runtimes.register(tx, tenant, in));
  }

  public Optional<Registered> find(Db.Tx tx, String tenant, String id) throws SQLException {
    return runtimes.find(tx, tenant, id).map(this::view);
  }

  /** When the runtime's agent last got platform credentials from the Connector (null: never). */
  public Optional<java.time.Instant> pairedAt(Db.Tx tx, String tenant, String id) throws SQLException {
    return tx.queryOne("SELECT paired_at FROM compass_runtimes WHERE id = ? AND tenant = ?", List.of(id, tenant),
        rs -> Db.instant(rs, "paired_at"));
  }

  public void setCondition(Db.Tx tx, String tenant, String id, String condition) throws SQLException {
    tx.update("UPDATE compass_runtimes SET status_condition = ?, status_timestamp = ? WHERE id = ? AND tenant = ?"
        + " AND status_condition <> ?", condition, ApplicationStore.now(), id, tenant, condition);
  }

  /**
   * CONNECTED, and CONFIGURATION_CHANGED (RUNTIME_JOINED) to the webhooks of every application
   * sharing a scenario with it, through the existing outbox.
   */
  public void connected(Db.Tx tx, String tenant, String id) throws SQLException {
    webhooks.lockScenarios(tx, tenant);
    Model.Runtime runtime = runtimes.lock(tx, tenant, id);
    setCondition(tx, tenant, id, "CONNECTED");
    webhooks.runtimeScenariosChanged(tx, tenant, id, runtime.name(), List.of(), runtimes.scenarios(runtime));
  }

  /** Unregisters the runtime and its platform (like {@code unregisterRuntime}); gone already is fine. */
  public void unregister(Db.Tx tx, String tenant, String id) throws SQLException {
    webhooks.lockScenarios(tx, tenant);
    if (runtimes.find(tx, tenant, id).isEmpty()) {
      return;
    }
    Model.Runtime old = runtimes.delete(tx, tenant, id);
    // Applications heard of the runtime only if it became CONNECTED (and maybe DISCONNECTED since).
    boolean announced = List.of("CONNECTED", "DISCONNECTED").contains(old.status().condition());
    List<String> before = announced ? runtimes.scenarios(old) : List.of();
    webhooks.runtimeScenariosChanged(tx, tenant, old.id(), old.name(), before, List.of());
  }

  /** After a commit that changed runtimes: the compass broker's visibilities follow. */
  public void committed() {
    if (brokerSync != null) {
      brokerSync.changed();
    }
  }

  private Registered view(Model.Runtime r) {
    return new Registered(r.id(), r.name(), r.platformID(), r.status().condition(), runtimes.scenarios(r));
  }
}

package dev.servicemanager.compass.provisioner;

import dev.servicemanager.compass.CompassAccess;
import dev.servicemanager.compass.CompassException;
import dev.servicemanager.compass.Db;
import dev.servicemanager.compass.Json;
import dev.servicemanager.compass.SecretBox;
import dev.servicemanager.compass.director.RuntimeLifecycle;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The provisioner's durable state: provisioned runtimes (target encrypted) and their operations.
 * The mutations only write rows, in the caller's transaction; {@link ProvisioningWorker} runs them.
 * One operation per runtime at a time: upgrade and deprovision are refused while one is unfinished.
 */
@Singleton
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
final class Operations {
  static final String PROVISION = "PROVISION";
  static final String UPGRADE = "UPGRADE";
  static final String DEPROVISION = "DEPROVISION";
  static final String APPLY = "APPLY";
  static final String WAIT_PAIRED = "WAIT_PAIRED";
  static final String DELETE = "DELETE";
  static final String UNREGISTER = "UNREGISTER";
  static final String DONE = "DONE";
  private static final String OP_COLUMNS = "id, tenant, runtime_id, type, state, step, message, last_error, failures,"
      + " created_at, updated_at, finished_at";

  private final Map<String, RuntimeProvisioner> provisioners = new LinkedHashMap<>();
  private final RuntimeLifecycle runtimes;
  private final SecretBox box;
  private final Json json;
  private final String defaultImage;

  /** An operation row. */
  record Op(String id, String tenant, String runtimeId, String type, String state, String step, String message,
      String lastError, int failures, Instant createdAt, Instant updatedAt, Instant finishedAt) {}

  /** A provisioned runtime with its target opened. */
  record Provisioned(String runtimeId, String tenant, String name, String provider, String namespace, String kubeconfig,
      String agentImage, String configurationJson, String platformId, String smUrl, String connectorUrl, String state) {
    @Override
    public String toString() {
      return "Provisioned[" + runtimeId + ", kubeconfig=***]";
    }

    RuntimeProvisioner.Target target() {
      return new RuntimeProvisioner.Target(runtimeId, tenant, namespace, kubeconfig);
    }
  }

  Operations(List<RuntimeProvisioner> all, RuntimeLifecycle runtimes, SecretBox box, Json json,
      @Value("${compass.provisioner.agent-image:servicemanager/broker-proxy-k8s:latest}") String defaultImage) {
    all.forEach(p -> provisioners.put(p.provider(), p));
    this.runtimes = runtimes;
    this.box = box;
    this.json = json;
    this.defaultImage = defaultImage;
  }

  RuntimeProvisioner provisioner(String provider) {
    RuntimeProvisioner p = provisioners.get(provider);
    if (p == null) {
      throw CompassException.invalid("unknown provider '" + provider + "'; known: " + String.join(", ", provisioners.keySet()));
    }
    return p;
  }

  static Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.MICROS);
  }

  @SuppressWarnings("unchecked")
  Op provision(Db.Tx tx, String tenant, Map<String, Object> config, String smUrl, String connectorUrl) throws SQLException {
    Map<String, Object> runtime = (Map<String, Object>) config.get("runtimeInput");
    Map<String, Object> cluster = (Map<String, Object>) config.get("clusterConfig");
    String provider = cluster.get("provider") == null ? "kubernetes" : (String) cluster.get("provider");
    RuntimeProvisioner provisioner = provisioner(provider);
    String kubeconfig = (String) cluster.get("kubeconfig");
    String namespace = (String) cluster.get("namespace");
    validate(provisioner, new RuntimeProvisioner.Target("new", tenant, namespace, kubeconfig));
    String image = image(cluster.get("agentImage"));
    String configuration = configuration(cluster.get("configuration"));
    String sealed = box.seal(kubeconfig);
    RuntimeLifecycle.Registered registered = runtimes.registerProvisioning(tx, tenant, (String) runtime.get("name"),
        (String) runtime.get("description"), (Map<String, Object>) runtime.get("labels"));
    Instant now = now();
    tx.update("INSERT INTO compass_provisioned_runtimes (runtime_id, tenant, name, provider, namespace, target_secret,"
            + " agent_image, configuration, platform_id, sm_url, connector_url, state, created_at, updated_at)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, 'PROVISIONED', ?, ?)",
        registered.id(), tenant, registered.name(), provider, namespace, sealed, image, configuration,
        registered.platformId(), smUrl, connectorUrl, now, now);
    return insert(tx, tenant, registered.id(), PROVISION, APPLY);
  }

  Op upgrade(Db.Tx tx, String tenant, String runtimeId, Map<String, Object> config) throws SQLException {
    Provisioned p = lock(tx, tenant, runtimeId);
    String kubeconfig = config.get("kubeconfig") == null ? null : (String) config.get("kubeconfig");
    if (kubeconfig != null) {
      validate(provisioner(p.provider()), new RuntimeProvisioner.Target(runtimeId, tenant, p.namespace(), kubeconfig));
    }
    String image = config.get("agentImage") == null ? p.agentImage() : image(config.get("agentImage"));
    String configuration = config.containsKey("configuration") ? configuration(config.get("configuration")) : p.configurationJson();
    tx.update("UPDATE compass_provisioned_runtimes SET agent_image = ?, configuration = ?::jsonb,"
            + " target_secret = COALESCE(?, target_secret), updated_at = ? WHERE runtime_id = ?",
        image, configuration, kubeconfig == null ? null : box.seal(kubeconfig), now(), runtimeId);
    return insert(tx, tenant, runtimeId, UPGRADE, APPLY);
  }

  Op deprovision(Db.Tx tx, String tenant, String runtimeId) throws SQLException {
    lock(tx, tenant, runtimeId);
    return insert(tx, tenant, runtimeId, DEPROVISION, DELETE);
  }

  private static void validate(RuntimeProvisioner provisioner, RuntimeProvisioner.Target target) {
    try {
      provisioner.validate(target);
    } catch (ProvisioningException e) {
      throw new CompassException(e.getMessage());
    }
  }

  private String image(Object value) {
    if (value == null) {
      return defaultImage;
    }
    if (!(value instanceof String s) || !s.matches("^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,511}$")) {
      throw CompassException.invalid("agentImage must be a container image reference");
    }
    return s;
  }

  private String configuration(Object value) {
    if (value == null) {
      return "{}";
    }
    if (!(value instanceof Map)) {
      throw CompassException.invalid("configuration must be a JSON object");
    }
    return json.write(value);
  }

  /** The provisioned, not deprovisioned runtime of the tenant, locked, with no unfinished operation. */
  private Provisioned lock(Db.Tx tx, String tenant, String runtimeId) throws SQLException {
    Provisioned p = tx.queryOne("SELECT * FROM compass_provisioned_runtimes WHERE runtime_id = ? AND tenant = ? FOR UPDATE",
        List.of(runtimeId, tenant), this::provisioned).orElseThrow(() -> CompassException.notFound("provisioned runtime", runtimeId));
    if ("DEPROVISIONED".equals(p.state())) {
      throw CompassException.notFound("provisioned runtime", runtimeId);
    }
    Optional<String> running = tx.queryOne("SELECT id FROM compass_provisioning_operations WHERE runtime_id = ?"
        + " AND state IN ('PENDING', 'IN_PROGRESS') LIMIT 1", List.of(runtimeId), rs -> rs.getString(1));
    if (running.isPresent()) {
      throw new CompassException("operation '" + running.get() + "' of runtime '" + runtimeId + "' is not finished yet");
    }
    return p;
  }

  private Op insert(Db.Tx tx, String tenant, String runtimeId, String type, String step) throws SQLException {
    String id = UUID.randomUUID().toString();
    Instant now = now();
    tx.update("INSERT INTO compass_provisioning_operations (id, tenant, runtime_id, type, state, step, failures,"
        + " next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, 'PENDING', ?, 0, ?, ?, ?)",
        id, tenant, runtimeId, type, step, now, now, now);
    return operation(tx, tenant, id).orElseThrow();
  }

  Optional<Op> operation(Db.Tx tx, String tenant, String id) throws SQLException {
    return tx.queryOne("SELECT " + OP_COLUMNS + " FROM compass_provisioning_operations WHERE id = ? AND tenant = ?",
        List.of(id, tenant), Operations::op);
  }

  Optional<Op> lastOperation(Db.Tx tx, String runtimeId) throws SQLException {
    return tx.queryOne("SELECT " + OP_COLUMNS + " FROM compass_provisioning_operations WHERE runtime_id = ?"
        + " ORDER BY created_at DESC, id LIMIT 1", List.of(runtimeId), Operations::op);
  }

  Optional<Provisioned> find(Db.Tx tx, String tenant, String runtimeId) throws SQLException {
    return tx.queryOne("SELECT * FROM compass_provisioned_runtimes WHERE runtime_id = ? AND tenant = ?",
        List.of(runtimeId, tenant), this::provisioned);
  }

  static Op op(ResultSet rs) throws SQLException {
    return new Op(rs.getString("id"), rs.getString("tenant"), rs.getString("runtime_id"), rs.getString("type"),
        rs.getString("state"), rs.getString("step"), rs.getString("message"), rs.getString("last_error"),
        rs.getInt("failures"), Db.instant(rs, "created_at"), Db.instant(rs, "updated_at"), Db.instant(rs, "finished_at"));
  }

  Provisioned provisioned(ResultSet rs) throws SQLException {
    // A target that cannot be opened (the encryption key changed) reads as null: its steps then fail clearly.
    String kubeconfig = box.open(rs.getString("target_secret")).orElse(null);
    return new Provisioned(rs.getString("runtime_id"), rs.getString("tenant"), rs.getString("name"),
        rs.getString("provider"), rs.getString("namespace"), kubeconfig, rs.getString("agent_image"),
        rs.getString("configuration"), rs.getString("platform_id"), rs.getString("sm_url"), rs.getString("connector_url"),
        rs.getString("state"));
  }

  /** The GraphQL shape of an operation. */
  static Map<String, Object> view(Op op) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", op.id());
    m.put("operation", switch (op.type()) {
      case PROVISION -> "Provision";
      case UPGRADE -> "Upgrade";
      default -> "Deprovision";
    });
    m.put("state", switch (op.state()) {
      case "PENDING" -> "Pending";
      case "IN_PROGRESS" -> "InProgress";
      case "SUCCEEDED" -> "Succeeded";
      default -> "Failed";
    });
    m.put("step", op.step());
    m.put("message", op.message());
    m.put("lastError", op.lastError());
    m.put("failures", op.failures());
    m.put("runtimeID", op.runtimeId());
    m.put("createdAt", op.createdAt());
    m.put("updatedAt", op.updatedAt());
    m.put("finishedAt", op.finishedAt());
    return m;
  }

  Map<String, Object> status(Db.Tx tx, String tenant, String runtimeId) throws SQLException {
    Optional<Provisioned> found = find(tx, tenant, runtimeId);
    if (found.isEmpty()) {
      return null;
    }
    Provisioned p = found.get();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("runtimeID", p.runtimeId());
    m.put("name", p.name());
    m.put("condition", runtimes.find(tx, tenant, runtimeId).map(RuntimeLifecycle.Registered::condition).orElse("DEPROVISIONED"));
    m.put("platformID", p.platformId());
    m.put("lastOperationStatus", lastOperation(tx, runtimeId).map(Operations::view).orElse(null));
    Map<String, Object> configuration = new LinkedHashMap<>();
    configuration.put("provider", p.provider());
    configuration.put("namespace", p.namespace());
    configuration.put("agentImage", p.agentImage());
    configuration.put("configuration", json.read(p.configurationJson()));
    m.put("runtimeConfiguration", configuration);
    return m;
  }
}

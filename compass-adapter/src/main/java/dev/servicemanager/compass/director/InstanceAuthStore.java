package dev.servicemanager.compass.director;

import dev.servicemanager.compass.CompassAccess;
import dev.servicemanager.compass.CompassException;
import dev.servicemanager.compass.Db;
import dev.servicemanager.compass.Json;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Bundle instance auths and their status conditions, as in Compass:
 *
 * <ul>
 *   <li>requested for a bundle with a {@code defaultInstanceAuth}: SUCCEEDED at once with that auth;
 *       otherwise PENDING until the application calls {@code setBundleInstanceAuth} (SUCCEEDED with
 *       credentials, or FAILED without);
 *   <li>deletion requested for an auth filled from the default: deleted at once; otherwise UNUSED
 *       until the application deletes it ({@code deleteBundleInstanceAuth}).
 * </ul>
 *
 * Credentials are stored as JSON and never logged.
 */
@Singleton
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
final class InstanceAuthStore {
  static final String PENDING = "PENDING";
  static final String SUCCEEDED = "SUCCEEDED";
  static final String FAILED = "FAILED";
  static final String UNUSED = "UNUSED";
  private static final Pattern ID = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,35}$");
  private static final String COLUMNS =
      "i.id, i.bundle_id, i.context::text, i.input_params::text, i.auth::text, i.status_condition,"
          + " i.status_timestamp, i.status_message, i.status_reason, i.from_default";
  private final Json json;

  InstanceAuthStore(Json json) {
    this.json = json;
  }

  private record Row(Model.InstanceAuth auth, boolean fromDefault) {}

  /** A new auth for this bundle (of the caller's tenant, already locked). */
  Model.InstanceAuth request(Db.Tx tx, String tenant, Model.Bundle bundle, Map<String, Object> in) throws SQLException {
    String id = in.get("id") == null ? UUID.randomUUID().toString() : (String) in.get("id");
    if (!ID.matcher(id).matches()) {
      throw CompassException.invalid("id must be 1 to 36 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    String context = jsonText(in, "context");
    String inputParams = jsonText(in, "inputParams");
    checkInputParams(bundle, inputParams);
    if (tx.count("SELECT count(*) FROM compass_bundle_instance_auths WHERE id = ?", List.of(id)) > 0) {
      throw new CompassException("a bundle instance auth with id '" + id + "' already exists");
    }
    Map<String, Object> auth = bundle.defaultInstanceAuth();
    boolean fromDefault = auth != null;
    Instant now = ApplicationStore.now();
    tx.update(
        "INSERT INTO compass_bundle_instance_auths (id, tenant, bundle_id, context, input_params, auth, from_default,"
            + " status_condition, status_reason, status_message, status_timestamp)"
            + " VALUES (?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?, ?, ?, ?, ?)",
        id, tenant, bundle.id(), context, inputParams, fromDefault ? json.write(auth) : null, fromDefault,
        fromDefault ? SUCCEEDED : PENDING,
        fromDefault ? "CredentialsProvided" : "PendingNotification",
        fromDefault ? "Credentials were provided." : "Credentials were requested.",
        now);
    return get(tx, tenant, id);
  }

  /** The application's answer to a PENDING auth: credentials (SUCCEEDED) or a FAILED status. */
  @SuppressWarnings("unchecked")
  Model.InstanceAuth set(Db.Tx tx, String tenant, String id, Map<String, Object> in) throws SQLException {
    Model.InstanceAuth current = lock(tx, tenant, id).auth();
    Map<String, Object> auth = Inputs.auth("auth", in.get("auth"));
    Map<String, Object> status = (Map<String, Object>) in.get("status");
    if (auth == null && status == null) {
      throw CompassException.invalid("auth or status is required");
    }
    String condition = status == null ? SUCCEEDED : (String) status.get("condition");
    if (SUCCEEDED.equals(condition) && auth == null) {
      throw CompassException.invalid("status SUCCEEDED needs auth");
    }
    if (FAILED.equals(condition) && auth != null) {
      throw CompassException.invalid("status FAILED must come without auth");
    }
    String reason = status == null ? "CredentialsProvided" : Inputs.text(status, "reason", 64, true);
    String message = status == null ? "Credentials were provided." : Inputs.text(status, "message", 4096, true);
    if (!PENDING.equals(current.status().condition())) {
      throw new CompassException("bundle instance auth '" + id + "' is " + current.status().condition()
          + ": its auth can be set only while it is PENDING");
    }
    tx.update(
        "UPDATE compass_bundle_instance_auths SET auth = ?::jsonb, status_condition = ?, status_reason = ?,"
            + " status_message = ?, status_timestamp = ? WHERE id = ? AND tenant = ?",
        auth == null ? null : json.write(auth), condition, reason, message, ApplicationStore.now(), id, tenant);
    return get(tx, tenant, id);
  }

  /**
   * Deleted at once when its auth came from the bundle's default (the returned object is the last
   * state); otherwise marked UNUSED for the application to revoke and delete.
   */
  Model.InstanceAuth requestDeletion(Db.Tx tx, String tenant, String id) throws SQLException {
    Row row = lock(tx, tenant, id);
    if (row.fromDefault()) {
      tx.update("DELETE FROM compass_bundle_instance_auths WHERE id = ? AND tenant = ?", id, tenant);
      return row.auth();
    }
    if (!UNUSED.equals(row.auth().status().condition())) {
      tx.update(
          "UPDATE compass_bundle_instance_auths SET status_condition = ?, status_reason = ?, status_message = ?,"
              + " status_timestamp = ? WHERE id = ? AND tenant = ?",
          UNUSED, "PendingDeletion",
          "Credentials for given Bundle Instance Auth are ready for being deleted by Application or Integration System.",
          ApplicationStore.now(), id, tenant);
    }
    return get(tx, tenant, id);
  }

  /** The application removes an auth (whatever its state); returns its last state. */
  Model.InstanceAuth delete(Db.Tx tx, String tenant, String id) throws SQLException {
    Model.InstanceAuth old = lock(tx, tenant, id).auth();
    tx.update("DELETE FROM compass_bundle_instance_auths WHERE id = ? AND tenant = ?", id, tenant);
    return old;
  }

  Optional<Model.InstanceAuth> find(Db.Tx tx, String tenant, String id) throws SQLException {
    return tx.queryOne("SELECT " + COLUMNS + " FROM compass_bundle_instance_auths i WHERE i.id = ? AND i.tenant = ?",
        List.of(id, tenant), rs -> row(rs).auth());
  }

  Model.InstanceAuth get(Db.Tx tx, String tenant, String id) throws SQLException {
    return find(tx, tenant, id).orElseThrow(() -> CompassException.notFound("bundle instance auth", id));
  }

  private Row lock(Db.Tx tx, String tenant, String id) throws SQLException {
    return tx.queryOne(
            "SELECT " + COLUMNS + " FROM compass_bundle_instance_auths i WHERE i.id = ? AND i.tenant = ? FOR UPDATE",
            List.of(id, tenant), this::row)
        .orElseThrow(() -> CompassException.notFound("bundle instance auth", id));
  }

  /** The auths of these bundles, in creation order. */
  Map<String, List<Model.InstanceAuth>> load(Db.Tx tx, String[] bundleIds) throws SQLException {
    Map<String, List<Model.InstanceAuth>> byBundle = new HashMap<>();
    if (bundleIds.length == 0) {
      return byBundle;
    }
    tx.query("SELECT " + COLUMNS + " FROM compass_bundle_instance_auths i WHERE i.bundle_id = ANY(?) ORDER BY i.position",
        List.of((Object) bundleIds),
        rs -> byBundle.computeIfAbsent(rs.getString(2), k -> new ArrayList<>()).add(row(rs).auth()));
    return byBundle;
  }

  @SuppressWarnings("unchecked")
  private Row row(ResultSet rs) throws SQLException {
    Model.InstanceAuthStatus status = new Model.InstanceAuthStatus(rs.getString(6), Db.instant(rs, "status_timestamp"),
        rs.getString(8), rs.getString(9));
    return new Row(new Model.InstanceAuth(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
        (Map<String, Object>) json.read(rs.getString(5)), status, null), rs.getBoolean(10));
  }

  private String jsonText(Map<String, Object> in, String field) {
    Object value = in.get(field);
    if (value == null) {
      return null;
    }
    String text = value.toString();
    if (text.length() > 65536) {
      throw CompassException.invalid(field + " must be at most 65536 characters");
    }
    Object parsed = json.parse(text).orElseThrow(() -> CompassException.invalid(field + " is not valid JSON"));
    return json.write(parsed);
  }

  @SuppressWarnings("unchecked")
  private void checkInputParams(Model.Bundle bundle, String inputParams) {
    if (bundle.instanceAuthRequestInputSchema() == null) {
      return;
    }
    if (inputParams == null) {
      throw CompassException.invalid(
          "inputParams are required: the bundle defines an instanceAuthRequestInputSchema");
    }
    Map<String, Object> schema = (Map<String, Object>) json.read(bundle.instanceAuthRequestInputSchema());
    Inputs.validate("inputParams", json.read(inputParams), schema);
  }
}

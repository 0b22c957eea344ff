package dev.servicemanager.server.osb;

import static dev.servicemanager.server.osb.OperationLog.INSTANCES;
import static dev.servicemanager.server.osb.OperationLog.SUCCEEDED;

import dev.servicemanager.server.store.Json;
import dev.servicemanager.server.store.Sql;
import dev.servicemanager.spi.ApiException;
import jakarta.inject.Singleton;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Instance sharing on the OSB endpoint (Peripli's instance sharing plugin, reference 3.5): an
 * instance of the synthetic {@code reference-instance} plan is provisioned, fetched, polled and
 * deprovisioned by the Service Manager itself, never by the broker; bind, unbind and their fetches
 * and polls go to the broker against the shared instance. The rules are those of the REST API
 * ({@code InstanceService.createReference}).
 */
@Singleton
class SharedInstances {
  static final String PARAMETER = "referenced_instance_id";

  private final Sql sql;
  private final Json json;
  private final OperationLog operations;
  private final TrackingWrites writes;

  SharedInstances(Sql sql, Json json, OperationLog operations, TrackingWrites writes) {
    this.sql = sql;
    this.json = json;
    this.operations = operations;
    this.writes = writes;
  }

  /**
   * A reference instance and where broker calls about it go (as {@code InstanceStore.brokerView}).
   *
   * @param brokerId the broker of the reference's offering (and so of the shared instance)
   * @param sharedInstanceId the shared instance the reference points to
   * @param sharedPlanCatalogId the broker's catalog id of the shared instance's plan
   * @param serviceCatalogId the catalog id of the offering
   * @param planCatalogId the catalog id of the reference plan
   */
  record Reference(
      String id,
      String brokerId,
      String sharedInstanceId,
      String sharedPlanCatalogId,
      String serviceCatalogId,
      String planCatalogId) {

    /** The platform's raw path and query with the shared instance id, and the shared plan as {@code plan_id}. */
    String brokerPath(String pathAndQuery) {
      String prefix = "/v2/service_instances/";
      int q = pathAndQuery.indexOf('?');
      String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
      String rest = path.substring(prefix.length());
      int slash = rest.indexOf('/');
      String rewritten = prefix + encode(sharedInstanceId) + (slash < 0 ? "" : rest.substring(slash));
      if (q < 0) {
        return rewritten;
      }
      StringBuilder query = new StringBuilder();
      for (String pair : pathAndQuery.substring(q + 1).split("&", -1)) {
        if (query.length() > 0) {
          query.append('&');
        }
        query.append(pair.equals("plan_id") || pair.startsWith("plan_id=") ? "plan_id=" + encode(sharedPlanCatalogId) : pair);
      }
      return rewritten + "?" + query;
    }

    /** The bind body with the shared instance's plan, since the broker never heard of the reference plan. */
    Map<String, Object> brokerBody(Map<String, Object> request) {
      Map<String, Object> body = new LinkedHashMap<>(request);
      body.put("plan_id", sharedPlanCatalogId);
      return body;
    }
  }

  /** The reference with this id, or empty for any other (or no) instance. Runs in the caller's transaction. */
  Optional<Reference> reference(String instanceId) {
    return sql.queryOne(
        "SELECT i.id, o.broker_id, s.id, sp.catalog_id, o.catalog_id, p.catalog_id FROM service_instances i"
            + " JOIN service_plans p ON p.id = i.service_plan_id JOIN service_offerings o ON o.id = p.service_offering_id"
            + " JOIN service_instances s ON s.id = i.referenced_instance_id JOIN service_plans sp ON sp.id = s.service_plan_id"
            + " WHERE i.id = ?",
        List.of(instanceId),
        rs -> new Reference(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6)));
  }

  /** Ids of the references to an instance. Runs in the caller's transaction. */
  List<String> referencesTo(String instanceId) {
    return sql.query(
        "SELECT id FROM service_instances WHERE referenced_instance_id = ? ORDER BY paging_sequence",
        List.of(instanceId),
        rs -> rs.getString(1));
  }

  /**
   * {@code PUT /v2/service_instances/{id}} with the reference plan: 201 for a new reference, 200
   * when the same reference exists, 409 when the id is taken otherwise (OSB 2.17).
   *
   * @param planId SM id of the (visible) reference plan the request names
   */
  OsbReply provision(OsbCall call, Map<String, Object> request, String planId) {
    Object parameters = request.get("parameters");
    Object target = parameters instanceof Map<?, ?> map ? map.get(PARAMETER) : null;
    if (!(target instanceof String sharedId) || sharedId.isBlank()) {
      throw ApiException.badRequest(
          "a reference-instance needs parameters." + PARAMETER + ", the id of a shared instance");
    }
    if (((Map<?, ?>) parameters).size() > 1) {
      throw ApiException.badRequest("a reference-instance takes only the parameter " + PARAMETER);
    }
    String id = call.instanceId();
    return writes.write(
        s -> {
          record Existing(String planId, String platformId, String referencedId) {}
          Optional<Existing> existing =
              sql.queryOne(
                  "SELECT service_plan_id, platform_id, referenced_instance_id FROM service_instances WHERE id = ? FOR UPDATE",
                  List.of(id),
                  rs -> new Existing(rs.getString(1), rs.getString(2), rs.getString(3)));
          if (existing.isPresent()) {
            Existing e = existing.get();
            if (e.planId().equals(planId) && e.platformId().equals(call.platformId()) && sharedId.equals(e.referencedId())) {
              return new OsbReply(200, "{}", null, call.requestIdentity());
            }
            throw ApiException.conflict("a service instance with id " + id + " already exists with other attributes");
          }
          // Locked, so the shared instance cannot be unshared or deleted while the reference is made.
          record Shared(boolean shared, String offeringId) {}
          Shared shared =
              sql.queryOne(
                      "SELECT i.shared, p.service_offering_id FROM service_instances i"
                          + " JOIN service_plans p ON p.id = i.service_plan_id WHERE i.id = ? FOR UPDATE OF i",
                      List.of(sharedId),
                      rs -> new Shared(rs.getBoolean(1), rs.getString(2)))
                  .orElseThrow(() -> ApiException.notFound("could not find such shared service instance: " + sharedId));
          if (!shared.shared()) {
            throw ApiException.badRequest("service instance " + sharedId + " is not shared");
          }
          String offeringId =
              sql.queryOne("SELECT service_offering_id FROM service_plans WHERE id = ?", List.of(planId), rs -> rs.getString(1))
                  .orElseThrow();
          if (!shared.offeringId().equals(offeringId)) {
            throw ApiException.badRequest("service instance " + sharedId + " belongs to another service offering");
          }
          Map<String, Object> context = Exchange.contextOf(request);
          String name = context != null && context.get("instance_name") instanceof String n && !n.isBlank() ? n : id;
          sql.update(
              "INSERT INTO service_instances (id, name, service_plan_id, platform_id, context, referenced_instance_id,"
                  + " usable, ready, created_at, updated_at) VALUES (?, ?, ?, ?, ?::jsonb, ?, true, true, now(), now())",
              id, name, planId, call.platformId(), json.write(context == null ? Map.of() : context), sharedId);
          operations.record("create", SUCCEEDED, id, INSTANCES, call, null,
              "reference to shared instance " + sharedId + " created; the broker was not called", null);
          return new OsbReply(201, "{}", null, call.requestIdentity());
        });
  }

  /**
   * {@code DELETE /v2/service_instances/{id}} of a reference: the row goes, the shared instance
   * stays. Refused while the reference has bindings, which the broker holds against the shared
   * instance and would otherwise be left behind.
   */
  OsbReply deprovision(OsbCall call) {
    return writes.write(
        s -> {
          String id = call.instanceId();
          if (sql.queryOne("SELECT id FROM service_instances WHERE id = ? FOR UPDATE", List.of(id), rs -> rs.getString(1))
              .isEmpty()) {
            return new OsbReply(410, "{}", null, call.requestIdentity()); // deleted meanwhile
          }
          List<String> bindings =
              sql.query(
                  "SELECT id FROM service_bindings WHERE service_instance_id = ? ORDER BY paging_sequence",
                  List.of(id),
                  rs -> rs.getString(1));
          if (!bindings.isEmpty()) {
            throw ApiException.badRequest(
                "the reference instance still has bindings; unbind them first: " + String.join(", ", bindings));
          }
          sql.update("DELETE FROM service_instances WHERE id = ?", id);
          operations.record("delete", SUCCEEDED, id, INSTANCES, call, null,
              "reference instance deleted; the broker was not called", null);
          return new OsbReply(200, "{}", null, call.requestIdentity());
        });
  }

  /** {@code GET /v2/service_instances/{id}} of a reference, from the store. */
  Map<String, Object> fetched(Reference reference) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("service_id", reference.serviceCatalogId());
    body.put("plan_id", reference.planCatalogId());
    body.put("parameters", Map.of(PARAMETER, reference.sharedInstanceId()));
    return body;
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }
}

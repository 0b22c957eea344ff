package dev.servicemanager.compass.director;

import dev.servicemanager.compass.CompassException;
import dev.servicemanager.compass.Db;
import dev.servicemanager.compass.Json;
import dev.servicemanager.compass.director.LabelStore.ObjectType;
import dev.servicemanager.spi.ApiException;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The OSB side of the in-process {@code compass} broker (Compass system-broker mapping): every
 * application with at least one bundle is a service, every bundle a plan, a binding a bundle
 * instance auth whose id is the binding id. Instances are only recorded. Answers are
 * {@link Reply}s (status and body); refused calls throw {@link ApiException} (OSB error shape).
 */
@Singleton
@Requires(property = OsbBroker.ENABLED, value = "true", defaultValue = "true")
@Requires(property = "compass.enabled", value = "true", defaultValue = "true")
public final class OsbBroker {
  public static final String ENABLED = "compass.broker.enabled";
  static final String BIND = "bind";
  static final String UNBIND = "unbind";

  private final Db db;
  private final Json json;
  private final ApplicationStore apps;
  private final BundleStore bundles;
  private final LabelStore labels;
  private final InstanceAuthStore auths;

  OsbBroker(Db db, Json json, ApplicationStore apps, BundleStore bundles, LabelStore labels, InstanceAuthStore auths) {
    this.db = db;
    this.json = json;
    this.apps = apps;
    this.bundles = bundles;
    this.labels = labels;
    this.auths = auths;
  }

  /** An OSB answer. */
  public record Reply(HttpStatus status, Object body) {
    static Reply of(HttpStatus status) {
      return new Reply(status, Map.of());
    }
  }

  // ---------------------------------------------------------------- catalog

  public Map<String, Object> catalog() {
    return db.read(tx -> {
      record App(String id, String tenant, String name, String description, String providerName) {}
      List<App> rows = tx.query(
          "SELECT a.id, a.tenant, a.name, a.description, a.provider_name FROM compass_applications a"
              + " WHERE EXISTS (SELECT 1 FROM compass_bundles b WHERE b.application_id = a.id)"
              + " ORDER BY a.tenant, a.name, a.id",
          List.of(), rs -> new App(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)));
      List<String> ids = rows.stream().map(App::id).toList();
      Map<String, List<Model.Bundle>> bundlesByApp = bundles.load(tx, ids);
      Map<String, Map<String, Object>> labelsByApp = labels.load(tx, ObjectType.APPLICATION, ids);
      Map<String, Integer> nameCount = new HashMap<>();
      rows.forEach(a -> nameCount.merge(safeName(a.name()), 1, Integer::sum));
      List<Object> services = new ArrayList<>();
      for (App a : rows) {
        String name = safeName(a.name());
        if (nameCount.get(name) > 1) {
          name = name + "-" + a.id().substring(0, Math.min(8, a.id().length())).toLowerCase(Locale.ROOT);
        }
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("displayName", a.name());
        if (a.providerName() != null) {
          metadata.put("providerDisplayName", a.providerName());
        }
        metadata.put("tenant", a.tenant());
        metadata.put("labels", labelsByApp.getOrDefault(a.id(), Map.of()));
        Map<String, Object> service = new LinkedHashMap<>();
        service.put("id", a.id());
        service.put("name", name);
        service.put("description", blank(a.description()) ? "service generated from system with name " + a.name() : a.description());
        service.put("bindable", true);
        service.put("instances_retrievable", true);
        service.put("bindings_retrievable", true);
        service.put("plan_updateable", false);
        service.put("metadata", metadata);
        service.put("plans", plans(bundlesByApp.getOrDefault(a.id(), List.of())));
        services.add(service);
      }
      return Map.of("services", services);
    });
  }

  private List<Object> plans(List<Model.Bundle> appBundles) {
    Map<String, Integer> nameCount = new HashMap<>();
    appBundles.forEach(b -> nameCount.merge(safeName(b.name()), 1, Integer::sum));
    List<Object> plans = new ArrayList<>();
    for (Model.Bundle b : appBundles) {
      String name = safeName(b.name());
      if (nameCount.get(name) > 1) {
        name = name + "-" + b.id().substring(0, Math.min(8, b.id().length())).toLowerCase(Locale.ROOT);
      }
      Map<String, Object> plan = new LinkedHashMap<>();
      plan.put("id", b.id());
      plan.put("name", name);
      plan.put("description", blank(b.description()) ? "plan generated from bundle with name " + b.name() : b.description());
      plan.put("bindable", true);
      plan.put("free", true);
      Map<String, Object> metadata = new LinkedHashMap<>();
      metadata.put("displayName", b.name());
      metadata.put("api_specs", b.apiDefinitions().stream().map(d -> spec(d.id(), d.name(), d.description(), d.group(),
          d.version(), d.spec(), d.targetURL())).toList());
      metadata.put("event_specs", b.eventDefinitions().stream().map(d -> spec(d.id(), d.name(), d.description(), d.group(),
          d.version(), d.spec(), null)).toList());
      plan.put("metadata", metadata);
      if (b.instanceAuthRequestInputSchema() != null) {
        plan.put("schemas", Map.of("service_binding",
            Map.of("create", Map.of("parameters", json.read(b.instanceAuthRequestInputSchema())))));
      }
      plans.add(plan);
    }
    return plans;
  }

  private static Map<String, Object> spec(String id, String name, String description, String group,
      Model.Version version, Model.Spec spec, String targetUrl) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", id);
    m.put("name", name);
    if (targetUrl != null) {
      m.put("target_url", targetUrl);
    }
    if (description != null) {
      m.put("description", description);
    }
    if (group != null) {
      m.put("group", group);
    }
    if (version != null) {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("value", version.value());
      v.put("deprecated", version.deprecated());
      v.put("deprecated_since", version.deprecatedSince());
      v.put("for_removal", version.forRemoval());
      v.values().removeIf(Objects::isNull);
      m.put("version", v);
    }
    if (spec != null && spec.type() != null) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("type", spec.type());
      if (spec.format() != null) {
        s.put("format", switch (spec.format()) {
          case "JSON" -> "application/json";
          case "XML" -> "application/xml";
          case "YAML" -> "text/yaml";
          default -> spec.format();
        });
      }
      m.put("specification", s);
    }
    return m;
  }

  /** Lower-case letters, digits and '-', starting with a letter or digit (at most 63 characters). */
  static String safeName(String name) {
    String s = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-").replaceAll("^-+|-+$", "");
    if (s.isEmpty()) {
      s = "app";
    }
    return s.length() > 63 ? s.substring(0, 63) : s;
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  // ---------------------------------------------------------------- visibilities

  /** Plan (bundle) id → SM platforms of the runtimes sharing a scenario with the bundle's application. */
  public Map<String, Set<String>> visibilities() {
    return db.read(tx -> {
      Map<String, Set<String>> result = new HashMap<>();
      tx.query(
          "SELECT DISTINCT b.id, r.platform_id FROM compass_bundles b"
              + " JOIN compass_applications a ON a.id = b.application_id"
              + " JOIN compass_labels la ON la.object_type = 'APPLICATION' AND la.object_id = a.id AND la.key = 'scenarios'"
              + " JOIN compass_runtimes r ON r.tenant = a.tenant"
              + " JOIN compass_labels lr ON lr.object_type = 'RUNTIME' AND lr.object_id = r.id AND lr.key = 'scenarios'"
              + " WHERE jsonb_typeof(la.value) = 'array' AND jsonb_typeof(lr.value) = 'array'"
              + " AND EXISTS (SELECT 1 FROM jsonb_array_elements(la.value) s WHERE lr.value @> jsonb_build_array(s.value))",
          List.of(), rs -> result.computeIfAbsent(rs.getString(1), k -> new TreeSet<>()).add(rs.getString(2)));
      return result;
    });
  }

  // ---------------------------------------------------------------- instances

  private record Target(String tenant, Model.Application app, Model.Bundle bundle) {}

  /** The application (service) and bundle (plan) named by an OSB request; 400 when they do not exist or do not match. */
  private Target target(Db.Tx tx, String serviceId, String planId) throws SQLException {
    if (serviceId == null || planId == null) {
      throw ApiException.badRequest("service_id and plan_id are required");
    }
    Optional<String> tenant = tx.queryOne("SELECT tenant FROM compass_applications WHERE id = ?", List.of(serviceId),
        rs -> rs.getString(1));
    if (tenant.isEmpty()) {
      throw ApiException.badRequest("unknown service_id '" + serviceId + "'");
    }
    Model.Application app = apps.get(tx, tenant.get(), serviceId);
    Model.Bundle bundle = app.bundles().stream().filter(b -> b.id().equals(planId)).findFirst()
        .orElseThrow(() -> ApiException.badRequest("unknown plan_id '" + planId + "' for service '" + serviceId + "'"));
    return new Target(tenant.get(), app, bundle);
  }

  public Reply provision(String instanceId, Map<String, Object> body) {
    String serviceId = string(body, "service_id");
    String planId = string(body, "plan_id");
    return db.write(tx -> {
      Target t = target(tx, serviceId, planId);
      Optional<String[]> existing = tx.queryOne(
          "SELECT service_id, plan_id FROM compass_osb_instances WHERE id = ? FOR UPDATE", List.of(instanceId),
          rs -> new String[] {rs.getString(1), rs.getString(2)});
      if (existing.isPresent()) {
        boolean same = existing.get()[0].equals(serviceId) && existing.get()[1].equals(planId);
        return same ? Reply.of(HttpStatus.OK) : Reply.of(HttpStatus.CONFLICT);
      }
      tx.update("INSERT INTO compass_osb_instances (id, tenant, service_id, plan_id, context, parameters, created_at)"
              + " VALUES (?, ?, ?, ?, ?::jsonb, ?::jsonb, ?) ON CONFLICT (id) DO NOTHING",
          instanceId, t.tenant(), serviceId, planId, jsonOrNull(body.get("context")), jsonOrNull(body.get("parameters")),
          ApplicationStore.now());
      return Reply.of(HttpStatus.CREATED);
    });
  }

  public Reply deprovision(String instanceId) {
    return db.write(tx -> tx.update("DELETE FROM compass_osb_instances WHERE id = ?", instanceId) > 0
        ? Reply.of(HttpStatus.OK) : Reply.of(HttpStatus.GONE));
  }

  public Reply instance(String instanceId) {
    return db.read(tx -> tx.queryOne(
            "SELECT service_id, plan_id, parameters::text FROM compass_osb_instances WHERE id = ?", List.of(instanceId),
            rs -> {
              Map<String, Object> body = new LinkedHashMap<>();
              body.put("service_id", rs.getString(1));
              body.put("plan_id", rs.getString(2));
              if (rs.getString(3) != null) {
                body.put("parameters", json.read(rs.getString(3)));
              }
              return new Reply(HttpStatus.OK, body);
            })
        .orElseThrow(() -> ApiException.notFound("service instance '" + instanceId + "' does not exist")));
  }

  // ---------------------------------------------------------------- bindings

  private record Found(String tenant, Model.InstanceAuth auth, boolean fromDefault) {}

  private Optional<Found> findAuth(Db.Tx tx, String bindingId, String instanceId) throws SQLException {
    Optional<String[]> row = tx.queryOne(
        "SELECT tenant, context->>'instance_id', from_default FROM compass_bundle_instance_auths WHERE id = ?",
        List.of(bindingId), rs -> new String[] {rs.getString(1), rs.getString(2), String.valueOf(rs.getBoolean(3))});
    if (row.isEmpty() || !Objects.equals(row.get()[1], instanceId)) {
      return Optional.empty();
    }
    return auths.find(tx, row.get()[0], bindingId).map(a -> new Found(row.get()[0], a, Boolean.parseBoolean(row.get()[2])));
  }

  public Reply bind(String instanceId, String bindingId, Map<String, Object> body, boolean acceptsIncomplete) {
    String serviceId = string(body, "service_id");
    String planId = string(body, "plan_id");
    Object parameters = body.get("parameters");
    if (parameters != null && !(parameters instanceof Map)) {
      throw ApiException.badRequest("parameters must be an object");
    }
    return db.write(tx -> {
      Target t = target(tx, serviceId, planId);
      Optional<String[]> instance = tx.queryOne("SELECT service_id, plan_id FROM compass_osb_instances WHERE id = ?",
          List.of(instanceId), rs -> new String[] {rs.getString(1), rs.getString(2)});
      if (instance.isEmpty()) {
        throw ApiException.notFound("service instance '" + instanceId + "' does not exist");
      }
      if (!instance.get()[0].equals(serviceId) || !instance.get()[1].equals(planId)) {
        throw ApiException.badRequest("service_id and plan_id must be those of the service instance");
      }
      Optional<String> owner = tx.queryOne("SELECT bundle_id FROM compass_bundle_instance_auths WHERE id = ?",
          List.of(bindingId), rs -> rs.getString(1));
      if (owner.isPresent()) {
        Optional<Found> found = findAuth(tx, bindingId, instanceId);
        if (found.isEmpty() || !owner.get().equals(planId)) {
          return Reply.of(HttpStatus.CONFLICT);
        }
        Model.InstanceAuth auth = found.get().auth();
        return switch (auth.status().condition()) {
          case InstanceAuthStore.SUCCEEDED -> new Reply(HttpStatus.OK, Map.of("credentials", credentials(t.bundle(), auth)));
          case InstanceAuthStore.PENDING -> new Reply(HttpStatus.ACCEPTED, Map.of("operation", BIND));
          default -> Reply.of(HttpStatus.CONFLICT);
        };
      }
      if (t.bundle().defaultInstanceAuth() == null && !acceptsIncomplete) {
        throw asyncRequired("the application provides the credentials later: this binding needs accepts_incomplete=true");
      }
      Map<String, Object> context = new LinkedHashMap<>();
      if (body.get("context") instanceof Map<?, ?> osbContext) {
        osbContext.forEach((k, v) -> context.put(String.valueOf(k), v));
      }
      context.put("instance_id", instanceId);
      context.put("binding_id", bindingId);
      Map<String, Object> in = new HashMap<>();
      in.put("id", bindingId);
      in.put("context", json.write(context));
      if (parameters != null) {
        in.put("inputParams", json.write(parameters));
      }
      Model.InstanceAuth auth;
      try {
        auth = auths.request(tx, t.tenant(), t.bundle(), in);
      } catch (CompassException e) {
        throw ApiException.badRequest(e.getMessage());
      }
      return InstanceAuthStore.SUCCEEDED.equals(auth.status().condition())
          ? new Reply(HttpStatus.CREATED, Map.of("credentials", credentials(t.bundle(), auth)))
          : new Reply(HttpStatus.ACCEPTED, Map.of("operation", BIND));
    });
  }

  public Reply binding(String instanceId, String bindingId) {
    return db.read(tx -> {
      Found found = findAuth(tx, bindingId, instanceId)
          .filter(f -> InstanceAuthStore.SUCCEEDED.equals(f.auth().status().condition()))
          .orElseThrow(() -> ApiException.notFound("service binding '" + bindingId + "' does not exist or is not ready"));
      Model.Bundle bundle = bundleOf(tx, found);
      return new Reply(HttpStatus.OK, Map.of("credentials", credentials(bundle, found.auth())));
    });
  }

  public Reply bindingLastOperation(String instanceId, String bindingId) {
    return db.read(tx -> {
      Optional<Found> found = findAuth(tx, bindingId, instanceId);
      if (found.isEmpty()) {
        return Reply.of(HttpStatus.GONE);
      }
      Model.InstanceAuthStatus status = found.get().auth().status();
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("state", switch (status.condition()) {
        case InstanceAuthStore.SUCCEEDED -> "succeeded";
        case InstanceAuthStore.FAILED -> "failed";
        default -> "in progress";
      });
      if (status.message() != null) {
        body.put("description", status.message());
      }
      return new Reply(HttpStatus.OK, body);
    });
  }

  public Reply unbind(String instanceId, String bindingId, boolean acceptsIncomplete) {
    return db.write(tx -> {
      Optional<Found> found = findAuth(tx, bindingId, instanceId);
      if (found.isEmpty()) {
        return Reply.of(HttpStatus.GONE);
      }
      Found f = found.get();
      String condition = f.auth().status().condition();
      if (f.fromDefault() || InstanceAuthStore.FAILED.equals(condition)) {
        // Default credentials were never the application's to revoke; FAILED ones never held any.
        auths.delete(tx, f.tenant(), bindingId);
        return Reply.of(HttpStatus.OK);
      }
      if (!acceptsIncomplete) {
        throw asyncRequired("the application revokes the credentials: unbinding needs accepts_incomplete=true");
      }
      auths.requestDeletion(tx, f.tenant(), bindingId);
      return new Reply(HttpStatus.ACCEPTED, Map.of("operation", UNBIND));
    });
  }

  private Model.Bundle bundleOf(Db.Tx tx, Found found) throws SQLException {
    String appId = bundles.ofInstanceAuth(tx, found.tenant(), found.auth().id())[0];
    return apps.get(tx, found.tenant(), appId).bundles().stream().filter(b -> b.id().equals(found.auth().bundleId()))
        .findFirst().orElseThrow(() -> ApiException.notFound("bundle of binding not found"));
  }

  /** The system broker's credentials shape: id, credentials_type, target_urls, auth_details. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> credentials(Model.Bundle bundle, Model.InstanceAuth auth) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("id", auth.id());
    Map<String, Object> a = auth.auth() == null ? Map.of() : auth.auth();
    Map<String, Object> credential = (Map<String, Object>) a.get("credential");
    String type = credential == null ? "no_auth" : "basic".equals(credential.get("type")) ? "basic_auth" : "oauth";
    result.put("credentials_type", type);
    Map<String, Object> targets = new LinkedHashMap<>();
    for (Model.ApiDefinition d : bundle.apiDefinitions()) {
      targets.putIfAbsent(d.name(), d.targetURL());
    }
    result.put("target_urls", targets);
    Map<String, Object> details = new LinkedHashMap<>();
    Map<String, Object> requestParameters = new LinkedHashMap<>();
    requestParameters.put("headers", a.getOrDefault("additionalHeaders", Map.of()));
    requestParameters.put("query_parameters", a.getOrDefault("additionalQueryParams", Map.of()));
    details.put("request_parameters", requestParameters);
    if (credential != null) {
      Map<String, Object> creds = new LinkedHashMap<>();
      if ("basic".equals(credential.get("type"))) {
        creds.put("username", credential.get("username"));
        creds.put("password", credential.get("password"));
      } else {
        creds.put("clientId", credential.get("clientId"));
        creds.put("clientSecret", credential.get("clientSecret"));
        creds.put("tokenUrl", credential.get("url"));
        creds.put("requestParameters", requestParameters);
      }
      details.put("auth", creds);
    }
    result.put("auth_details", details);
    return result;
  }

  // ---------------------------------------------------------------- helpers

  static ApiException asyncRequired(String description) {
    return new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "AsyncRequired", description);
  }

  private static String string(Map<String, Object> body, String field) {
    Object value = body.get(field);
    if (value != null && !(value instanceof String)) {
      throw ApiException.badRequest(field + " must be a string");
    }
    return (String) value;
  }

  private String jsonOrNull(Object value) {
    return value == null ? null : json.write(value);
  }
}

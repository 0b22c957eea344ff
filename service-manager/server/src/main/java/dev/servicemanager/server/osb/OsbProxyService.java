package dev.servicemanager.server.osb;

import dev.servicemanager.server.events.RegistryVersion;
import dev.servicemanager.server.registry.BrokerService;
import dev.servicemanager.server.registry.ReferencePlan;
import dev.servicemanager.server.store.Json;
import dev.servicemanager.server.store.Sql;
import dev.servicemanager.spi.ApiException;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The platform-facing OSB endpoint (reference 3): checks the call (suspension, ownership, plan
 * visibility), forwards it to the broker, passes the answer back and mirrors its effect in the
 * store. The broker is called outside any transaction, so a slow broker holds no database
 * connection. On this path the platform does orphan mitigation, as OSB says, with one exception:
 * a provision or bind the broker answered 201/202 with a malformed body reaches the platform as a
 * 502, and SM schedules the mitigation itself (the trackers), because only SM saw the 2xx.
 */
@Singleton
public class OsbProxyService {
  private final BrokerService brokers;
  private final OsbClient client;
  private final OsbCatalog catalog;
  private final PlanAccess plans;
  private final InstanceTracker instances;
  private final BindingTracker bindings;
  private final SharedInstances sharing;
  private final Sql sql;
  private final Json json;
  // Broker URL and (decrypted) credentials, read and decrypted once per registry version.
  private final RegistryVersion.Cache<String, BrokerEndpoint> endpoints;

  OsbProxyService(
      BrokerService brokers,
      OsbClient client,
      OsbCatalog catalog,
      PlanAccess plans,
      InstanceTracker instances,
      BindingTracker bindings,
      SharedInstances sharing,
      Sql sql,
      Json json,
      RegistryVersion registryVersion) {
    this.brokers = brokers;
    this.client = client;
    this.catalog = catalog;
    this.plans = plans;
    this.instances = instances;
    this.bindings = bindings;
    this.sharing = sharing;
    this.sql = sql;
    this.json = json;
    this.endpoints = registryVersion.cache(1_000, Duration.ofSeconds(60));
  }

  /**
   * What the checks before the broker call found out.
   *
   * @param referencePlan the request provisions the reference-instance plan: SM answers it
   * @param reference the instance in the path is a reference (to be answered by SM, or rewritten
   *     to its shared instance), or null
   */
  private record Checked(
      BrokerEndpoint broker,
      Caller caller,
      Map<String, Object> request,
      String planId,
      boolean referencePlan,
      SharedInstances.Reference reference) {}

  /** The catalog this caller gets, if it is rendered already (no database access), else null. */
  String cachedCatalog(String brokerId, Caller caller) {
    return catalog.cached(brokerId, caller);
  }

  OsbReply handle(OsbCall call) {
    if (call.route() == OsbRoute.CATALOG) {
      return new OsbReply(200, catalog.renderJson(call.brokerId(), call.caller()), null, call.requestIdentity());
    }
    Map<String, Object> request = call.route().hasBody() ? parseBody(call.body()) : null;
    Checked checked = check(call, request);
    if (checked.referencePlan()) {
      return sharing.provision(call, request, checked.planId());
    }
    String pathAndQuery = call.pathAndQuery();
    byte[] body = call.body();
    SharedInstances.Reference reference = checked.reference();
    if (reference != null) {
      switch (call.route()) {
        case DEPROVISION -> {
          return sharing.deprovision(call);
        }
        case FETCH_INSTANCE -> {
          return new OsbReply(200, json.write(sharing.fetched(reference)), null, call.requestIdentity());
        }
        case INSTANCE_LAST_OPERATION -> {
          return new OsbReply(200, json.write(Map.of("state", OperationLog.SUCCEEDED)), null, call.requestIdentity());
        }
        default -> {
          // Binding routes (update was refused in check): the broker sees the shared instance.
          pathAndQuery = reference.brokerPath(pathAndQuery);
          if (call.route() == OsbRoute.BIND) {
            body = json.write(reference.brokerBody(request)).getBytes(StandardCharsets.UTF_8);
          }
        }
      }
    }
    BrokerReply reply = client.forward(checked.broker(), call.method(), pathAndQuery, call.headers(), body);
    BrokerAnswer answer =
        BrokerAnswer.of(checked.broker().name(), call.method() + " " + call.route().name().toLowerCase(), reply, json);
    track(new Exchange(call, request, checked.planId(), answer.brokerStatus(), answer.parsed()));
    return new OsbReply(answer.status(), answer.json(), reply.retryAfter(), call.requestIdentity());
  }

  // The broker, the caller and the plan come from memory (RegistryVersion); what is read here are
  // the instance (and binding) rows, which change with every call and are never cached.
  private Checked check(OsbCall call, Map<String, Object> request) {
    BrokerEndpoint broker = endpoints.get(call.brokerId(), brokers::endpoint);
    Caller caller = call.caller();
    if (call.route().isWrite() && caller.suspended()) {
      throw ApiException.badRequest("platform " + caller.name() + " is suspended");
    }
    Instance instance = instance(call.instanceId());
    // Reference 3.5 (checkPlatformIDPlugin): another platform's instance, or its bindings, does not
    // exist for the caller, and the broker is not asked.
    if (instance != null && !instance.platformId().equals(call.platformId())) {
      throw ApiException.notFound("could not find such service instance");
    }
    if (call.route().isBindingRoute()) {
      requireOwnBinding(call);
    }
    String planId = null;
    boolean referencePlan = false;
    SharedInstances.Reference reference =
        call.route() != OsbRoute.PROVISION && instance != null && instance.reference()
            ? sharing.reference(call.instanceId()).orElse(null)
            : null;
    if (reference != null && !reference.brokerId().equals(call.brokerId())) {
      // The reference belongs to another broker's offering: like any unknown instance, not this broker's.
      throw ApiException.notFound("could not find such service instance");
    }
    if (call.route() == OsbRoute.PROVISION) {
      String serviceId = requiredString(request, "service_id");
      String planCatalogId = requiredString(request, "plan_id");
      planId = plans.planId(call.brokerId(), serviceId, planCatalogId);
      plans.requireVisible(caller, planId, context(request));
      referencePlan = ReferencePlan.isReference(planCatalogId);
      if (instance != null && instance.mitigating()) {
        // The broker may hold an orphan of this id that SM is deleting: a new provision now could be
        // deleted by it. OSB 422 ConcurrencyError makes the platform retry later, without mitigating.
        throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "ConcurrencyError",
            "orphan mitigation of service instance " + call.instanceId() + " is in progress; retry later");
      }
      if (!referencePlan && instance != null && instance.reference()) {
        // OSB 409: the id is taken by a reference; the broker must not create an instance under it.
        throw ApiException.conflict("service instance " + call.instanceId() + " already exists as a reference instance");
      }
    } else if (reference != null && call.route() == OsbRoute.UPDATE) {
      throw ApiException.badRequest("the plan and parameters of a reference instance cannot change");
    } else if (call.route() == OsbRoute.DEPROVISION && reference == null) {
      // Reference 2.13: a shared instance goes only after its references; the broker is not asked.
      List<String> references = instance == null ? List.of() : sharing.referencesTo(call.instanceId());
      if (!references.isEmpty()) {
        throw ApiException.badRequest("the shared instance is still referenced by: " + String.join(", ", references));
      }
    } else if (call.route() == OsbRoute.UPDATE && request.get("plan_id") != null) {
      planId = plans.planId(call.brokerId(), requiredString(request, "service_id"), requiredString(request, "plan_id"));
      // Only a plan change needs the visibility check; repeating the current plan is not one.
      if (instance == null || !planId.equals(instance.planId())) {
        plans.requireVisible(caller, planId, context(request));
      }
    }
    return new Checked(broker, caller, request, planId, referencePlan, reference);
  }

  /** The stored instance the call names, as far as the checks need it. */
  private record Instance(String platformId, String planId, boolean reference, boolean mitigating) {}

  private Instance instance(String instanceId) {
    if (instanceId == null) {
      return null;
    }
    return sql.queryOne(
            "SELECT platform_id, service_plan_id, referenced_instance_id IS NOT NULL, EXISTS (SELECT 1 FROM operations o"
                + " WHERE o.resource_id = i.id AND o.step = 'mitigate' AND o.next_attempt_at IS NOT NULL)"
                + " FROM service_instances i WHERE i.id = ?",
            List.of(instanceId),
            rs -> new Instance(rs.getString(1), rs.getString(2), rs.getBoolean(3), rs.getBoolean(4)))
        .orElse(null);
  }

  private void track(Exchange e) {
    switch (e.call().route()) {
      case PROVISION -> instances.provisioned(e);
      case UPDATE -> instances.updated(e);
      case DEPROVISION -> instances.deprovisioned(e);
      case INSTANCE_LAST_OPERATION -> instances.polled(e);
      case BIND -> bindings.bound(e);
      case UNBIND -> bindings.unbound(e);
      case BINDING_LAST_OPERATION -> bindings.polled(e);
      case FETCH_BINDING -> bindings.fetched(e);
      default -> {
        // catalog and instance fetches change nothing
      }
    }
  }

  private void requireOwnBinding(OsbCall call) {
    String bindingOwner =
        sql.queryOne(
                "SELECT i.platform_id FROM service_bindings b JOIN service_instances i ON i.id = b.service_instance_id"
                    + " WHERE b.id = ?",
                List.of(call.bindingId()),
                rs -> rs.getString(1))
            .orElse(null);
    if (bindingOwner != null && !bindingOwner.equals(call.platformId())) {
      throw ApiException.notFound("could not find such service binding");
    }
  }

  // Malformed input is the platform's fault: 400 before anything is forwarded or stored.
  private Map<String, Object> parseBody(byte[] body) {
    String text = body == null ? "" : new String(body, StandardCharsets.UTF_8).strip();
    if (text.isEmpty()) {
      throw ApiException.badRequest("the request body must be a JSON object");
    }
    Map<String, Object> parsed;
    try {
      parsed = text.startsWith("{") ? json.readMap(text) : null;
    } catch (RuntimeException e) {
      parsed = null;
    }
    if (parsed == null) {
      throw ApiException.badRequest("the request body is not a valid JSON object");
    }
    return parsed;
  }

  private static String requiredString(Map<String, Object> request, String field) {
    if (!(request.get(field) instanceof String value) || value.isEmpty()) {
      throw ApiException.badRequest(field + " is required and must be a string");
    }
    return value;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> context(Map<String, Object> request) {
    return request.get("context") instanceof Map<?, ?> context ? (Map<String, Object>) context : null;
  }
}

package dev.servicemanager.server.instances;

import dev.servicemanager.server.operations.Next;
import dev.servicemanager.server.operations.Operation;
import dev.servicemanager.server.operations.OperationEngine;
import dev.servicemanager.server.operations.OperationHandler;
import dev.servicemanager.server.operations.OperationStore;
import dev.servicemanager.server.osb.BrokerEndpoint;
import dev.servicemanager.server.osb.OsbClient;
import dev.servicemanager.server.osb.OsbOutcome;
import dev.servicemanager.server.osb.OsbOutcome.Answer;
import dev.servicemanager.server.query.SqlFragment;
import dev.servicemanager.server.registry.BrokerService;
import dev.servicemanager.server.store.ResourceStore;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The broker side of instance operations, step by step (OSB 2.17 and reference 2.13):
 * {@code provision}, {@code update}, {@code unbind-all} (cascade), {@code deprovision}, {@code poll}
 * (last_operation) and {@code mitigate} (orphan mitigation after a failed or unclear provision).
 */
@Singleton
final class InstanceHandler implements OperationHandler {
  static final String PROVISION = "provision";
  static final String UPDATE = "update";
  static final String DEPROVISION = "deprovision";
  static final String UNBIND_ALL = "unbind-all";
  static final String POLL = "poll";
  static final String MITIGATE = OperationEngine.MITIGATE;

  private final OsbClient osb;
  private final BrokerService brokers;
  private final InstanceStore store;
  private final OperationStore operations;
  private final BindingOperations bindingOperations;
  private final TransactionOperations<Connection> tx;
  private final ResourceStore resources;

  InstanceHandler(
      ResourceStore resources,
      OsbClient osb,
      BrokerService brokers,
      InstanceStore store,
      OperationStore operations,
      BindingOperations bindingOperations,
      TransactionOperations<Connection> tx) {
    this.osb = osb;
    this.brokers = brokers;
    this.store = store;
    this.operations = operations;
    this.bindingOperations = bindingOperations;
    this.tx = tx;
    this.resources = resources;
  }

  @Override
  public String resourceType() {
    return InstanceStore.INSTANCES;
  }

  /** The broker, plan and instance facts a step needs, read in a short transaction of its own. */
  private record Target(BrokerEndpoint broker, InstanceStore.PlanTarget plan, ServiceInstance instance) {}

  private Target target(Operation op) {
    return tx.executeRead(
        status -> {
          ServiceInstance instance = resources.find(store.instances, op.resourceId(), SqlFragment.TRUE).orElse(null);
          String planId = op.contextString("plan_id");
          if (planId == null && instance != null) {
            planId = instance.servicePlanId();
          }
          InstanceStore.PlanTarget plan = store.plan(planId).orElseThrow();
          return new Target(brokers.endpoint(plan.brokerId()), plan, instance);
        });
  }

  @Override
  public OsbOutcome call(Operation op) {
    if (op.step().equals(UNBIND_ALL) || isReference(op)) {
      return null;
    }
    Target t = target(op);
    String id = encode(op.resourceId());
    String ids = "service_id=" + encode(t.plan().catalogServiceId()) + "&plan_id=" + encode(t.plan().catalogPlanId());
    String identity = op.contextString("originating_identity");
    switch (op.step()) {
      case PROVISION -> {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("service_id", t.plan().catalogServiceId());
        body.put("plan_id", t.plan().catalogPlanId());
        body.put("context", op.context().get("instance_context"));
        body.put("organization_guid", "-");
        body.put("space_guid", "-");
        if (op.context().get("parameters") != null) {
          body.put("parameters", op.context().get("parameters"));
        }
        if (op.context().get("maintenance_info") != null) {
          body.put("maintenance_info", op.context().get("maintenance_info"));
        }
        return osb.call(t.broker(), "PUT", "/v2/service_instances/" + id + "?accepts_incomplete=true", body, identity);
      }
      case UPDATE -> {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("service_id", t.plan().catalogServiceId());
        String newPlan = op.contextString("new_catalog_plan_id");
        if (newPlan != null) {
          body.put("plan_id", newPlan);
        }
        if (op.context().get("parameters") != null) {
          body.put("parameters", op.context().get("parameters"));
        }
        if (op.context().get("maintenance_info") != null) {
          body.put("maintenance_info", op.context().get("maintenance_info"));
        }
        body.put("context", t.instance() == null ? Map.of() : t.instance().context());
        body.put(
            "previous_values",
            Map.of("service_id", t.plan().catalogServiceId(), "plan_id", t.plan().catalogPlanId()));
        return osb.call(t.broker(), "PATCH", "/v2/service_instances/" + id + "?accepts_incomplete=true", body, identity);
      }
      case DEPROVISION, MITIGATE -> {
        return osb.call(
            t.broker(), "DELETE", "/v2/service_instances/" + id + "?accepts_incomplete=true&" + ids, null, identity);
      }
      case POLL -> {
        String query = ids;
        if (op.externalId() != null) {
          query += "&operation=" + encode(op.externalId());
        }
        return osb.call(t.broker(), "GET", "/v2/service_instances/" + id + "/last_operation?" + query, null, identity);
      }
      default -> throw new IllegalStateException("unknown step " + op.step());
    }
  }

  @Override
  public Next apply(Operation op, OsbOutcome outcome) {
    return switch (op.step()) {
      case PROVISION -> afterProvision(op, outcome);
      case UPDATE -> afterUpdate(op, outcome);
      case DEPROVISION -> afterDeprovision(op, outcome, DEPROVISION);
      case MITIGATE -> afterDeprovision(op, outcome, MITIGATE);
      case POLL -> afterPoll(op, outcome);
      case UNBIND_ALL -> unbindAll(op);
      default -> throw new IllegalStateException("unknown step " + op.step());
    };
  }

  private Next afterProvision(Operation op, OsbOutcome outcome) {
    if (supersededByDeletion(op)) {
      return Next.failed("Superseded", "the instance is being deleted");
    }
    String problem = problem(outcome);
    return switch (BrokerVerdict.ofCreate(outcome, op.attempts())) {
      case SUCCEEDED -> {
        store.markInstanceReady(op.resourceId(), ((Answer) outcome).string("dashboard_url"));
        yield Next.succeeded("provisioned");
      }
      case ACCEPTED -> accepted(op, (Answer) outcome);
      case RETRY -> new Next.Later(PROVISION, retryAfter(outcome), true, Map.of("last_problem", problem));
      case MITIGATE -> orphaned(op, problem);
      case FAILED -> {
        store.deleteInstance(op.resourceId());
        yield Next.failed(errorCode(outcome), problem);
      }
    };
  }

  private Next afterUpdate(Operation op, OsbOutcome outcome) {
    String problem = problem(outcome);
    return switch (BrokerVerdict.ofUpdate(outcome, op.attempts())) {
      case SUCCEEDED -> {
        store.applyUpdate(op.resourceId(), op.contextString("new_plan_id"), ((Answer) outcome).string("dashboard_url"));
        yield Next.succeeded("updated");
      }
      case ACCEPTED -> accepted(op, (Answer) outcome);
      case RETRY -> new Next.Later(UPDATE, retryAfter(outcome), true, Map.of("last_problem", problem));
      case FAILED, MITIGATE -> Next.failed(errorCode(outcome), problem);
    };
  }

  private static boolean isReference(Operation op) {
    return Boolean.TRUE.equals(op.context().get("reference"));
  }

  private Next afterDeprovision(Operation op, OsbOutcome outcome, String step) {
    if (isReference(op)) {
      store.deleteInstance(op.resourceId());
      return Next.succeeded("reference deleted; the broker was not called");
    }
    BrokerVerdict verdict = BrokerVerdict.ofDelete(outcome);
    if (verdict == BrokerVerdict.SUCCEEDED) {
      store.deleteInstance(op.resourceId());
      return Next.succeeded(step.equals(DEPROVISION) ? "deprovisioned" : "orphan mitigation completed: the broker deleted the instance");
    }
    if (verdict == BrokerVerdict.ACCEPTED) {
      return accepted(op, (Answer) outcome);
    }
    String problem = problem(outcome);
    if (Boolean.TRUE.equals(op.context().get("force"))) {
      store.deleteInstance(op.resourceId());
      return Next.succeeded("removed from the Service Manager (force=true) although the broker failed: " + problem);
    }
    if (verdict == BrokerVerdict.FAILED) {
      return Next.failed(errorCode(outcome), problem);
    }
    // The instance may or may not still exist at the broker: keep trying, and do not let anyone use it.
    store.setUsable(op.resourceId(), false);
    return new Next.Later(step, retryAfter(outcome), true, Map.of("last_problem", problem));
  }

  private Next afterPoll(Operation op, OsbOutcome outcome) {
    if (!op.type().equals(Operation.DELETE) && supersededByDeletion(op)) {
      return Next.failed("Superseded", "the instance is being deleted");
    }
    boolean pastDeadline = op.pastPollDeadline();
    Answer a = outcome instanceof Answer answer ? answer : null;
    if (a != null && a.status() == 410) {
      store.deleteInstance(op.resourceId());
      return op.type().equals(Operation.DELETE)
          ? Next.succeeded("deprovisioned")
          : Next.failed("Gone", "the broker reports the instance gone");
    }
    if (a == null || a.malformed() || a.status() != 200) {
      if (a != null && a.status() == 400) {
        return pollFailed(op, "the broker refused the last_operation request: " + a.description());
      }
      if (pastDeadline) {
        return pollFailed(op, "no answer from the broker within the maximum polling duration");
      }
      return Next.retry(POLL, a == null ? null : a.retryAfter());
    }
    String state = a.string("state");
    if ("succeeded".equals(state)) {
      switch (op.type()) {
        case Operation.CREATE -> store.markInstanceReady(op.resourceId(), null);
        case Operation.UPDATE -> store.applyUpdate(op.resourceId(), op.contextString("new_plan_id"), null);
        default -> store.deleteInstance(op.resourceId());
      }
      return Next.succeeded(a.description().isEmpty() ? op.type() + " succeeded" : a.description());
    }
    if ("failed".equals(state)) {
      if (op.type().equals(Operation.UPDATE) && Boolean.FALSE.equals(a.body().get("instance_usable"))) {
        store.setUsable(op.resourceId(), false);
      }
      return pollFailed(op, "the broker reports: " + a.description());
    }
    if (pastDeadline) {
      return pollFailed(op, "the broker did not finish within the maximum polling duration");
    }
    return Next.poll(POLL, a.retryAfter());
  }

  private Next pollFailed(Operation op, String description) {
    if (op.type().equals(Operation.CREATE)) {
      return orphaned(op, description);
    }
    return Next.failed("BrokerError", description);
  }

  private Next unbindAll(Operation op) {
    List<String> remaining = store.bindingIds(op.resourceId());
    if (remaining.isEmpty()) {
      return Next.continueWith(DEPROVISION, Map.of());
    }
    // A child deletion that failed for good (say the broker refused the unbind with a 4xx) would
    // otherwise be started again every round, for ever: the cascade fails with the child's reason.
    List<Operation> failed = operations.failedCascadeChildren(op.id(), remaining);
    if (!failed.isEmpty()) {
      Operation child = failed.get(0);
      String reason = child.description() == null ? "the binding could not be deleted" : child.description();
      return Next.failed(
          "CascadeFailed", "deleting binding " + child.resourceId() + " failed, so the instance was not deleted: " + reason);
    }
    for (String bindingId : remaining) {
      bindingOperations.deleteInBackground(bindingId, op);
    }
    return Next.poll(UNBIND_ALL, Duration.ofSeconds(1));
  }

  private Next accepted(Operation op, Answer a) {
    Map<String, Object> changes = new LinkedHashMap<>();
    if (a.string("operation") != null) {
      changes.put("broker_operation", a.string("operation"));
    }
    return new Next.Later(POLL, a.retryAfter(), false, changes);
  }

  /** The provision failed in a way that may have left an instance at the broker: remove it there. */
  private Next orphaned(Operation op, String description) {
    store.setUsable(op.resourceId(), false);
    return new Next.Failed("BrokerError", description, true);
  }

  private boolean supersededByDeletion(Operation op) {
    return operations.last(op.resourceId()).filter(last -> !last.id().equals(op.id())
        && last.type().equals(Operation.DELETE)).isPresent();
  }

  /** What went wrong, for the operation's description: the broker's own words, never its whole body. */
  static String problem(OsbOutcome outcome) {
    return outcome instanceof Answer a ? brokerSays(a.status(), a) : ((OsbOutcome.NoAnswer) outcome).description();
  }

  static java.time.Duration retryAfter(OsbOutcome outcome) {
    return outcome instanceof Answer a ? a.retryAfter() : null;
  }

  static String errorCode(OsbOutcome outcome) {
    return outcome instanceof Answer a ? errorCode(a.status()) : "BrokerError";
  }

  static String brokerSays(int status, Answer a) {
    String description = a.malformed() ? "a response that is not a JSON object" : a.description();
    return "the broker answered " + status + (description.isEmpty() ? "" : ": " + description);
  }

  static String errorCode(int status) {
    return switch (status) {
      case 400 -> "BadRequest";
      case 409 -> "Conflict";
      case 408 -> "RequestTimeout";
      case 410 -> "Gone";
      case 422 -> "UnprocessableEntity";
      case 429 -> "TooManyRequests";
      default -> "BrokerError";
    };
  }

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}

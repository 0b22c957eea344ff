package dev.servicemanager.server.instances;

import static dev.servicemanager.server.instances.InstanceHandler.problem;
import static dev.servicemanager.server.instances.InstanceHandler.retryAfter;
import static dev.servicemanager.server.instances.InstanceHandler.encode;
import static dev.servicemanager.server.instances.InstanceHandler.errorCode;

import dev.servicemanager.server.crypto.Encryptor;
import dev.servicemanager.server.operations.Next;
import dev.servicemanager.server.operations.Operation;
import dev.servicemanager.server.operations.OperationEngine;
import dev.servicemanager.server.operations.OperationHandler;
import dev.servicemanager.server.osb.BrokerEndpoint;
import dev.servicemanager.server.osb.OsbClient;
import dev.servicemanager.server.osb.OsbOutcome;
import dev.servicemanager.server.osb.OsbOutcome.Answer;
import dev.servicemanager.server.registry.BrokerService;
import dev.servicemanager.server.store.Json;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The broker side of binding operations: {@code bind}, {@code poll}, {@code fetch} (GET of the
 * binding after an asynchronous bind, which is how OSB hands out its credentials), {@code unbind}
 * and {@code mitigate}.
 */
@Singleton
final class BindingHandler implements OperationHandler {
  static final String BIND = "bind";
  static final String FETCH = "fetch";
  static final String UNBIND = "unbind";
  static final String POLL = "poll";
  static final String MITIGATE = OperationEngine.MITIGATE;

  private final OsbClient osb;
  private final BrokerService brokers;
  private final InstanceStore store;
  private final Encryptor encryptor;
  private final Json json;
  private final TransactionOperations<Connection> tx;

  BindingHandler(
      OsbClient osb,
      BrokerService brokers,
      InstanceStore store,
      Encryptor encryptor,
      Json json,
      TransactionOperations<Connection> tx) {
    this.osb = osb;
    this.brokers = brokers;
    this.store = store;
    this.encryptor = encryptor;
    this.json = json;
    this.tx = tx;
  }

  static String credentialsContext(String bindingId) {
    return "binding-credentials:" + bindingId;
  }

  @Override
  public String resourceType() {
    return InstanceStore.BINDINGS;
  }

  private record Target(BrokerEndpoint broker, InstanceStore.PlanTarget plan) {}

  @Override
  public OsbOutcome call(Operation op) {
    Target t =
        tx.executeRead(
            status -> {
              InstanceStore.PlanTarget plan = store.plan(op.contextString("plan_id")).orElseThrow();
              return new Target(brokers.endpoint(plan.brokerId()), plan);
            });
    String path =
        "/v2/service_instances/" + encode(op.contextString("broker_instance_id"))
            + "/service_bindings/" + encode(op.resourceId());
    String ids = "service_id=" + encode(t.plan().catalogServiceId()) + "&plan_id=" + encode(t.plan().catalogPlanId());
    String identity = op.contextString("originating_identity");
    return switch (op.step()) {
      case BIND -> {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("service_id", t.plan().catalogServiceId());
        body.put("plan_id", t.plan().catalogPlanId());
        body.put("context", op.context().get("binding_context"));
        if (op.context().get("bind_resource") != null) {
          body.put("bind_resource", op.context().get("bind_resource"));
        }
        if (op.context().get("parameters") != null) {
          body.put("parameters", op.context().get("parameters"));
        }
        yield osb.call(t.broker(), "PUT", path + "?accepts_incomplete=true", body, identity);
      }
      case FETCH -> osb.call(t.broker(), "GET", path + "?" + ids, null, identity);
      case UNBIND, MITIGATE -> osb.call(t.broker(), "DELETE", path + "?accepts_incomplete=true&" + ids, null, identity);
      case POLL -> {
        String query = ids + (op.externalId() == null ? "" : "&operation=" + encode(op.externalId()));
        yield osb.call(t.broker(), "GET", path + "/last_operation?" + query, null, identity);
      }
      default -> throw new IllegalStateException("unknown step " + op.step());
    };
  }

  @Override
  public Next apply(Operation op, OsbOutcome outcome) {
    return switch (op.step()) {
      case BIND -> afterBind(op, outcome);
      case FETCH -> afterFetch(op, outcome);
      case UNBIND -> afterUnbind(op, outcome, UNBIND);
      case MITIGATE -> afterUnbind(op, outcome, MITIGATE);
      case POLL -> afterPoll(op, outcome);
      default -> throw new IllegalStateException("unknown step " + op.step());
    };
  }

  private Next afterBind(Operation op, OsbOutcome outcome) {
    String problem = problem(outcome);
    return switch (BrokerVerdict.ofCreate(outcome, op.attempts())) {
      case SUCCEEDED -> {
        complete(op, ((Answer) outcome).body());
        yield Next.succeeded("bound");
      }
      case ACCEPTED -> polling((Answer) outcome);
      case RETRY -> new Next.Later(BIND, retryAfter(outcome), true, Map.of("last_problem", problem));
      case MITIGATE -> new Next.Failed("BrokerError", problem, true);
      case FAILED -> {
        store.deleteBinding(op.resourceId());
        yield Next.failed(errorCode(outcome), problem);
      }
    };
  }

  private static Next polling(Answer a) {
    Map<String, Object> changes = new LinkedHashMap<>();
    if (a.string("operation") != null) {
      changes.put("broker_operation", a.string("operation"));
    }
    return new Next.Later(POLL, a.retryAfter(), false, changes);
  }

  private Next afterFetch(Operation op, OsbOutcome outcome) {
    if (outcome instanceof Answer a && a.status() == 200 && !a.malformed()) {
      complete(op, a.body());
      return Next.succeeded("bound");
    }
    if (op.pastPollDeadline()) {
      return new Next.Failed("BrokerError", "could not fetch the binding's credentials from the broker", true);
    }
    return Next.retry(FETCH, outcome instanceof Answer a ? a.retryAfter() : null);
  }

  private void complete(Operation op, Map<String, Object> answer) {
    Object credentials = answer.get("credentials");
    String encrypted =
        credentials == null ? null : encryptor.encrypt(json.write(credentials), credentialsContext(op.resourceId()));
    store.completeBinding(op.resourceId(), encrypted, answer);
  }

  private Next afterUnbind(Operation op, OsbOutcome outcome, String step) {
    BrokerVerdict verdict = BrokerVerdict.ofDelete(outcome);
    if (verdict == BrokerVerdict.SUCCEEDED) {
      store.deleteBinding(op.resourceId());
      return Next.succeeded(step.equals(UNBIND) ? "unbound" : "orphan mitigation completed: the broker deleted the binding");
    }
    if (verdict == BrokerVerdict.ACCEPTED) {
      return polling((Answer) outcome);
    }
    String problem = problem(outcome);
    if (Boolean.TRUE.equals(op.context().get("force"))) {
      store.deleteBinding(op.resourceId());
      return Next.succeeded("removed from the Service Manager (force=true) although the broker failed: " + problem);
    }
    if (verdict == BrokerVerdict.FAILED) {
      return Next.failed(errorCode(outcome), problem);
    }
    return new Next.Later(step, retryAfter(outcome), true, Map.of("last_problem", problem));
  }

  private Next afterPoll(Operation op, OsbOutcome outcome) {
    boolean pastDeadline = op.pastPollDeadline();
    Answer a = outcome instanceof Answer answer ? answer : null;
    boolean create = op.type().equals(Operation.CREATE);
    if (a != null && a.status() == 410) {
      store.deleteBinding(op.resourceId());
      return create ? Next.failed("Gone", "the broker reports the binding gone") : Next.succeeded("unbound");
    }
    if (a == null || a.malformed() || a.status() != 200) {
      if (pastDeadline || (a != null && a.status() == 400)) {
        return create
            ? new Next.Failed("BrokerError", "the bind did not complete: no usable last_operation answer", true)
            : Next.failed("BrokerError", "the unbind did not complete: no usable last_operation answer");
      }
      return Next.retry(POLL, a == null ? null : a.retryAfter());
    }
    String state = a.string("state");
    if ("succeeded".equals(state)) {
      if (create) {
        return Next.continueWith(FETCH, Map.of());
      }
      store.deleteBinding(op.resourceId());
      return Next.succeeded("unbound");
    }
    if ("failed".equals(state) || pastDeadline) {
      String description =
          "failed".equals(state) ? "the broker reports: " + a.description() : "the broker did not finish within the maximum polling duration";
      return create ? new Next.Failed("BrokerError", description, true) : Next.failed("BrokerError", description);
    }
    return Next.poll(POLL, a.retryAfter());
  }
}

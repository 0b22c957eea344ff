package dev.servicemanager.server.osb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.testkit.FakeBroker;
import dev.servicemanager.testkit.Responder;
import dev.servicemanager.testkit.Response;
import dev.servicemanager.testkit.Route;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The same OSB request matrix against the fake broker directly and through {@code /v1/osb/{broker_id}}:
 * status codes, bodies and {@code Retry-After} must be equal, except where docs/osb-endpoint.md
 * ("Deliberate differences") says why SM answers otherwise; those cases assert SM's own answer.
 */
@MicronautTest(transactional = false)
class OsbConformanceIT extends OsbTestBase {
  private static final Map<String, String> V = Map.of("X-Broker-API-Version", "2.17");
  private static final Map<String, Object> VENDOR_ERROR_EXTRAS =
      Map.of("x-acme-trace", "t-1", "acme_details", Map.of("codes", List.of(1, 2)));

  /** One request of the matrix. {@code path} starts with /service_instances or /catalog; {@code %s} is the case id. */
  private record Call(String method, String path, String body, Map<String, String> headers) {}

  /** What SM answers where it deliberately differs; null when it must equal the broker. */
  private interface Difference {
    void check(SoftAssertions soft, Answer broker, Answer sm, String id);
  }

  private record Case(
      String name, Consumer<FakeBroker> script, List<Call> prepare, Call call, Difference difference) {}

  private record Answer(int status, Map<String, Object> json, String body, String retryAfter) {}

  @BeforeEach
  void everyPlanIsPublic() {
    visible(smallPlanId, null);
    visible(largePlanId, null);
  }

  private static String provision(String plan) {
    return provision(SERVICE, plan);
  }

  private static String provision(String service, String plan) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("service_id", service);
    body.put("plan_id", plan);
    body.put("organization_guid", "org");
    body.put("space_guid", "space");
    body.put("context", k8sContext("conformance"));
    return Api.toJson(body);
  }

  private static String bind() {
    return Api.toJson(Map.of("service_id", SERVICE, "plan_id", SMALL, "context", k8sContext("b")));
  }

  private static final String IDS = "service_id=" + SERVICE + "&plan_id=" + SMALL;

  private static Call put(String path, String body) {
    return new Call("PUT", path, body, V);
  }

  private static Call get(String path) {
    return new Call("GET", path, null, V);
  }

  private static final Call PROVISIONED = put("/service_instances/%s?accepts_incomplete=true", provision(SMALL));
  private static final Call BOUND = put("/service_instances/%s/service_bindings/%s-b", bind());

  private static Consumer<FakeBroker> on(Route route, Responder responder) {
    return b -> b.on(route, responder);
  }

  private static Responder withExtras(int status, Map<String, Object> base) {
    Map<String, Object> body = new LinkedHashMap<>(base);
    body.putAll(VENDOR_ERROR_EXTRAS);
    return Responder.respond(status, body);
  }

  private List<Case> matrix() {
    Consumer<FakeBroker> none = b -> {};
    List<Case> cases = new ArrayList<>();
    cases.add(new Case("catalog", none, List.of(), get("/catalog"), this::catalogIsTheBrokersPlusSmIds));
    cases.add(new Case("catalog without version", none, List.of(), new Call("GET", "/catalog", null, Map.of()),
        OsbConformanceIT::smAnswers412Itself));
    cases.add(new Case("provision", none, List.of(), PROVISIONED, null));
    cases.add(new Case("provision without version", none, List.of(),
        new Call("PUT", "/service_instances/%s", provision(SMALL), Map.of()), OsbConformanceIT::smAnswers412Itself));
    cases.add(new Case("provision unknown plan_id", none, List.of(),
        put("/service_instances/%s", provision("no-such-plan")), OsbConformanceIT::smAnswers400Itself));
    cases.add(new Case("provision unknown service_id", none, List.of(),
        put("/service_instances/%s", provision("no-such-service", SMALL)), OsbConformanceIT::smAnswers400Itself));
    cases.add(new Case("provision async", on(Route.PROVISION, Responder.async("op-1")), List.of(), PROVISIONED, null));
    cases.add(new Case("provision with vendor fields", on(Route.PROVISION,
        Responder.respond(201, Map.of("dashboard_url", "https://d.example/x", "x-acme", Map.of("k", List.of(1)),
            "metadata", Map.of("labels", Map.of("a", "b"))))), List.of(), PROVISIONED, null));
    for (int status : new int[] {400, 409, 422, 500}) {
      cases.add(new Case("provision broker error " + status, on(Route.PROVISION,
          withExtras(status, Map.of("error", status == 422 ? "AsyncRequired" : "AcmeError", "description", "refused: " + status))),
          List.of(), PROVISIONED, null));
    }
    cases.add(new Case("provision 201 malformed body", on(Route.PROVISION, Responder.respond(201, "{not json")),
        List.of(), PROVISIONED, this::smAnswers502AndMitigates));
    cases.add(new Case("update", none, List.of(PROVISIONED),
        new Call("PATCH", "/service_instances/%s", Api.toJson(Map.of("service_id", SERVICE, "plan_id", LARGE)), V), null));
    cases.add(new Case("update unknown plan_id", none, List.of(PROVISIONED),
        new Call("PATCH", "/service_instances/%s", Api.toJson(Map.of("service_id", SERVICE, "plan_id", "nope")), V),
        OsbConformanceIT::smAnswers400Itself));
    cases.add(new Case("update broker error 422", on(Route.UPDATE,
        withExtras(422, Map.of("error", "MaintenanceInfoConflict", "description", "catalog changed"))), List.of(PROVISIONED),
        new Call("PATCH", "/service_instances/%s", Api.toJson(Map.of("service_id", SERVICE)), V), null));
    cases.add(new Case("last_operation with Retry-After", on(Route.INSTANCE_LAST_OPERATION,
        r -> Response.json(200, Map.of("state", "in progress", "description", "50%", "x-acme-progress", 50))
            .withHeader("Retry-After", "7")), List.of(), get("/service_instances/%s/last_operation?operation=op-1"), null));
    cases.add(new Case("last_operation 410", on(Route.INSTANCE_LAST_OPERATION,
        withExtras(410, Map.of("description", "Operation succeeded"))), List.of(),
        get("/service_instances/%s/last_operation?operation=op-1"), null));
    cases.add(new Case("last_operation without version", none, List.of(),
        new Call("GET", "/service_instances/%s/last_operation", null, Map.of()), OsbConformanceIT::smAnswers412Itself));
    cases.add(new Case("bind", none, List.of(PROVISIONED), BOUND, null));
    cases.add(new Case("bind broker error 409", on(Route.BIND,
        withExtras(409, Map.of("description", "binding exists with other attributes"))), List.of(PROVISIONED), BOUND, null));
    cases.add(new Case("bind 201 malformed body", on(Route.BIND, Responder.respond(201, "[]")), List.of(PROVISIONED),
        BOUND, this::smAnswers502AndUnbinds));
    cases.add(new Case("unbind", none, List.of(PROVISIONED, BOUND),
        new Call("DELETE", "/service_instances/%s/service_bindings/%s-b?" + IDS, null, V), null));
    cases.add(new Case("unbind unknown binding 410", none, List.of(PROVISIONED),
        new Call("DELETE", "/service_instances/%s/service_bindings/%s-b?" + IDS, null, V), null));
    cases.add(new Case("deprovision", none, List.of(PROVISIONED),
        new Call("DELETE", "/service_instances/%s?" + IDS, null, V), null));
    cases.add(new Case("deprovision 410 with description", on(Route.DEPROVISION,
        withExtras(410, Map.of("description", "Operation succeeded"))), List.of(),
        new Call("DELETE", "/service_instances/%s?" + IDS, null, V), null));
    cases.add(new Case("deprovision broker error 500", on(Route.DEPROVISION,
        withExtras(500, Map.of("error", "AcmeDown", "description", "database unavailable", "instance_usable", false))),
        List.of(), new Call("DELETE", "/service_instances/%s?" + IDS, null, V), null));
    cases.add(new Case("deprovision 200 malformed body", on(Route.DEPROVISION, Responder.respond(200, "oops")),
        List.of(), new Call("DELETE", "/service_instances/%s?" + IDS, null, V), OsbConformanceIT::smAnswers502));
    cases.add(new Case("deprovision without version", none, List.of(),
        new Call("DELETE", "/service_instances/%s?" + IDS, null, Map.of()), OsbConformanceIT::smAnswers412Itself));
    return cases;
  }

  @Test
  void theMatrixAnswersLikeTheBrokerExceptForTheDocumentedDifferences() {
    SoftAssertions soft = new SoftAssertions();
    int n = 0;
    for (Case c : matrix()) {
      String id = "conf-" + (n++);
      broker.reset();
      c.script().accept(broker);
      Answer direct = run(c, id, true);
      broker.reset();
      c.script().accept(broker);
      Answer sm = run(c, id, false);
      String what = c.name() + " (" + c.call().method() + " " + c.call().path() + ")";
      if (c.difference() == null) {
        soft.assertThat(sm.status()).as(what + ": status; SM " + sm.body() + " broker " + direct.body()).isEqualTo(direct.status());
        soft.assertThat(sm.json()).as(what + ": body").isEqualTo(direct.json());
        soft.assertThat(sm.retryAfter()).as(what + ": Retry-After").isEqualTo(direct.retryAfter());
      } else {
        c.difference().check(soft, direct, sm, id);
      }
    }
    soft.assertAll();
  }

  private Answer run(Case c, String id, boolean direct) {
    for (Call p : c.prepare()) {
      Answer a = send(p, id, direct);
      if (a.status() >= 300) {
        throw new AssertionError(c.name() + ": preparing " + p + " failed: " + a);
      }
    }
    return send(c.call(), id, direct);
  }

  private Answer send(Call call, String id, boolean direct) {
    String path = call.path().replace("%s", id);
    Api.Result r =
        direct
            ? sendAbsolute(broker.authorizationHeader(), call.method(), broker.url() + "/v2" + path, call.body(), call.headers())
            : send(platformAuth, call.method(), base() + path, call.body(), call.headers());
    Map<String, Object> json;
    try {
      json = r.json();
    } catch (AssertionError | RuntimeException notJson) {
      json = null;
    }
    List<String> retry = r.headers().entrySet().stream().filter(h -> h.getKey().equalsIgnoreCase("Retry-After"))
        .findFirst().map(Map.Entry::getValue).orElse(List.of());
    return new Answer(r.status(), json, r.body(), retry.isEmpty() ? null : retry.get(0));
  }

  // ---------------------------------------------------------------- documented differences

  /** Catalog: served from SM's store, the broker's fields plus metadata.sm_offering_id / sm_plan_id. */
  private void catalogIsTheBrokersPlusSmIds(SoftAssertions soft, Answer broker, Answer sm, String id) {
    soft.assertThat(sm.status()).isEqualTo(broker.status());
    soft.assertThat(containsAll(broker.json(), sm.json(), "catalog")).as("catalog fields").isEmpty();
  }

  private static void smAnswers412Itself(SoftAssertions soft, Answer broker, Answer sm, String id) {
    soft.assertThat(broker.status()).isEqualTo(412);
    soft.assertThat(sm.status()).as("missing version: " + sm.body()).isEqualTo(412);
    soft.assertThat(sm.json()).containsEntry("error", "PreconditionFailed").containsKey("description");
  }

  private static void smAnswers400Itself(SoftAssertions soft, Answer broker, Answer sm, String id) {
    soft.assertThat(broker.status()).isEqualTo(400);
    soft.assertThat(sm.status()).as("unknown plan: " + sm.body()).isEqualTo(400);
    soft.assertThat(sm.json()).containsEntry("error", "ServicePlanNotFound").containsKey("description");
  }

  private static void smAnswers502(SoftAssertions soft, Answer broker, Answer sm, String id) {
    soft.assertThat(broker.status()).isBetween(200, 299);
    soft.assertThat(sm.status()).as("malformed 2xx: " + sm.body()).isEqualTo(502);
    soft.assertThat(sm.json()).containsEntry("error", "BrokerError");
  }

  private void smAnswers502AndMitigates(SoftAssertions soft, Answer broker, Answer sm, String id) {
    smAnswers502(soft, broker, sm, id);
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
        assertThat(this.broker.requests("DELETE", "/v2/service_instances/" + id)).as("orphan mitigation").isNotEmpty());
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
        assertThat(count("SELECT count(*) FROM service_instances WHERE id = '" + id + "'")).isZero());
    this.broker.reset();
    Api.Result again = osb("PUT", "/service_instances/" + id, provision(SMALL));
    soft.assertThat(again.status()).as("provision after the mitigation: " + again).isEqualTo(201);
  }

  private void smAnswers502AndUnbinds(SoftAssertions soft, Answer broker, Answer sm, String id) {
    smAnswers502(soft, broker, sm, id);
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
        assertThat(this.broker.requests("DELETE", "/v2/service_instances/" + id + "/service_bindings/" + id + "-b"))
            .as("orphan mitigation of the binding").isNotEmpty());
  }

  /** Paths where {@code actual} lacks a field of {@code expected} or has another value; SM's metadata ids are extra. */
  @SuppressWarnings("unchecked")
  private static List<String> containsAll(Object expected, Object actual, String path) {
    List<String> problems = new ArrayList<>();
    if (expected instanceof Map<?, ?> e && actual instanceof Map<?, ?> a) {
      e.forEach((k, v) -> problems.addAll(containsAll(v, a.get(k), path + "." + k)));
    } else if (expected instanceof List<?> e && actual instanceof List<?> a && e.size() == a.size()) {
      for (int i = 0; i < e.size(); i++) {
        problems.addAll(containsAll(e.get(i), a.get(i), path + "[" + i + "]"));
      }
    } else if (!java.util.Objects.equals(expected, actual)) {
      problems.add(path + ": broker " + expected + ", SM " + actual);
    }
    return problems;
  }
}

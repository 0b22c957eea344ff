package dev.servicemanager.testkit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.servicemanager.testkit.FakeCatalog.DEFAULT_SERVICE_ID;
import static dev.servicemanager.testkit.FakeCatalog.LARGE_PLAN_ID;
import static dev.servicemanager.testkit.FakeCatalog.SMALL_PLAN_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(value = 20, unit = TimeUnit.SECONDS)
class FakeBrokerTest {
    private static final String INSTANCE = "/v2/service_instances/i1";
    private static final String BINDING = INSTANCE + "/service_bindings/b1";
    private static final String DELETE_QUERY = "?service_id=" + DEFAULT_SERVICE_ID + "&plan_id=" + SMALL_PLAN_ID;
    private static final String PROVISION_BODY =
            "{\"service_id\":\"" + DEFAULT_SERVICE_ID + "\",\"plan_id\":\"" + SMALL_PLAN_ID + "\",\"parameters\":{\"size\":\"s\"}}";
    private static final String BIND_BODY =
            "{\"service_id\":\"" + DEFAULT_SERVICE_ID + "\",\"plan_id\":\"" + SMALL_PLAN_ID + "\"}";

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private FakeBroker broker;

    @BeforeEach
    void startBroker() {
        broker = FakeBroker.start();
    }

    @AfterEach
    void closeBroker() {
        broker.close();
    }

    // ---------------------------------------------------------------- auth, version, routing

    @Test
    void requestsWithoutOrWithWrongBasicAuthAreRejectedWith401AndStillRecorded() throws Exception {
        HttpResponse<String> none = client.send(HttpRequest.newBuilder(uri("/v2/catalog"))
                .header("X-Broker-API-Version", "2.17").timeout(Duration.ofSeconds(5)).build(), ofString());
        HttpResponse<String> wrong = client.send(HttpRequest.newBuilder(uri("/v2/catalog"))
                .header("X-Broker-API-Version", "2.17")
                .header("Authorization", basic(broker.username(), "not-the-password"))
                .timeout(Duration.ofSeconds(5)).build(), ofString());

        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(Json.parseObject(none.body())).containsKey("description");
        assertThat(none.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(broker.requests()).hasSize(2);
        assertThat(broker.requests().get(1).header("Authorization")).isEqualTo(basic(broker.username(), "not-the-password"));
    }

    @Test
    void requestsWithoutTheBrokerApiVersionHeaderAreRejectedWith412() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri("/v2/catalog"))
                .header("Authorization", broker.authorizationHeader()).timeout(Duration.ofSeconds(5)).build(), ofString());

        assertThat(response.statusCode()).isEqualTo(412);
        assertThat(Json.parseObject(response.body()).get("description")).asString().contains("X-Broker-API-Version");
        assertThat(broker.requests()).hasSize(1);
    }

    @Test
    void unknownRoutesAnswer404WithAJsonDescription() throws Exception {
        HttpResponse<String> unknown = get("/v2/nothing");
        HttpResponse<String> wrongMethod = send("POST", "/v2/catalog", "{}");
        HttpResponse<String> trailingSlash = get("/v2/catalog/");

        assertThat(List.of(unknown.statusCode(), wrongMethod.statusCode(), trailingSlash.statusCode())).containsOnly(404);
        assertThat(Json.parseObject(unknown.body())).containsKey("description");
        assertThat(unknown.headers().firstValue("Content-Type")).hasValue("application/json");
    }

    @Test
    void urlHasNoTrailingSlashAndPointsAtLoopback() {
        assertThat(broker.url()).startsWith("http://127.0.0.1:").doesNotEndWith("/");
        assertThat(broker.username()).isEqualTo("broker-user");
        assertThat(broker.password()).isNotBlank();
    }

    // ---------------------------------------------------------------- catalog

    @Test
    void theDefaultCatalogIsServedAndCanBeReplacedByMapOrRawJson() throws Exception {
        HttpResponse<String> first = get("/v2/catalog");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(first.body()).contains("\"small\"", "\"large\"", SMALL_PLAN_ID, LARGE_PLAN_ID);
        assertThat(Json.parseObject(first.body())).isEqualTo(broker.catalog());

        Map<String, Object> generated = FakeCatalog.generate(2, 3);
        broker.catalog(generated);
        assertThat(Json.parseObject(get("/v2/catalog").body())).isEqualTo(generated);
        assertThat(broker.catalog()).isEqualTo(generated);

        broker.catalogJson("{\"services\":[]}");
        assertThat(get("/v2/catalog").body()).isEqualTo("{\"services\":[]}");
        assertThat(broker.catalog()).isEqualTo(Map.of("services", List.of()));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aGeneratedCatalogOfTenServicesWithAHundredPlansEachHasAThousandUniquePlanIds() {
        Map<String, Object> catalog = FakeCatalog.generate(10, 100);

        List<Map<String, Object>> services = (List<Map<String, Object>>) catalog.get("services");
        assertThat(services).hasSize(10);
        Set<Object> planIds = new HashSet<>();
        Set<Object> serviceNames = new HashSet<>();
        for (Map<String, Object> service : services) {
            assertThat(service).containsKeys("id", "name", "description", "bindable", "plans")
                    .containsEntry("bindable", true).containsEntry("plan_updateable", true)
                    .containsEntry("instances_retrievable", true).containsEntry("bindings_retrievable", true);
            serviceNames.add(service.get("name"));
            List<Map<String, Object>> plans = (List<Map<String, Object>>) service.get("plans");
            assertThat(plans).hasSize(100);
            assertThat(plans.get(0)).containsKey("schemas");
            assertThat(plans.get(1)).doesNotContainKey("schemas");
            Set<Object> planNames = new HashSet<>();
            for (Map<String, Object> plan : plans) {
                assertThat(plan).containsKeys("id", "name", "description", "free", "metadata");
                planIds.add(plan.get("id"));
                planNames.add(plan.get("name"));
            }
            assertThat(planNames).hasSize(100);
        }
        assertThat(planIds).hasSize(1000).contains("plan-0-0", "plan-9-99");
        assertThat(serviceNames).hasSize(10);
        assertThat(services.get(3).get("id")).isEqualTo("service-3");
        assertThat(Json.parseObject(Json.write(catalog))).isEqualTo(catalog);
    }

    // ---------------------------------------------------------------- instances

    @Test
    void provisionAnswers201ThenIdenticalRepeat200ThenConflict409() throws Exception {
        HttpResponse<String> created = send("PUT", INSTANCE, PROVISION_BODY);
        HttpResponse<String> again = send("PUT", INSTANCE, PROVISION_BODY);
        HttpResponse<String> conflict = send("PUT", INSTANCE, PROVISION_BODY.replace(SMALL_PLAN_ID, LARGE_PLAN_ID));

        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(Json.parseObject(created.body())).containsEntry("dashboard_url", "http://dashboard/i1");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).isEqualTo("{}");
        assertThat(conflict.statusCode()).isEqualTo(409);
        assertThat(broker.instances()).containsOnlyKeys("i1");
        assertThat(broker.instances().get("i1")).containsEntry("plan_id", SMALL_PLAN_ID);

        HttpResponse<String> fetched = get(INSTANCE);
        assertThat(fetched.statusCode()).isEqualTo(200);
        assertThat(Json.parseObject(fetched.body())).containsEntry("service_id", DEFAULT_SERVICE_ID)
                .containsEntry("plan_id", SMALL_PLAN_ID).containsEntry("parameters", Map.of("size", "s"));
        assertThat(get("/v2/service_instances/other").statusCode()).isEqualTo(404);
    }

    @Test
    void provisionRejectsBodiesWithoutKnownServiceAndPlanWith400() throws Exception {
        assertThat(send("PUT", INSTANCE, "{\"service_id\":\"" + DEFAULT_SERVICE_ID + "\"}").statusCode()).isEqualTo(400);
        assertThat(send("PUT", INSTANCE, "{\"service_id\":\"" + DEFAULT_SERVICE_ID + "\",\"plan_id\":\"nope\"}")
                .statusCode()).isEqualTo(400);
        assertThat(send("PUT", INSTANCE, "not json").statusCode()).isEqualTo(400);
        assertThat(broker.instances()).isEmpty();
    }

    @Test
    void updateChangesThePlanAndParametersOfAStoredInstanceAndAnswers404ForUnknownOnes() throws Exception {
        send("PUT", INSTANCE, PROVISION_BODY);

        HttpResponse<String> updated = send("PATCH", INSTANCE,
                "{\"service_id\":\"" + DEFAULT_SERVICE_ID + "\",\"plan_id\":\"" + LARGE_PLAN_ID + "\"}");
        HttpResponse<String> badPlan = send("PATCH", INSTANCE,
                "{\"service_id\":\"" + DEFAULT_SERVICE_ID + "\",\"plan_id\":\"nope\"}");
        HttpResponse<String> unknown = send("PATCH", "/v2/service_instances/other",
                "{\"service_id\":\"" + DEFAULT_SERVICE_ID + "\"}");

        assertThat(updated.statusCode()).isEqualTo(200);
        assertThat(updated.body()).isEqualTo("{}");
        assertThat(badPlan.statusCode()).isEqualTo(400);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(broker.instances().get("i1")).containsEntry("plan_id", LARGE_PLAN_ID)
                .containsEntry("parameters", Map.of("size", "s"));
    }

    @Test
    void deprovisionAnswers200Then410AndRequiresServiceAndPlanIdQueryParameters() throws Exception {
        send("PUT", INSTANCE, PROVISION_BODY);

        HttpResponse<String> missingPlan = send("DELETE", INSTANCE + "?service_id=" + DEFAULT_SERVICE_ID, null);
        HttpResponse<String> missingBoth = send("DELETE", INSTANCE, null);
        assertThat(missingPlan.statusCode()).isEqualTo(400);
        assertThat(missingBoth.statusCode()).isEqualTo(400);
        assertThat(broker.instances()).containsKey("i1");

        HttpResponse<String> deleted = send("DELETE", INSTANCE + DELETE_QUERY, null);
        HttpResponse<String> gone = send("DELETE", INSTANCE + DELETE_QUERY, null);
        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(deleted.body()).isEqualTo("{}");
        assertThat(gone.statusCode()).isEqualTo(410);
        assertThat(gone.body()).isEqualTo("{}");
        assertThat(broker.instances()).isEmpty();
    }

    // ---------------------------------------------------------------- bindings

    @Test
    void bindAndUnbindFollowTheSpecAndDeprovisionDropsBindings() throws Exception {
        assertThat(send("PUT", BINDING, BIND_BODY).statusCode()).as("no instance yet").isEqualTo(404);
        send("PUT", INSTANCE, PROVISION_BODY);

        HttpResponse<String> created = send("PUT", BINDING, BIND_BODY);
        HttpResponse<String> again = send("PUT", BINDING, BIND_BODY);
        HttpResponse<String> conflict = send("PUT", BINDING, BIND_BODY.replace("}", ",\"parameters\":{\"role\":\"x\"}}"));

        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(Json.parseObject(created.body())).isEqualTo(Map.of("credentials",
                Map.of("username", "u-b1", "password", "p-b1", "uri", "fake://i1/b1")));
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).isEqualTo(created.body());
        assertThat(conflict.statusCode()).isEqualTo(409);
        assertThat(broker.bindings()).containsOnlyKeys("b1");
        assertThat(broker.bindingInstanceId("b1")).isEqualTo("i1");

        HttpResponse<String> fetched = get(BINDING);
        assertThat(fetched.statusCode()).isEqualTo(200);
        assertThat(Json.parseObject(fetched.body())).containsKey("credentials");
        assertThat(get(INSTANCE + "/service_bindings/other").statusCode()).isEqualTo(404);

        assertThat(send("DELETE", BINDING, null).statusCode()).as("no query").isEqualTo(400);
        assertThat(send("DELETE", BINDING + DELETE_QUERY, null).statusCode()).isEqualTo(200);
        assertThat(send("DELETE", BINDING + DELETE_QUERY, null).statusCode()).isEqualTo(410);

        send("PUT", INSTANCE + "/service_bindings/b2", BIND_BODY);
        assertThat(broker.bindings()).containsOnlyKeys("b2");
        send("DELETE", INSTANCE + DELETE_QUERY, null);
        assertThat(broker.bindings()).isEmpty();
    }

    // ---------------------------------------------------------------- recording

    @Test
    void requestsAreRecordedWithLowerCaseHeaderNamesDecodedQueryAndBody() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri(INSTANCE + "?accepts_incomplete=true&note=a%20b%26c"))
                .header("Authorization", broker.authorizationHeader())
                .header("X-Broker-API-Version", "2.17")
                .header("X-Broker-API-Originating-Identity", "cloudfoundry eyJ1c2VyX2lkIjoiMSJ9")
                .header("X-Broker-API-Request-Identity", "req-42")
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(PROVISION_BODY))
                .timeout(Duration.ofSeconds(5)).build(), ofString());

        assertThat(response.headers().firstValue("X-Broker-API-Request-Identity")).hasValue("req-42");
        RecordedRequest recorded = broker.requests("PUT", "/v2/service_instances/").get(0);
        assertThat(recorded.method()).isEqualTo("PUT");
        assertThat(recorded.path()).isEqualTo(INSTANCE);
        assertThat(recorded.query()).isEqualTo(Map.of("accepts_incomplete", "true", "note", "a b&c"));
        assertThat(recorded.headers()).containsKeys("authorization", "x-broker-api-version", "x-broker-api-originating-identity");
        assertThat(recorded.header("X-BROKER-API-ORIGINATING-IDENTITY")).isEqualTo("cloudfoundry eyJ1c2VyX2lkIjoiMSJ9");
        assertThat(recorded.json()).containsEntry("plan_id", SMALL_PLAN_ID);
        assertThat(recorded.route()).isEqualTo(Route.PROVISION);
        assertThat(recorded.instanceId()).isEqualTo("i1");
        assertThat(broker.requests(Route.PROVISION)).containsExactly(recorded);
        assertThat(broker.requests("GET", null)).isEmpty();
    }

    @Test
    void percentEncodedIdsAreRecordedRawAndDecodedByTheHelpers() throws Exception {
        send("PUT", "/v2/service_instances/a%2Fb%20c", PROVISION_BODY);

        RecordedRequest recorded = broker.requests().get(0);
        assertThat(recorded.path()).isEqualTo("/v2/service_instances/a%2Fb%20c");
        assertThat(recorded.instanceId()).isEqualTo("a/b c");
        assertThat(broker.instances()).containsOnlyKeys("a/b c");
    }

    // ---------------------------------------------------------------- scripted behaviour

    @Test
    void asyncProvisionIsPolledThroughALastOperationSequenceAndThenStored() throws Exception {
        broker.on(Route.PROVISION, Responder.async("op-1"));
        broker.on(Route.INSTANCE_LAST_OPERATION,
                Responder.lastOperationSequence("in progress", "in progress", "succeeded").withHeader("Retry-After", "1"));

        HttpResponse<String> accepted = send("PUT", INSTANCE + "?accepts_incomplete=true", PROVISION_BODY);
        assertThat(accepted.statusCode()).isEqualTo(202);
        assertThat(Json.parseObject(accepted.body())).isEqualTo(Map.of("operation", "op-1"));
        assertThat(get(INSTANCE).statusCode()).as("not visible while provisioning").isEqualTo(404);

        String poll = INSTANCE + "/last_operation?operation=op-1";
        HttpResponse<String> first = get(poll);
        assertThat(Json.parseObject(first.body())).containsEntry("state", "in progress");
        assertThat(first.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(Json.parseObject(get(poll).body())).containsEntry("state", "in progress");
        assertThat(broker.instances()).isEmpty();
        assertThat(Json.parseObject(get(poll).body())).containsEntry("state", "succeeded");
        assertThat(Json.parseObject(get(poll).body())).as("repeats the last state").containsEntry("state", "succeeded");

        assertThat(broker.instances()).containsOnlyKeys("i1");
        assertThat(get(INSTANCE).statusCode()).isEqualTo(200);
        assertThat(broker.requests(Route.INSTANCE_LAST_OPERATION)).hasSize(4)
                .allSatisfy(r -> assertThat(r.query()).containsEntry("operation", "op-1"));
    }

    @Test
    void asyncProvisionWithTheDefaultLastOperationSucceedsAfterTheConfiguredPolls() throws Exception {
        broker.on(Route.PROVISION, Responder.async("op-2"));
        broker.pollsBeforeSuccess(Route.INSTANCE_LAST_OPERATION, 2);

        assertThat(send("PUT", INSTANCE + "?accepts_incomplete=true", PROVISION_BODY).statusCode()).isEqualTo(202);
        assertThat(send("PUT", INSTANCE + "?accepts_incomplete=true", PROVISION_BODY).statusCode())
                .as("re-sent while running").isEqualTo(202);
        String poll = INSTANCE + "/last_operation";
        assertThat(Json.parseObject(get(poll).body())).containsEntry("state", "in progress");
        assertThat(Json.parseObject(get(poll).body())).containsEntry("state", "in progress");
        assertThat(Json.parseObject(get(poll).body())).containsEntry("state", "succeeded");
        assertThat(broker.instances()).containsOnlyKeys("i1");
        assertThat(Json.parseObject(get(poll).body())).containsEntry("state", "succeeded");
    }

    @Test
    void asyncBindAndDeprovisionAreAppliedWhenTheirLastOperationSucceeds() throws Exception {
        send("PUT", INSTANCE, PROVISION_BODY);
        broker.on(Route.BIND, Responder.async(null));
        broker.on(Route.DEPROVISION, Responder.async("del"));

        assertThat(send("PUT", BINDING + "?accepts_incomplete=true", BIND_BODY).statusCode()).isEqualTo(202);
        assertThat(broker.bindings()).isEmpty();
        assertThat(Json.parseObject(get(BINDING + "/last_operation").body())).containsEntry("state", "succeeded");
        assertThat(broker.bindings()).containsOnlyKeys("b1");

        assertThat(send("DELETE", INSTANCE + DELETE_QUERY + "&accepts_incomplete=true", null).statusCode()).isEqualTo(202);
        assertThat(broker.instances()).containsKey("i1");
        assertThat(Json.parseObject(get(INSTANCE + "/last_operation").body())).containsEntry("state", "succeeded");
        assertThat(broker.instances()).isEmpty();
        assertThat(broker.bindings()).isEmpty();
    }

    @Test
    void aFailedLastOperationLeavesTheResourceUncreated() throws Exception {
        broker.on(Route.PROVISION, Responder.async("op"));
        broker.on(Route.INSTANCE_LAST_OPERATION, Responder.lastOperationSequence("failed"));

        send("PUT", INSTANCE + "?accepts_incomplete=true", PROVISION_BODY);
        assertThat(Json.parseObject(get(INSTANCE + "/last_operation").body())).containsEntry("state", "failed");
        assertThat(broker.instances()).isEmpty();
    }

    @Test
    void asyncWithoutAcceptsIncompleteAnswers422AsyncRequired() throws Exception {
        broker.on(Route.PROVISION, Responder.async("op"));

        HttpResponse<String> response = send("PUT", INSTANCE, PROVISION_BODY);

        assertThat(response.statusCode()).isEqualTo(422);
        assertThat(Json.parseObject(response.body())).containsEntry("error", "AsyncRequired");
    }

    @Test
    void failTimesThenFailsTheFirstCallsWithoutChangingStateAndThenDelegatesToTheDefaultHandler() throws Exception {
        broker.on(Route.PROVISION, Responder.failTimesThen(2, 500, Responder.defaults()));

        HttpResponse<String> first = send("PUT", INSTANCE, PROVISION_BODY);
        HttpResponse<String> second = send("PUT", INSTANCE, PROVISION_BODY);
        assertThat(first.statusCode()).isEqualTo(500);
        assertThat(Json.parseObject(first.body())).containsKey("description");
        assertThat(second.statusCode()).isEqualTo(500);
        assertThat(broker.instances()).as("a scripted failure stores nothing").isEmpty();

        assertThat(send("PUT", INSTANCE, PROVISION_BODY).statusCode()).isEqualTo(201);
        assertThat(send("PUT", INSTANCE, PROVISION_BODY).statusCode()).isEqualTo(200);
        assertThat(broker.requests(Route.PROVISION)).hasSize(4);
    }

    @Test
    void malformedAnswersTheStatusWithABodyThatIsNotJson() throws Exception {
        broker.on(Route.BIND, Responder.malformed(201));

        HttpResponse<String> response = send("PUT", BINDING, BIND_BODY);

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.body()).isEqualTo("{\"broken");
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(Json.parseObjectOrNull(response.body())).isNull();
    }

    @Test
    void goneAndRawRespondersAnswerWhatTheySay() throws Exception {
        broker.on(Route.INSTANCE_LAST_OPERATION, Responder.gone());
        broker.on(Route.CATALOG, Responder.respond(500, Map.of("error", "Boom")).withHeader("X-Extra", "1"));

        HttpResponse<String> gone = get(INSTANCE + "/last_operation");
        HttpResponse<String> catalog = get("/v2/catalog");

        assertThat(gone.statusCode()).isEqualTo(410);
        assertThat(gone.body()).isEqualTo("{}");
        assertThat(catalog.statusCode()).isEqualTo(500);
        assertThat(catalog.headers().firstValue("X-Extra")).hasValue("1");
    }

    @Test
    void delayHoldsTheAnswerForTheGivenDurationAndCanTriggerClientTimeouts() throws Exception {
        broker.on(Route.CATALOG, Responder.delay(Duration.ofMillis(300), Responder.defaults()));

        long start = System.nanoTime();
        HttpResponse<String> response = get("/v2/catalog");
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(elapsedMillis).isGreaterThanOrEqualTo(290);

        broker.on(Route.CATALOG, Responder.delay(Duration.ofSeconds(5), Responder.defaults()));
        assertThatThrownBy(() -> client.send(request("GET", "/v2/catalog", null).timeout(Duration.ofMillis(200)).build(),
                ofString())).isInstanceOf(HttpTimeoutException.class);
    }

    @Test
    void hangIsReleasedWhenTheBrokerIsClosedWithinABoundedTime() throws Exception {
        broker.on(Route.PROVISION, Responder.hang());
        CompletableFuture<HttpResponse<String>> pending = client.sendAsync(
                request("PUT", INSTANCE, PROVISION_BODY).timeout(Duration.ofSeconds(15)).build(), ofString());
        awaitRequests(Route.PROVISION, 1);
        assertThat(pending).isNotDone();

        long start = System.nanoTime();
        broker.close();
        long closeMillis = (System.nanoTime() - start) / 1_000_000;

        assertThat(closeMillis).isLessThan(5_000);
        // the held request ends promptly: either the 503 got out or the connection was closed under it
        try {
            assertThat(pending.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(503);
        } catch (java.util.concurrent.ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(IOException.class);
        }
    }

    @Test
    void hangingRequestsDoNotBlockOtherRequests() throws Exception {
        broker.on(Route.PROVISION, Responder.hang());
        List<CompletableFuture<HttpResponse<String>>> held = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            held.add(client.sendAsync(request("PUT", "/v2/service_instances/h" + i, PROVISION_BODY)
                    .timeout(Duration.ofSeconds(15)).build(), ofString()));
        }
        awaitRequests(Route.PROVISION, 8);

        HttpClient defaultClient = HttpClient.newHttpClient(); // HTTP/2 upgrade attempt, as a default client does
        HttpResponse<String> catalog = defaultClient.send(request("GET", "/v2/catalog", null).build(), ofString());

        assertThat(catalog.statusCode()).isEqualTo(200);
        assertThat(held).noneMatch(CompletableFuture::isDone);
        broker.reset();
        for (CompletableFuture<HttpResponse<String>> f : held) {
            assertThat(f.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(503);
        }
    }

    @Test
    void hangIsReleasedByReset() throws Exception {
        broker.on(Route.CATALOG, Responder.hang());
        CompletableFuture<HttpResponse<String>> pending = client.sendAsync(
                request("GET", "/v2/catalog", null).timeout(Duration.ofSeconds(15)).build(), ofString());
        awaitRequests(Route.CATALOG, 1);

        broker.reset();

        assertThat(pending.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(503);
        assertThat(get("/v2/catalog").statusCode()).as("default handler is back").isEqualTo(200);
    }

    @Test
    void resetClearsRequestsOverridesStateAndRestoresTheDefaultCatalog() throws Exception {
        send("PUT", INSTANCE, PROVISION_BODY);
        send("PUT", BINDING, BIND_BODY);
        broker.catalog(FakeCatalog.generate(1, 1));
        broker.on(Route.FETCH_INSTANCE, Responder.gone());
        broker.pollsBeforeSuccess(Route.INSTANCE_LAST_OPERATION, 5);

        broker.reset();

        assertThat(broker.requests()).isEmpty();
        assertThat(broker.instances()).isEmpty();
        assertThat(broker.bindings()).isEmpty();
        assertThat(broker.catalog()).isEqualTo(FakeCatalog.defaultCatalog());
        assertThat(get(INSTANCE).statusCode()).as("override dropped, instance gone").isEqualTo(404);
        assertThat(broker.requests()).hasSize(1);
    }

    @Test
    void defaultsAndHangRefuseToRunOutsideABroker() {
        RecordedRequest request = new RecordedRequest("GET", "/v2/catalog", Map.of(), Map.of(), "");
        assertThatThrownBy(() -> Responder.defaults().handle(request)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Responder.hang().handle(request)).isInstanceOf(IllegalStateException.class);
    }

    // ---------------------------------------------------------------- helpers

    private void awaitRequests(Route route, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (broker.requests(route).size() < n) {
            assertThat(System.nanoTime()).as("waiting for %s %s request(s)", n, route).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    private URI uri(String pathAndQuery) {
        return URI.create(broker.url() + pathAndQuery);
    }

    private HttpRequest.Builder request(String method, String pathAndQuery, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(pathAndQuery))
                .header("Authorization", broker.authorizationHeader())
                .header("X-Broker-API-Version", "2.17")
                .timeout(Duration.ofSeconds(5));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    }

    private HttpResponse<String> send(String method, String pathAndQuery, String body) throws IOException, InterruptedException {
        return client.send(request(method, pathAndQuery, body).build(), ofString());
    }

    private HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return send("GET", pathAndQuery, null);
    }

    private static HttpResponse.BodyHandler<String> ofString() {
        return HttpResponse.BodyHandlers.ofString();
    }

    private static String basic(String user, String password) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password).getBytes());
    }
}

package dev.servicemanager.compass;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Runtime Provisioner end to end: the real Service Manager on embedded PostgreSQL, the fabric8
 * mock API server as the cluster, the agent's pairing done at the Connector as broker-proxy-k8s would
 * (with the token from the Secret the provisioner wrote), a local webhook receiver.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProvisionerIT {
  static final Duration WAIT = Duration.ofSeconds(20);
  static final String OP = "id operation state step message lastError failures runtimeID createdAt updatedAt finishedAt";
  static final String PROVISION = "mutation($c: ProvisionRuntimeInput!) { provisionRuntime(config: $c) { " + OP + " } }";
  static final String UPGRADE = "mutation($id: ID!, $c: UpgradeRuntimeInput!) { upgradeRuntime(id: $id, config: $c) { " + OP + " } }";
  static final String DEPROVISION = "mutation($id: ID!) { deprovisionRuntime(id: $id) }";
  static final String OPERATION = "query($id: ID!) { runtimeOperationStatus(id: $id) { " + OP + " } }";
  static final String STATUS = "query($id: ID!) { runtimeStatus(id: $id) { runtimeID name condition platformID"
      + " lastOperationStatus { " + OP + " } runtimeConfiguration { provider namespace agentImage configuration } } }";
  static final Map<String, Object> FAST = Map.of("compass.provisioner.poll-interval", "200ms",
      "compass.webhooks.poll-interval", "200ms", "compass.provisioner.disconnected-after", "1500ms");
  private CompassServer sm;
  private Cluster cluster;
  private HttpServer receiver;
  private final List<String> received = new CopyOnWriteArrayList<>();

  @BeforeAll
  void start() throws Exception {
    sm = new CompassServer(FAST);
    cluster = Cluster.crud();
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", ex -> {
      received.add(ex.getRequestHeaders().getFirst("X-Compass-Event") + " " + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      ex.sendResponseHeaders(204, -1);
      ex.close();
    });
    receiver.start();
  }

  @AfterAll
  void stop() {
    receiver.stop(0);
    cluster.close();
    sm.close();
  }

  static Map<String, Object> config(String name, String kubeconfig, String namespace, Map<String, Object> configuration) {
    return Map.of("runtimeInput", Map.of("name", name, "labels", Map.of("scenarios", List.of("DEFAULT"))),
        "clusterConfig", Map.of("kubeconfig", kubeconfig, "namespace", namespace, "agentImage", "registry.example.com/broker-proxy-k8s:1",
            "configuration", configuration));
  }

  static JsonNode ok(CompassServer.Response r, String field) {
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.json().path("errors").isMissingNode()).as(r.body()).isTrue();
    return r.data(field);
  }

  static JsonNode awaitOperation(CompassServer sm, String tenant, String id, String state) {
    await().atMost(WAIT).until(() -> state.equals(sm.provisioner(tenant, OPERATION, Map.of("id", id))
        .data("runtimeOperationStatus").path("state").asText()));
    return sm.provisioner(tenant, OPERATION, Map.of("id", id)).data("runtimeOperationStatus");
  }

  /** What broker-proxy-k8s does with the Secret's token: configuration, then the CSR; returns the credentials. */
  static JsonNode pair(CompassServer sm, String token) throws Exception {
    JsonNode info = ok(sm.connector(token, ConnectorPairingIT.CONFIGURATION, Map.of()), "configuration");
    String subject = info.path("certificateSigningRequestInfo").path("subject").asText();
    return ok(sm.connector(info.path("token").path("token").asText(), ConnectorPairingIT.SIGN,
        Map.of("csr", ConnectorPairingIT.csr(subject))), "signCertificateSigningRequest").path("platformCredentials");
  }

  private void awaitCondition(String tenant, String runtime, String condition) {
    await().atMost(WAIT).until(() -> condition.equals(
        sm.provisioner(tenant, STATUS, Map.of("id", runtime)).data("runtimeStatus").path("condition").asText()));
    assertThat(sm.director(tenant, "query($id: ID!) { runtime(id: $id) { status { condition } } }", Map.of("id", runtime))
        .data("runtime").path("status").path("condition").asText()).isIn(condition, "CONNECTED", "DISCONNECTED");
  }

  /** An agent's notification websocket, pinging every 200 ms as agents do (what the core counts as active). */
  private AutoCloseable notifications(JsonNode credentials) {
    java.net.http.WebSocket ws = java.net.http.HttpClient.newHttpClient().newWebSocketBuilder()
        .header("Authorization", CompassServer.basic(credentials.path("username").asText(), credentials.path("password").asText()))
        .buildAsync(java.net.URI.create(sm.url.replace("http://", "ws://") + "/v1/notifications"),
            new java.net.http.WebSocket.Listener() {})
        .join();
    var pinger = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    pinger.scheduleWithFixedDelay(() -> ws.sendPing(java.nio.ByteBuffer.wrap(new byte[] {1})), 0, 200,
        java.util.concurrent.TimeUnit.MILLISECONDS);
    return () -> {
      pinger.shutdownNow();
      ws.sendClose(java.net.http.WebSocket.NORMAL_CLOSURE, "bye").join();
    };
  }

  static String objectName(String runtimeId) {
    return "sm-runtime-" + runtimeId;
  }

  @Test
  void provisionPairConnectNotifyUpgradeAndDeprovision() throws Exception {
    String tenant = "t-prov";
    String app = ok(sm.director(tenant, ApplicationsIT.REGISTER, Map.of("in", Map.of("name", "orders"))), "registerApplication")
        .path("id").asText();
    ok(sm.director(tenant, WebhooksIT.ADD_TO_APP, Map.of("a", app, "in", Map.of("type", "CONFIGURATION_CHANGED",
        "url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook"))), "addWebhook");

    CompassServer.Response started = sm.provisioner(tenant, PROVISION, Map.of("c", config("edge", cluster.kubeconfig(), "edge-ns",
        Map.of("region", "eu"))));
    JsonNode op = ok(started, "provisionRuntime");
    assertThat(op.path("operation").asText()).isEqualTo("Provision");
    assertThat(op.path("state").asText()).isEqualTo("Pending");
    assertThat(started.body()).doesNotContain(Cluster.CLUSTER_TOKEN);
    String runtime = op.path("runtimeID").asText();
    String name = objectName(runtime);

    // The objects appear, labelled; the runtime waits for its agent and nobody is told yet.
    await().atMost(WAIT).until(() -> "WAIT_PAIRED".equals(sm.provisioner(tenant, OPERATION, Map.of("id", op.path("id").asText()))
        .data("runtimeOperationStatus").path("step").asText()));
    var k = cluster.client;
    assertThat(k.namespaces().withName("edge-ns").get().getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "service-manager-provisioner").containsEntry("servicemanager.dev/runtime-id", runtime);
    assertThat(k.serviceAccounts().inNamespace("edge-ns").withName(name).get()).isNotNull();
    assertThat(k.rbac().roles().inNamespace("edge-ns").withName(name).get().getRules()).isNotEmpty();
    assertThat(k.rbac().roleBindings().inNamespace("edge-ns").withName(name).get().getSubjects().get(0).getName()).isEqualTo(name);
    Deployment deployment = k.apps().deployments().inNamespace("edge-ns").withName(name).get();
    assertThat(deployment.getMetadata().getLabels()).containsEntry("servicemanager.dev/runtime-id", runtime);
    assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("registry.example.com/broker-proxy-k8s:1");
    assertThat(deployment.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo(name);
    Secret secret = k.secrets().inNamespace("edge-ns").withName(name).get();
    assertThat(Cluster.value(secret, "SM_URL")).isEqualTo(sm.url);
    assertThat(Cluster.value(secret, "SM_CONNECTOR_URL")).isEqualTo(sm.url + "/compass/connector/graphql");
    assertThat(CompassServer.JSON.readTree(Cluster.value(secret, "RUNTIME_CONFIGURATION")).path("region").asText()).isEqualTo("eu");
    String token = Cluster.value(secret, "SM_ONE_TIME_TOKEN");
    assertThat(token).isNotBlank();
    JsonNode status = ok(sm.provisioner(tenant, STATUS, Map.of("id", runtime)), "runtimeStatus");
    assertThat(status.path("condition").asText()).isEqualTo("PROVISIONING");
    assertThat(status.path("runtimeConfiguration").path("namespace").asText()).isEqualTo("edge-ns");
    Thread.sleep(600);
    assertThat(received).isEmpty();

    // The kubeconfig is stored encrypted.
    try (Connection c = sm.database(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT target_secret FROM compass_provisioned_runtimes")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).doesNotContain(Cluster.CLUSTER_TOKEN).doesNotContain("clusters");
    }

    // The agent pairs: CONNECTED, and the application hears of the runtime.
    JsonNode credentials = pair(sm, token);
    assertThat(credentials.path("platformID").asText()).isEqualTo(status.path("platformID").asText());
    // ... and, as broker-proxy-k8s does with them, connects to the notifications and pings.
    AutoCloseable socket = notifications(credentials);
    JsonNode done = awaitOperation(sm, tenant, op.path("id").asText(), "Succeeded");
    assertThat(done.path("step").asText()).isEqualTo("DONE");
    awaitCondition(tenant, runtime, "CONNECTED");
    assertThat(ok(sm.director(tenant, "query($id: ID!) { runtime(id: $id) { status { condition } } }", Map.of("id", runtime)), "runtime")
        .path("status").path("condition").asText()).isEqualTo("CONNECTED");
    await().atMost(WAIT).until(() -> !received.isEmpty());
    assertThat(received).hasSize(1);
    JsonNode event = CompassServer.JSON.readTree(received.get(0).substring(received.get(0).indexOf(' ') + 1));
    assertThat(received.get(0)).startsWith("CONFIGURATION_CHANGED ");
    assertThat(event.path("runtime").path("id").asText()).isEqualTo(runtime);
    assertThat(event.path("application").path("id").asText()).isEqualTo(app);
    assertThat(event.path("change").asText()).isEqualTo("RUNTIME_JOINED");

    // An agent that goes silent makes the runtime DISCONNECTED after disconnected-after; back when it returns.
    Thread.sleep(2000); // longer than disconnected-after: a pinging agent keeps it CONNECTED
    awaitCondition(tenant, runtime, "CONNECTED");
    socket.close();
    awaitCondition(tenant, runtime, "DISCONNECTED");
    socket = notifications(credentials);
    awaitCondition(tenant, runtime, "CONNECTED");
    socket.close();

    // The token from the Secret works once only.
    assertThat(sm.connector(token, ConnectorPairingIT.CONFIGURATION, Map.of()).firstError()).contains("has already been used");

    // Upgrade patches the same objects (no duplicates) and keeps the token the agent was given.
    JsonNode upgrade = ok(sm.provisioner(tenant, UPGRADE, Map.of("id", runtime,
        "c", Map.of("agentImage", "registry.example.com/broker-proxy-k8s:2", "configuration", Map.of("region", "us")))), "upgradeRuntime");
    awaitOperation(sm, tenant, upgrade.path("id").asText(), "Succeeded");
    assertThat(k.apps().deployments().inNamespace("edge-ns").withLabel("servicemanager.dev/runtime-id", runtime).list().getItems()).hasSize(1);
    assertThat(k.apps().deployments().inNamespace("edge-ns").withName(name).get().getSpec().getTemplate().getSpec().getContainers()
        .get(0).getImage()).isEqualTo("registry.example.com/broker-proxy-k8s:2");
    Secret upgraded = k.secrets().inNamespace("edge-ns").withName(name).get();
    assertThat(CompassServer.JSON.readTree(Cluster.value(upgraded, "RUNTIME_CONFIGURATION")).path("region").asText()).isEqualTo("us");
    assertThat(Cluster.value(upgraded, "SM_ONE_TIME_TOKEN")).isEqualTo(token);

    // The Secret a paired broker-proxy-k8s keeps its credentials in (K8S_CREDENTIALS_SECRET) goes too.
    assertThat(deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .anyMatch(e -> e.getName().equals("K8S_CREDENTIALS_SECRET") && e.getValue().equals(name + "-credentials"));
    k.secrets().inNamespace("edge-ns").resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata()
        .withName(name + "-credentials").endMetadata().addToData("username", "dXNlcg==").build()).create();

    // Deprovision removes the objects, then the runtime and its platform.
    String deprovision = ok(sm.provisioner(tenant, DEPROVISION, Map.of("id", runtime)), "deprovisionRuntime").asText();
    awaitOperation(sm, tenant, deprovision, "Succeeded");
    assertThat(k.namespaces().withName("edge-ns").get()).isNull();
    assertThat(k.apps().deployments().inAnyNamespace().list().getItems()).isEmpty();
    assertThat(k.secrets().inAnyNamespace().withLabel("servicemanager.dev/runtime-id", runtime).list().getItems()).isEmpty();
    assertThat(k.secrets().inNamespace("edge-ns").withName(name + "-credentials").get()).isNull();
    assertThat(k.rbac().roles().inAnyNamespace().list().getItems()).isEmpty();
    assertThat(k.rbac().roleBindings().inAnyNamespace().list().getItems()).isEmpty();
    assertThat(k.serviceAccounts().inAnyNamespace().withLabel("servicemanager.dev/runtime-id", runtime).list().getItems()).isEmpty();
    assertThat(sm.director(tenant, "query($id: ID!) { runtime(id: $id) { id } }", Map.of("id", runtime)).data("runtime").isNull()).isTrue();
    assertThat(sm.get("/v1/platforms/" + status.path("platformID").asText(), "Bearer " + sm.adminToken()).status()).isEqualTo(404);
    JsonNode gone = ok(sm.provisioner(tenant, STATUS, Map.of("id", runtime)), "runtimeStatus");
    assertThat(gone.path("condition").asText()).isEqualTo("DEPROVISIONED");
    assertThat(gone.path("lastOperationStatus").path("operation").asText()).isEqualTo("Deprovision");
    await().atMost(WAIT).until(() -> received.size() == 2);
    assertThat(received.get(1)).contains("RUNTIME_LEFT");
    assertThat(sm.provisioner(tenant, DEPROVISION, Map.of("id", runtime)).firstError())
        .isEqualTo("provisioned runtime with id '" + runtime + "' not found");
  }

  @Test
  void badInputIsRefusedWithClearErrorsAndNothingHalfMade() {
    String tenant = "t-prov-bad";
    assertThat(sm.provisioner(tenant, UPGRADE, Map.of("id", "nope", "c", Map.of())).firstError())
        .isEqualTo("provisioned runtime with id 'nope' not found");
    assertThat(sm.provisioner(tenant, DEPROVISION, Map.of("id", "nope")).firstError())
        .isEqualTo("provisioned runtime with id 'nope' not found");
    assertThat(ok(sm.provisioner(tenant, STATUS, Map.of("id", "nope")), "runtimeStatus").isNull()).isTrue();
    assertThat(sm.provisioner(tenant, PROVISION, Map.of("c", config("bad1", "clusters: [", "ns1", Map.of()))).firstError())
        .isEqualTo("invalid input: kubeconfig is not a kubeconfig YAML document");
    String noServer = "apiVersion: v1\nkind: Config\ncurrent-context: x\ncontexts:\n- name: x\n  context: {cluster: c}\n"
        + "clusters:\n- name: c\n  cluster: {}\nusers: []\n";
    assertThat(sm.provisioner(tenant, PROVISION, Map.of("c", config("bad2", noServer, "ns1", Map.of()))).firstError())
        .isEqualTo("invalid input: kubeconfig's cluster server must be an http(s) URL");
    CompassServer.Response badNs = sm.provisioner(tenant, PROVISION, Map.of("c", config("bad3", cluster.kubeconfig(), "Not_A_Label", Map.of())));
    assertThat(badNs.firstError()).startsWith("invalid input: namespace must be a DNS label");
    assertThat(badNs.body()).doesNotContain(Cluster.CLUSTER_TOKEN);
    assertThat(sm.provisioner(tenant, PROVISION, Map.of("c", Map.of("runtimeInput", Map.of("name", "bad4"),
        "clusterConfig", Map.of("provider", "mainframe", "kubeconfig", cluster.kubeconfig(), "namespace", "ns1")))).firstError())
        .isEqualTo("invalid input: unknown provider 'mainframe'; known: kubernetes");
    assertThat(sm.post("/compass/provisioner/graphql", Map.of("Authorization", "Bearer " + sm.tenantToken("t-other"), "Tenant", tenant),
        "{\"query\": \"{ runtimeStatus(id: \\\"x\\\") { name } }\"}").status()).isEqualTo(403);
    // Nothing was registered by the refused calls.
    assertThat(ok(sm.director(tenant, "{ runtimes { totalCount } }", Map.of()), "runtimes").path("totalCount").asInt()).isZero();
  }

  @Test
  void aClusterThatRefusesTheNamespaceFailsTheOperationAndTheRuntimeSaysSo() {
    String tenant = "t-prov-403";
    try (Cluster refusing = Cluster.refusingNamespaces()) {
      JsonNode op = ok(sm.provisioner(tenant, PROVISION, Map.of("c", config("refused", refusing.kubeconfig(), "locked", Map.of()))),
          "provisionRuntime");
      JsonNode failed = awaitOperation(sm, tenant, op.path("id").asText(), "Failed");
      assertThat(failed.path("lastError").asText()).isEqualTo("the cluster refused to create namespace locked: HTTP 403");
      assertThat(failed.path("step").asText()).isEqualTo("APPLY");
      String runtime = op.path("runtimeID").asText();
      JsonNode status = ok(sm.provisioner(tenant, STATUS, Map.of("id", runtime)), "runtimeStatus");
      assertThat(status.path("condition").asText()).isEqualTo("FAILED");
      assertThat(status.path("lastOperationStatus").path("id").asText()).isEqualTo(op.path("id").asText());
      assertThat(ok(sm.director(tenant, "{ runtimes { data { id status { condition } } } }", Map.of()), "runtimes").path("data").get(0)
          .path("status").path("condition").asText()).isEqualTo("FAILED");
      // The failed runtime can be cleaned up (nothing of ours exists there; deletes of absent objects are fine).
      String deprovision = ok(sm.provisioner(tenant, DEPROVISION, Map.of("id", runtime)), "deprovisionRuntime").asText();
      awaitOperation(sm, tenant, deprovision, "Succeeded");
      assertThat(ok(sm.director(tenant, "{ runtimes { totalCount } }", Map.of()), "runtimes").path("totalCount").asInt()).isZero();
    }
  }

  @Test
  void anUnreachableClusterIsRetriedWithItsErrorShownAndTheRuntimeTakesNoOtherOperationMeanwhile() throws Exception {
    String tenant = "t-prov-down";
    int closed;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      closed = socket.getLocalPort();
    }
    String kubeconfig = cluster.kubeconfig().replace("127.0.0.1:" + cluster.server.getPort(), "127.0.0.1:" + closed);
    JsonNode op = ok(sm.provisioner(tenant, PROVISION, Map.of("c", config("down", kubeconfig, "down-ns", Map.of()))), "provisionRuntime");
    await().atMost(WAIT).until(() -> sm.provisioner(tenant, OPERATION, Map.of("id", op.path("id").asText()))
        .data("runtimeOperationStatus").path("failures").asInt() >= 1);
    JsonNode retried = sm.provisioner(tenant, OPERATION, Map.of("id", op.path("id").asText())).data("runtimeOperationStatus");
    assertThat(retried.path("state").asText()).isEqualTo("InProgress");
    assertThat(retried.path("step").asText()).isEqualTo("APPLY");
    assertThat(retried.path("lastError").asText()).startsWith("the cluster could not be reached to create namespace down-ns (");
    assertThat(retried.toString()).doesNotContain(Cluster.CLUSTER_TOKEN);
    assertThat(sm.provisioner(tenant, DEPROVISION, Map.of("id", op.path("runtimeID").asText())).firstError())
        .isEqualTo("operation '" + op.path("id").asText() + "' of runtime '" + op.path("runtimeID").asText() + "' is not finished yet");
  }
}

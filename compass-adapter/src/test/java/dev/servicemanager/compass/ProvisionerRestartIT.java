package dev.servicemanager.compass;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A provisioning operation survives a restart of the Service Manager: one server accepts it (its
 * worker never runs), a claim by a server that then died is simulated by a lease in the database,
 * and the next server on the same database waits for the lease and then finishes the operation.
 */
class ProvisionerRestartIT {
  private static final String TENANT = "t-restart-prov";

  @Test
  void anOperationAcceptedBeforeARestartIsResumedAfterItsLeaseRanOut() throws Exception {
    try (Cluster cluster = Cluster.crud()) {
      String database;
      String operation;
      String runtime;
      try (CompassServer first = new CompassServer(Map.of("compass.provisioner.poll-interval", "1h"))) {
        database = first.databaseUrl;
        JsonNode op = ProvisionerIT.ok(first.provisioner(TENANT, ProvisionerIT.PROVISION,
            Map.of("c", ProvisionerIT.config("resumed", cluster.kubeconfig(), "resumed-ns", Map.of()))), "provisionRuntime");
        operation = op.path("id").asText();
        runtime = op.path("runtimeID").asText();
      }
      // As if a server had claimed it and died in the middle of the step.
      java.time.Instant leaseEnd;
      try (Connection c = java.sql.DriverManager.getConnection(database, "postgres", ""); Statement s = c.createStatement()) {
        try (java.sql.ResultSet rs = s.executeQuery("UPDATE compass_provisioning_operations SET state = 'IN_PROGRESS',"
            + " lease_until = now() + interval '6 seconds' WHERE id = '" + operation + "' RETURNING lease_until")) {
          assertThat(rs.next()).isTrue();
          leaseEnd = rs.getTimestamp(1).toInstant();
        }
      }
      Map<String, Object> props = new HashMap<>(ProvisionerIT.FAST);
      props.put("datasources.default.url", database);
      try (CompassServer second = new CompassServer(props)) {
        JsonNode waiting = ProvisionerIT.ok(second.provisioner(TENANT, ProvisionerIT.OPERATION, Map.of("id", operation)),
            "runtimeOperationStatus");
        assertThat(waiting.path("state").asText()).isEqualTo("InProgress");
        java.time.Instant[] seen = new java.time.Instant[1];
        await().atMost(ProvisionerIT.WAIT).pollInterval(java.time.Duration.ofMillis(100)).until(() -> {
          seen[0] = java.time.Instant.now();
          return cluster.client.namespaces().withName("resumed-ns").get() != null;
        });
        // The new server left the operation alone while the dead server's lease lasted.
        assertThat(seen[0]).isAfter(leaseEnd);
        await().atMost(ProvisionerIT.WAIT).until(() -> cluster.client.secrets().inNamespace("resumed-ns")
            .withName(ProvisionerIT.objectName(runtime)).get() != null);
        String token = Cluster.value(cluster.client.secrets().inNamespace("resumed-ns").withName(ProvisionerIT.objectName(runtime)).get(),
            "SM_ONE_TIME_TOKEN");
        ProvisionerIT.pair(second, token);
        JsonNode done = ProvisionerIT.awaitOperation(second, TENANT, operation, "Succeeded");
        assertThat(done.path("failures").asInt()).isZero();
        assertThat(ProvisionerIT.ok(second.provisioner(TENANT, ProvisionerIT.STATUS, Map.of("id", runtime)), "runtimeStatus")
            .path("condition").asText()).isEqualTo("CONNECTED");
      }
    }
  }
}

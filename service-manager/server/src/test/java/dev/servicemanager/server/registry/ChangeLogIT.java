package dev.servicemanager.server.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.server.support.ApiTestBase;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every write of a platform, broker or visibility appends a change with a strictly increasing revision. */
@MicronautTest(transactional = false)
class ChangeLogIT extends ApiTestBase {
  record Change(long revision, String resourceType, String resourceId, String type, String platformId, String payload) {}

  private List<Change> changes() throws Exception {
    List<Change> changes = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(jdbcUrl(), "postgres", "");
        ResultSet rs =
            c.createStatement()
                .executeQuery("SELECT revision, resource_type, resource_id, change_type, platform_id, payload::text FROM changes ORDER BY revision")) {
      while (rs.next()) {
        changes.add(new Change(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6)));
      }
    }
    return changes;
  }

  @Test
  void registryWritesAreLoggedInOrderWithTheirPayloads() throws Exception {
    Map<String, Object> platform = createPlatform("logged", "kubernetes");
    String platformId = (String) platform.get("id");
    admin().patch("/v1/platforms/" + platformId, Map.of("description", "changed"));
    String brokerId = (String) registerBroker("logged-broker").get("id");
    String plan = planIds(brokerId).get(0);
    String visibility = admin().post("/v1/visibilities", Map.of("platform_id", platformId, "service_plan_id", plan)).string("id");
    admin().patch("/v1/service_brokers/" + brokerId, Map.of());
    admin().delete("/v1/visibilities/" + visibility);
    admin().delete("/v1/service_brokers/" + brokerId);
    admin().delete("/v1/platforms/" + platformId);

    List<Change> log = changes();
    assertThat(log).extracting(c -> c.resourceType() + " " + c.type())
        .containsExactly(
            "/v1/platforms CREATED",
            "/v1/platforms MODIFIED",
            "/v1/service_brokers CREATED",
            "/v1/visibilities CREATED",
            "/v1/service_brokers MODIFIED",
            "/v1/visibilities DELETED",
            "/v1/service_brokers DELETED",
            "/v1/platforms DELETED");
    for (int i = 1; i < log.size(); i++) {
      assertThat(log.get(i).revision()).isGreaterThan(log.get(i - 1).revision());
    }
    Change brokerCreated = log.get(2);
    assertThat(brokerCreated.platformId()).isNull();
    assertThat(brokerCreated.payload()).contains("\"additional\"").contains("\"services\"");
    Change visibilityCreated = log.get(3);
    assertThat(visibilityCreated.platformId()).isEqualTo(platformId);
    assertThat(visibilityCreated.payload()).contains("\"broker_name\": \"logged-broker\"").contains("\"service_plan\"");
    assertThat(log.get(6).payload()).contains("\"old\"").doesNotContain("\"new\"");
    assertThat(String.join("", log.stream().map(Change::payload).toList())).doesNotContain(broker.password(), "\"credentials\"");
  }

  @Test
  void aFailedWriteLogsNothing() throws Exception {
    createPlatform("first", "kubernetes");
    Api.Result duplicate = admin().post("/v1/platforms", Map.of("name", "first", "type", "kubernetes"));
    assertThat(duplicate.status()).isEqualTo(409);
    assertThat(changes()).hasSize(1);
  }
}

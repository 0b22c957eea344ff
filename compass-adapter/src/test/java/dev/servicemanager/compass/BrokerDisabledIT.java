package dev.servicemanager.compass;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.servicemanager.compass.director.BrokerSync;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** With compass.broker.enabled=false the Director works, but there is no compass broker. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BrokerDisabledIT {
  private CompassServer sm;

  @BeforeAll
  void start() {
    sm = new CompassServer(Map.of("compass.broker.enabled", false));
  }

  @AfterAll
  void stop() {
    sm.close();
  }

  @Test
  void noBrokerNoRoutesButTheDirectorWorks() {
    CompassServer.Response app = sm.director("t-off", ApplicationsIT.REGISTER, Map.of("in", Map.of("name", "app",
        "bundles", List.of(Map.of("name", "b")))));
    assertThat(app.json().path("errors").isMissingNode()).as(app.body()).isTrue();
    assertThat(sm.context().findBean(BrokerSync.class)).isEmpty();
    // no access rule for the prefix: the core refuses the anonymous call
    assertThat(sm.osb("GET", "/compass/osb/v2/catalog", null, null).status()).isEqualTo(401);
    for (JsonNode broker : sm.get("/v1/service_brokers", "Bearer " + sm.adminToken()).json().path("items")) {
      assertThat(broker.path("name").asText()).isNotEqualTo("compass");
    }
  }
}

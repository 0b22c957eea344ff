package dev.servicemanager.compass;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** With compass.enabled=false the plugin jar is on the classpath but serves and creates nothing. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CompassDisabledIT {
  private CompassServer sm;

  @BeforeAll
  void start() {
    sm = new CompassServer(Map.of("compass.enabled", false));
  }

  @AfterAll
  void stop() {
    sm.close();
  }

  @Test
  void nothingIsServedUnderCompass() {
    String admin = "Bearer " + sm.adminToken();
    assertThat(sm.director(admin, "t", "{ applications { totalCount } }", null).status()).isEqualTo(404);
    assertThat(sm.post("/compass/connector/graphql", Map.of("Authorization", admin), "{\"query\":\"{ configuration { token { token } } }\"}")
        .status()).isEqualTo(404);
    // No plugin access rule either: the connector path is not open to anonymous callers.
    assertThat(sm.connector("some-token", "{ configuration { token { token } } }", null).status()).isEqualTo(401);
  }

  @Test
  void noPluginBeanIsRegistered() {
    assertThat(sm.context().getBeansOfType(dev.servicemanager.spi.access.RouteAccess.class)).isEmpty();
    assertThat(sm.context().findBean(CompassMigration.class)).isEmpty();
    assertThat(sm.context().findBean(Db.class)).isEmpty();
  }

  @Test
  void noTablesAreCreated() throws Exception {
    try (Connection c = sm.database(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'compass%'")) {
      rs.next();
      assertThat(rs.getInt(1)).isZero();
    }
  }

  @Test
  void theServerItselfWorks() {
    assertThat(sm.get("/v1/platforms", "Bearer " + sm.adminToken()).status()).isEqualTo(200);
  }
}

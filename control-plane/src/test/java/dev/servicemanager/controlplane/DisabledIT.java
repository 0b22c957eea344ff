package dev.servicemanager.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.testkit.TestDatabases;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code control-plane.enabled: false}: no routes, no tables, no access rules of the plugin. */
@Timeout(120)
class DisabledIT {
  @Test
  void theSwitchTurnsThePluginOff() throws Exception {
    String jdbcUrl = TestDatabases.newDatabase();
    try (ControlPlaneServer server = new ControlPlaneServer(jdbcUrl, Map.of("control-plane.enabled", false))) {
      assertThat(server.rpc("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"listRuntimes\"}").status()).isEqualTo(404);
      // Without the plugin's RouteAccess the core's matrix applies: its page is not public either.
      assertThat(server.get("/control-plane/", null).status()).isEqualTo(401);
      try (var c = DriverManager.getConnection(jdbcUrl, "postgres", "");
          ResultSet rs = c.getMetaData().getTables(null, null, "cp_%", null)) {
        assertThat(rs.next()).isFalse();
      }
    }
  }
}

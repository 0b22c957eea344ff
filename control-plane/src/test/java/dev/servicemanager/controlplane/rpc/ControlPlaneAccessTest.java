package dev.servicemanager.controlplane.rpc;

import static dev.servicemanager.spi.access.RouteAccess.Decision.ALLOW;
import static dev.servicemanager.spi.access.RouteAccess.Decision.DENY;
import static dev.servicemanager.spi.access.RouteAccess.Decision.NOT_MINE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.spi.access.Caller;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ControlPlaneAccessTest {
  private final ControlPlaneAccess access = new ControlPlaneAccess();

  private static Caller token(String... scopes) {
    return new Caller("someone", Optional.empty(), Set.of(scopes), Map.of());
  }

  @Test
  void answersOnlyForItsOwnPrefix() {
    assertThat(access.decide("GET", "/v1/platforms", null)).isEqualTo(NOT_MINE);
    assertThat(access.decide("GET", "/control-planes", null)).isEqualTo(NOT_MINE);
  }

  @Test
  void thePageAndHealthArePublicTheRestNeedsAScope() {
    assertThat(access.decide("GET", "/control-plane/", null)).isEqualTo(ALLOW);
    assertThat(access.decide("GET", "/control-plane/app.js", null)).isEqualTo(ALLOW);
    assertThat(access.decide("GET", "/control-plane/health", null)).isEqualTo(ALLOW);
    assertThat(access.decide("POST", "/control-plane/rpc", null)).isEqualTo(DENY);
    assertThat(access.decide("POST", "/control-plane/rpc", token("openid"))).isEqualTo(DENY);
    assertThat(access.decide("POST", "/control-plane/rpc", token("control-plane.read"))).isEqualTo(ALLOW);
    assertThat(access.decide("POST", "/control-plane/rpc", token("control-plane.write"))).isEqualTo(ALLOW);
    assertThat(access.decide("GET", "/control-plane/events", token(Caller.ADMIN_SCOPE))).isEqualTo(ALLOW);
    assertThat(access.decide("GET", "/control-plane/rpc", token(Caller.ADMIN_SCOPE))).isEqualTo(DENY);
  }

  @Test
  void platformsNeverGetIn() {
    Caller platform = new Caller("p", Optional.of("platform-1"), Set.of(Caller.ADMIN_SCOPE), Map.of());
    assertThat(access.decide("POST", "/control-plane/rpc", platform)).isEqualTo(DENY);
  }
}

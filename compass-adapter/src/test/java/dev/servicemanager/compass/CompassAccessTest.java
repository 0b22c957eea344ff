package dev.servicemanager.compass;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.spi.access.Caller;
import dev.servicemanager.spi.access.RouteAccess.Decision;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CompassAccessTest {
  private final CompassAccess access = new CompassAccess();

  private static Caller token(String... scopes) {
    return new Caller("someone", Optional.empty(), Set.of(scopes), Map.of());
  }

  @Test
  void theDirectorNeedsABearerTokenWithACompassScopeOrAdmin() {
    assertThat(access.decide("POST", "/compass/graphql", null)).isEqualTo(Decision.DENY);
    assertThat(access.decide("POST", "/compass/graphql", token())).isEqualTo(Decision.DENY);
    assertThat(access.decide("POST", "/compass/graphql", token("other"))).isEqualTo(Decision.DENY);
    assertThat(access.decide("POST", "/compass/graphql", token("compass.read"))).isEqualTo(Decision.ALLOW);
    assertThat(access.decide("POST", "/compass/graphql/", token("compass.write"))).isEqualTo(Decision.ALLOW);
    assertThat(access.decide("POST", "/compass/graphql", token("sm.admin"))).isEqualTo(Decision.ALLOW);
  }

  @Test
  void platformsAreRefusedEvenWithScopes() {
    Caller platform = new Caller("p", Optional.of("platform-1"), Set.of("compass.read"), Map.of());
    assertThat(access.decide("POST", "/compass/graphql", platform)).isEqualTo(Decision.DENY);
  }

  @Test
  void theConnectorIsOpenBecauseTheTokenIsTheCredential() {
    assertThat(access.decide("POST", "/compass/connector/graphql", null)).isEqualTo(Decision.ALLOW);
  }

  @Test
  void otherPathsAreNotTheAdaptersToDecide() {
    assertThat(access.decide("GET", "/v1/platforms", null)).isEqualTo(Decision.NOT_MINE);
    assertThat(access.decide("POST", "/compass/graphqlx", token("sm.admin"))).isEqualTo(Decision.NOT_MINE);
    assertThat(access.decide("POST", "/graphql", null)).isEqualTo(Decision.NOT_MINE);
  }
}

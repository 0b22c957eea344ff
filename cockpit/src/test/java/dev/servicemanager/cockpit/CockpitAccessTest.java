package dev.servicemanager.cockpit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.spi.access.RouteAccess.Decision;
import org.junit.jupiter.api.Test;

class CockpitAccessTest {
  private final CockpitAccess access = new CockpitAccess();

  @Test
  void staticFilesArePublicForGet() {
    assertThat(access.decide("GET", "/cockpit", null)).isEqualTo(Decision.ALLOW);
    assertThat(access.decide("GET", "/cockpit/", null)).isEqualTo(Decision.ALLOW);
    assertThat(access.decide("GET", "/cockpit/app.js", null)).isEqualTo(Decision.ALLOW);
    assertThat(access.decide("HEAD", "/cockpit/app.css", null)).isEqualTo(Decision.ALLOW);
  }

  @Test
  void everythingElseUnderThePrefixIsRefused() {
    assertThat(access.decide("POST", "/cockpit/app.js", null)).isEqualTo(Decision.DENY);
    assertThat(access.decide("GET", "/cockpit/../v1/platforms", null)).isEqualTo(Decision.DENY);
    assertThat(access.decide("GET", "/cockpit/sub/app.js", null)).isEqualTo(Decision.DENY);
  }

  @Test
  void coreAndOtherPluginRoutesAreNotItsBusiness() {
    assertThat(access.decide("GET", "/v1/service_brokers", null)).isEqualTo(Decision.NOT_MINE);
    assertThat(access.decide("GET", "/cockpitx", null)).isEqualTo(Decision.NOT_MINE);
    assertThat(access.decide("GET", "/control-plane/", null)).isEqualTo(Decision.NOT_MINE);
  }
}

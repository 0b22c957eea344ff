package dev.servicemanager.compass.director;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@SuppressWarnings("unchecked")
class OsbBrokerTest {
  @Test
  void namesAreMadeOsbSafe() {
    assertThat(OsbBroker.safeName("billing")).isEqualTo("billing");
    assertThat(OsbBroker.safeName("With Default")).isEqualTo("with-default");
    assertThat(OsbBroker.safeName("a.b_c")).isEqualTo("a-b-c");
    assertThat(OsbBroker.safeName("--")).isEqualTo("app");
    assertThat(OsbBroker.safeName("x".repeat(100))).hasSize(63);
  }

  @Test
  void credentialsWithoutAuthAreNoAuthWithTargetUrls() {
    Model.Bundle bundle = new Model.Bundle("b", "a", "n", null, null, null,
        List.of(new Model.ApiDefinition("d1", "orders", null, null, "https://x/orders", null, null),
            new Model.ApiDefinition("d2", "orders", null, null, "https://x/other", null, null)),
        List.of(), List.of());
    Model.InstanceAuth auth = new Model.InstanceAuth("id1", "b", "{}", null, null,
        new Model.InstanceAuthStatus("SUCCEEDED", null, null, null), null);
    Map<String, Object> credentials = OsbBroker.credentials(bundle, auth);
    assertThat(credentials).containsEntry("id", "id1").containsEntry("credentials_type", "no_auth")
        .containsEntry("target_urls", Map.of("orders", "https://x/orders"));
    assertThat((Map<Object, Object>) credentials.get("auth_details")).doesNotContainKey("auth").containsKey("request_parameters");
  }

  @Test
  void oauthCredentialsCarryTokenUrlAndRequestParameters() {
    Model.Bundle bundle = new Model.Bundle("b", "a", "n", null, null, null, List.of(), List.of(), List.of());
    Map<String, Object> stored = Map.of("credential", Map.of("type", "oauth", "clientId", "c", "clientSecret", "s",
        "url", "https://auth/token"), "additionalQueryParams", Map.of("q", List.of("1")));
    Model.InstanceAuth auth = new Model.InstanceAuth("id1", "b", "{}", null, stored,
        new Model.InstanceAuthStatus("SUCCEEDED", null, null, null), null);
    Map<?, ?> details = (Map<?, ?>) OsbBroker.credentials(bundle, auth).get("auth_details");
    assertThat((Map<Object, Object>) details.get("auth")).containsEntry("clientId", "c").containsEntry("clientSecret", "s")
        .containsEntry("tokenUrl", "https://auth/token");
    assertThat(((Map<?, ?>) details.get("request_parameters")).get("query_parameters")).isEqualTo(Map.of("q", List.of("1")));
  }

  @Test
  void failedRoundsBackOffUpToFiveMinutes() {
    java.time.Duration five = java.time.Duration.ofSeconds(5);
    assertThat(BrokerSync.backoff(five, 1)).isEqualTo(five);
    assertThat(BrokerSync.backoff(five, 3)).isEqualTo(java.time.Duration.ofSeconds(20));
    assertThat(BrokerSync.backoff(five, 40)).isEqualTo(java.time.Duration.ofMinutes(5));
  }
}

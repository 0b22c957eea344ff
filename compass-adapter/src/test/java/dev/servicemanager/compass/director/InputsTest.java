package dev.servicemanager.compass.director;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicemanager.compass.CompassException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InputsTest {
  @Test
  void namesFollowCompassRules() {
    assertThat(Inputs.name("my-app.v2")).isEqualTo("my-app.v2");
    assertThat(Inputs.name("a".repeat(36))).hasSize(36);
    for (String bad : new String[] {"", "1app", "App", "a_b", "a".repeat(37), "a b"}) {
      assertThatThrownBy(() -> Inputs.name(bad)).as(bad).isInstanceOf(CompassException.class);
    }
    assertThatThrownBy(() -> Inputs.name(null)).isInstanceOf(CompassException.class);
  }

  @Test
  void urlsMustBeAbsoluteHttpOrHttps() {
    assertThat(Inputs.url(Map.of("u", "https://x.example/p?q=1"), "u", true)).isNotNull();
    for (String bad : new String[] {"x.example", "ftp://x.example", "https://", "http://exa mple"}) {
      assertThatThrownBy(() -> Inputs.url(Map.of("u", bad), "u", true)).as(bad).isInstanceOf(CompassException.class);
    }
    assertThat(Inputs.url(Map.of(), "u", false)).isNull();
    assertThatThrownBy(() -> Inputs.url(Map.of("u", "https://x.example/" + "a".repeat(300)), "u", true))
        .hasMessageContaining("at most 256");
  }

  @Test
  void authNeedsExactlyOneCredential() {
    assertThat(Inputs.auth(Map.of("credential", Map.of("basic", Map.of("username", "u", "password", "p")))))
        .containsEntry("credential", Map.of("type", "basic", "username", "u", "password", "p"));
    assertThatThrownBy(() -> Inputs.auth(Map.of("credential", Map.of()))).hasMessageContaining("exactly one");
    assertThatThrownBy(() -> Inputs.auth(Map.of("credential", Map.of("oauth",
        Map.of("clientId", "c", "clientSecret", "s", "url", "not-a-url"))))).hasMessageContaining("url");
  }
}

package dev.servicemanager.server.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RegistryVersionTest {
  private final RegistryVersion version = new RegistryVersion(() -> null);
  private final AtomicInteger loads = new AtomicInteger();

  private String load(String key) {
    return key + "-" + loads.incrementAndGet();
  }

  @Test
  void nothingIsCachedWhileChangesFromOtherServersCannotBeHeard() {
    RegistryVersion.Cache<String, String> cache = version.cache(10, Duration.ofMinutes(1));
    assertThat(cache.get("a", this::load)).isEqualTo("a-1");
    assertThat(cache.get("a", this::load)).isEqualTo("a-2");

    version.listening(true);
    assertThat(cache.get("a", this::load)).isEqualTo("a-3");
    assertThat(cache.get("a", this::load)).isEqualTo("a-3");

    version.listening(false);
    assertThat(cache.get("a", this::load)).isEqualTo("a-4");
  }

  @Test
  void aNewVersionEndsEveryEntry() {
    version.listening(true);
    RegistryVersion.Cache<String, String> cache = version.cache(10, Duration.ofMinutes(1));
    cache.get("a", this::load);
    cache.get("b", this::load);
    version.bump();
    assertThat(cache.get("a", this::load)).isEqualTo("a-3");
    assertThat(cache.get("b", this::load)).isEqualTo("b-4");
  }

  @Test
  void aChangeWhileLoadingIsNotHiddenByTheLoadedValue() {
    version.listening(true);
    RegistryVersion.Cache<String, String> cache = version.cache(10, Duration.ofMinutes(1));
    // The value was read before a concurrent commit moved the version: it must not be reused.
    cache.get("a", key -> {
      version.bump();
      return load(key);
    });
    assertThat(cache.get("a", this::load)).isEqualTo("a-2");
    assertThat(cache.get("a", this::load)).isEqualTo("a-2");
  }

  @Test
  void entriesExpireAndFailuresAndNullsAreNotCached() throws InterruptedException {
    version.listening(true);
    RegistryVersion.Cache<String, String> cache = version.cache(10, Duration.ofMillis(50));
    cache.get("a", this::load);
    Thread.sleep(80);
    assertThat(cache.get("a", this::load)).isEqualTo("a-2");

    assertThat(cache.get("none", key -> null)).isNull();
    assertThat(cache.get("none", this::load)).isEqualTo("none-3");
    assertThatThrownBy(() -> cache.get("boom", key -> { throw new IllegalStateException("no"); }))
        .isInstanceOf(IllegalStateException.class);
    assertThat(cache.get("boom", this::load)).isEqualTo("boom-4");
  }

  @Test
  void theSizeIsBounded() {
    version.listening(true);
    RegistryVersion.Cache<Integer, String> cache = version.cache(3, Duration.ofMinutes(1));
    for (int i = 0; i < 4; i++) {
      cache.get(i, key -> load("k" + key));
    }
    // The fourth entry emptied the full map first: the first three are loaded again.
    assertThat(cache.get(0, key -> load("k" + key))).isEqualTo("k0-5");
    assertThat(cache.get(3, key -> load("k" + key))).isEqualTo("k3-4");
  }
}

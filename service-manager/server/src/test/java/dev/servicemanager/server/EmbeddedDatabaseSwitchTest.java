package dev.servicemanager.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The container image sets {@code SM_EMBEDDED_DATABASE=false}: no URL must then fail, not start PostgreSQL. */
class EmbeddedDatabaseSwitchTest {
  @TempDir Path dataDir;

  @Test
  void withoutUrlAndEmbeddedOffTheStartFailsAndSaysWhatToSet() {
    assertThatThrownBy(() -> ServiceManagerLauncher.start(
            Map.of("sm.embedded-database.enabled", "false", "sm.data-dir", dataDir.resolve("sm").toString())))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("DATASOURCES_DEFAULT_URL")
        .hasMessageContaining("SM_EMBEDDED_DATABASE=false");
    assertThat(dataDir.resolve("sm")).as("no data directory, lock or PostgreSQL was made").doesNotExist();
  }
}

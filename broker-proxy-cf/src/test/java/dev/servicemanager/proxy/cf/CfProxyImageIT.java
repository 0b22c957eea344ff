package dev.servicemanager.proxy.cf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.servicemanager.testkit.ImageTar;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The image that {@code ./mvnw -Pimage package} wrote for this proxy: user, entrypoint, layers. Profile "image" only. */
class CfProxyImageIT {
  @Test
  void nonRootEntrypointOnTheProxyMainWithItsLayers() {
    assumeTrue(Boolean.getBoolean("sm.image.check"), "image profile not active (./mvnw -Pimage verify)");
    Path tar = Path.of(System.getProperty("sm.image.tar"));
    assertThat(tar).as("built by jib:buildTar in profile image").exists();
    ImageTar image = ImageTar.read(tar);
    assertThat(image.user()).isEqualTo("65532:65532");
    assertThat(image.entrypoint().get(0)).isEqualTo("java");
    assertThat(image.entrypoint()).contains("-XX:MaxRAMPercentage=75", "dev.servicemanager.proxy.cf.CfProxyApplication");
    assertThat(image.containerConfig().get("ExposedPorts")).asString().contains("8080/tcp");
    assertThat(image.layerCount()).isGreaterThanOrEqualTo(3);
    List<ImageTar.Entry> all = new ArrayList<>();
    for (int i = 0; i < image.layerCount(); i++) {
      all.addAll(image.layer(i));
    }
    assertThat(all).extracting(ImageTar.Entry::path)
        .anyMatch(p -> p.matches(".*app/libs/broker-proxy-core-.*\\.jar"))
        .anyMatch(p -> p.matches(".*app/classes/dev/servicemanager/proxy/cf/.*\\.class"));
    assertThat(all).filteredOn(e -> e.path().contains("app/")).allMatch(e -> e.uid() == 0 && (e.mode() & 0002) == 0);
  }
}

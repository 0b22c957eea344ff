package dev.servicemanager.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.servicemanager.testkit.ImageTar;
import dev.servicemanager.testkit.TestDatabases;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image that {@code ./mvnw -Pimage package} wrote (target/service-manager-dist-image.tar):
 * its configuration, its layers, and, when its base is the JRE made here, a run of its entrypoint
 * from the unpacked layers (the image's own java, classpath and environment; only the paths are
 * moved under a temporary root, since no container runtime is available). Runs in profile "image".
 */
class ServiceManagerImageIT {
  static ImageTar image;
  @TempDir static Path root;

  @BeforeAll
  static void read() throws IOException {
    assumeTrue(Boolean.getBoolean("sm.image.check"), "image profile not active (./mvnw -Pimage verify)");
    Path tar = Path.of(System.getProperty("sm.image.tar"));
    assertThat(tar).as("built by jib:buildTar in profile image").exists();
    image = ImageTar.read(tar);
    image.unpack(root);
  }

  @Test
  void runsAsNonRootWithContainerJvmFlagsAndTheEmbeddedDatabaseOff() {
    assertThat(image.user()).isEqualTo("65532:65532");
    List<String> entrypoint = image.entrypoint();
    assertThat(entrypoint.get(0)).isEqualTo("java");
    assertThat(entrypoint).contains("-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError")
        .contains("dev.servicemanager.server.Application");
    assertThat(image.env()).containsEntry("SM_EMBEDDED_DATABASE", "false").containsEntry("SM_DATA_DIR", "/tmp/service-manager");
    assertThat(image.containerConfig().get("ExposedPorts")).asString().contains("8080/tcp");
    assertThat(image.containerConfig().get("WorkingDir")).isEqualTo("/app");
  }

  @Test
  void layersSplitDependenciesFromTheApplicationAndAreOwnedByRoot() {
    // base layer(s), then Jib's dependencies / resources / classes layers.
    assertThat(image.layerCount()).isGreaterThanOrEqualTo(3);
    List<ImageTar.Entry> all = new ArrayList<>();
    for (int i = 0; i < image.layerCount(); i++) {
      all.addAll(image.layer(i));
    }
    assertThat(all).extracting(ImageTar.Entry::path)
        .anyMatch(p -> p.matches(".*app/libs/service-manager-server-.*\\.jar"))
        .anyMatch(p -> p.matches(".*app/libs/control-plane-.*\\.jar"))
        .anyMatch(p -> p.matches(".*app/libs/compass-adapter-.*\\.jar"))
        .anyMatch(p -> p.matches(".*app/libs/postgresql-.*\\.jar"));
    // The user the image runs as cannot change the application.
    assertThat(all).filteredOn(e -> e.path().contains("app/")).allMatch(e -> e.uid() == 0 && (e.mode() & 0002) == 0);
  }

  @Test
  void withoutADatabaseUrlTheImageExitsAndSaysWhatToSet() throws Exception {
    Process p = start(Map.of());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exits").isTrue();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isEqualTo(1);
    assertThat(out).contains("DATASOURCES_DEFAULT_URL").contains("SM_EMBEDDED_DATABASE=false");
  }

  @Test
  void withAnExternalPostgresTheImageServesHealthAndLiveness() throws Exception {
    int port = freePort();
    byte[] key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    Process p = start(Map.of(
        "DATASOURCES_DEFAULT_URL", TestDatabases.newDatabase(),
        "DATASOURCES_DEFAULT_USERNAME", "postgres",
        "SM_ENCRYPTION_KEY", Base64.getEncoder().encodeToString(key),
        "SM_ADMIN_CLIENT_SECRET", "image-it-secret",
        "MICRONAUT_SERVER_PORT", Integer.toString(port)));
    try {
      HttpClient http = HttpClient.newHttpClient();
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      int health = -1;
      while (System.nanoTime() < deadline && p.isAlive()) {
        try {
          health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/monitor/health")).build(),
              HttpResponse.BodyHandlers.discarding()).statusCode();
          if (health == 200) {
            break;
          }
        } catch (IOException notYet) {
          // not listening yet
        }
        Thread.sleep(250);
      }
      assertThat(health).as("health of the image's server; it is %s", p.isAlive() ? "running" : "gone").isEqualTo(200);
      int alive = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/monitor/alive")).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
      assertThat(alive).isEqualTo(200);
    } finally {
      p.destroy();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  /** The entrypoint with the image's environment, paths under the unpacked root; output merged. */
  private static Process start(Map<String, String> extraEnv) throws IOException {
    Path java = root.resolve("opt/java/openjdk/bin/java");
    assumeTrue(Files.isExecutable(java), "the base image has no JRE at /opt/java/openjdk (a public base?): not run here");
    List<String> command = new ArrayList<>();
    for (String arg : image.entrypoint()) {
      command.add(relocate(arg));
    }
    command.set(0, java.toString());
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().clear();
    image.env().forEach((k, v) -> pb.environment().put(k, k.equals("PATH") ? v : relocate(v)));
    pb.environment().putAll(extraEnv);
    pb.directory(root.resolve("app").toFile());
    Process p = pb.start();
    return p;
  }

  /** "/app/..." and "@/app/..." (argument files, rewritten too) moved under the unpacked root. */
  private static String relocate(String arg) {
    try {
      if (arg.startsWith("@/")) {
        Path file = root.resolve(arg.substring(2));
        String content = Files.readString(file).replace("/app/", root + "/app/");
        Path moved = Files.writeString(root.resolve(file.getFileName() + ".relocated"), content);
        return "@" + moved;
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return arg.replace("/app/", root + "/app/").replace("/tmp/", root + "/tmp/");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}

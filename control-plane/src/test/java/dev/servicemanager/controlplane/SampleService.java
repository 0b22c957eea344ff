package dev.servicemanager.controlplane;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs {@code sample.SampleConsumerService} in its own JVM, as a separate service would run: the test
 * class path without the server and without the plugin (their application.yml and beans would
 * otherwise join the sample's context). Collects what it reports on stdout.
 */
final class SampleService implements AutoCloseable {
  final List<String> received = new CopyOnWriteArrayList<>();
  final List<String> output = new CopyOnWriteArrayList<>();
  private final Process process;

  SampleService(String bootstrap, String runtime, String stateTopic) throws Exception {
    this(bootstrap, runtime, stateTopic, false);
  }

  SampleService(String bootstrap, String runtime, String stateTopic, boolean startPaused) throws Exception {
    String classPath = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(entry -> !isServerOrPlugin(entry))
        .collect(Collectors.joining(File.pathSeparator));
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-cp", classPath,
        "dev.servicemanager.controlplane.sample.SampleConsumerService", bootstrap, runtime, stateTopic,
        startPaused ? "start-paused" : "-"));
    process = new ProcessBuilder(command).redirectErrorStream(true).start();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          output.add(line);
          if (line.startsWith("RECEIVED ")) {
            received.add(line.substring("RECEIVED ".length()));
          }
        }
      } catch (java.io.IOException e) {
        // process ended
      }
    }, "sample-service-output");
    reader.setDaemon(true);
    reader.start();
  }

  static boolean isServerOrPlugin(String entry) {
    String name = Path.of(entry).getFileName().toString();
    return name.startsWith("service-manager-server") || name.matches("control-plane-\\d.*\\.jar")
        || entry.replace('\\', '/').endsWith("control-plane/target/classes");
  }

  String log() {
    int from = Math.max(0, output.size() - 60);
    return String.join("\n", output.subList(from, output.size()));
  }

  @Override
  public void close() throws Exception {
    process.getOutputStream().close();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}

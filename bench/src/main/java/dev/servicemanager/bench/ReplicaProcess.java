package dev.servicemanager.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One Service Manager in a JVM of its own (so it can be killed with SIGKILL), on a fixed loopback
 * port, restartable, its output appended to {@code <dir>/<name>.log}. The harness gives the
 * environment (database, timeouts); port, host and data directory are set here.
 */
final class ReplicaProcess {
  final String name;
  final int port;
  final Path log;
  private final Path dataDir;
  private final Map<String, String> env;
  private final List<String> jvmArgs;
  private Process process;

  ReplicaProcess(String name, Path dir, Map<String, String> env, String... jvmArgs) throws IOException {
    this.name = name;
    this.port = freePort();
    this.log = dir.resolve(name + ".log");
    this.dataDir = dir.resolve(name);
    this.env = Map.copyOf(env);
    this.jvmArgs = List.of(jvmArgs);
  }

  void start() throws IOException {
    List<String> command = new java.util.ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmArgs);
    command.addAll(List.of("-DSM_LOG_LEVEL=WARN", "-cp", System.getProperty("java.class.path"),
        "dev.servicemanager.server.Application"));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    pb.environment().put("MICRONAUT_SERVER_PORT", Integer.toString(port));
    pb.environment().put("MICRONAUT_SERVER_HOST", "127.0.0.1");
    pb.environment().put("SM_DATA_DIR", dataDir.toString());
    pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    process = pb.start();
  }

  /** Milliseconds until health answers 200. */
  long awaitHealthy(Duration max) throws InterruptedException {
    long started = System.nanoTime();
    Http anonymous = new Http(url());
    while (System.nanoTime() - started < max.toNanos()) {
      if (!process.isAlive()) {
        throw new BenchException(name + " exited with " + process.exitValue() + "; see " + log);
      }
      try {
        if (anonymous.get("/v1/monitor/health").status() == 200) {
          return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        }
      } catch (RuntimeException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new BenchException(name + " not healthy within " + max + "; see " + log);
  }

  /** SIGKILL, as the OOM killer does it; waits (bounded) until the process is gone. */
  void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}

package dev.servicemanager.server;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the Service Manager (see {@link ServiceManagerLauncher}) and ties its stop to the
 * process: SIGTERM and SIGINT run the ordered stop and exit 0; any other exit runs it from a JVM
 * shutdown hook.
 */
public final class Application {
  private static final Logger LOG = LoggerFactory.getLogger(Application.class);
  static final int EXIT_DATA_DIRECTORY_IN_USE = 2;
  static final int EXIT_DATABASE_LOST = 3;

  private Application() {}

  public static void main(String[] args) throws InterruptedException {
    ServiceManagerLauncher.Running running;
    try {
      running = ServiceManagerLauncher.start(Map.of(), args);
    } catch (DataDirectoryInUseException e) {
      LOG.error(e.getMessage());
      System.exit(EXIT_DATA_DIRECTORY_IN_USE);
      return;
    } catch (RuntimeException e) {
      LOG.error("The Service Manager could not start: {}", e.getMessage(), e);
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(running::close, "service-manager-shutdown"));
    StopSignals.install(running);
    if (running.database() != null) {
      // From its own thread: System.exit blocks until the shutdown hook (which stops the
      // watchdog) has run, so it must not be called on the watchdog thread itself.
      running.database().supervise(() -> new Thread(() -> System.exit(EXIT_DATABASE_LOST), "service-manager-exit").start());
    }
    // Keeps the JVM up for as long as the Service Manager runs, whatever threads Netty makes.
    running.awaitStopped();
  }
}

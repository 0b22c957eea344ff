package dev.servicemanager.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM (what supervisors send) and SIGINT (Ctrl-C) stop the Service Manager and exit 0. The
 * JVM's default handling would run the shutdown hooks and then exit 143: for systemd, Kubernetes
 * and the like a failure, although the stop was the requested, clean one. {@code sun.misc.Signal}
 * is the only way to replace that handling; where it is refused (e.g. {@code -Xrs}) the shutdown
 * hook still stops everything in order, only the exit code is 143.
 */
final class StopSignals {
  private static final Logger LOG = LoggerFactory.getLogger(StopSignals.class);

  private StopSignals() {}

  static void install(ServiceManagerLauncher.Running running) {
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        Signal.handle(
            new Signal(name),
            signal ->
                new Thread(
                        () -> {
                          LOG.info("SIG{} received", name);
                          running.close();
                          System.exit(0);
                        },
                        "service-manager-stop")
                    .start());
      } catch (IllegalArgumentException e) {
        LOG.debug("SIG{} keeps the JVM's default handling: {}", name, e.getMessage());
      }
    }
  }
}

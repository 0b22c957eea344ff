package dev.servicemanager.server;

import io.micronaut.context.ApplicationContext;
import java.time.Duration;

/** Starts the Service Manager: see {@link ServiceManagerLauncher} for the embedded database. */
public final class Application {
  private Application() {}

  public static void main(String[] args) {
    ServiceManagerLauncher.Running running = ServiceManagerLauncher.start(java.util.Map.of(), args);
    ApplicationContext context = running.context();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> running.closeAfterMicronautsHook(Duration.ofSeconds(60)), "service-manager-shutdown"));
    if (!context.isRunning()) {
      System.exit(1);
    }
  }
}

package dev.servicemanager.server;

import io.micronaut.context.ApplicationContext;

/** Starts the Service Manager: see {@link ServiceManagerLauncher} for the embedded database. */
public final class Application {
  private Application() {}

  public static void main(String[] args) {
    ServiceManagerLauncher.Running running = ServiceManagerLauncher.start(java.util.Map.of(), args);
    ApplicationContext context = running.context();
    Runtime.getRuntime()
        .addShutdownHook(new Thread(running::close, "service-manager-shutdown"));
    if (!context.isRunning()) {
      System.exit(1);
    }
  }
}

package dev.servicemanager.proxy.k8s;

import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts operator mode with the context (broker mode is started by broker-proxy-core). */
@Singleton
@Requires(beans = Operator.class)
final class OperatorStarter {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorStarter.class);
  private final Operator operator;

  OperatorStarter(Operator operator) {
    this.operator = operator;
  }

  @EventListener
  void onStartup(StartupEvent event) {
    LOG.info("Operator mode on: reconciling {} ServiceInstances and ServiceBindings", Resources.API_VERSION);
    operator.start();
  }
}

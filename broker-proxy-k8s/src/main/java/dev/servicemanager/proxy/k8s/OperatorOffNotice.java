package dev.servicemanager.proxy.k8s;

import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Says at startup why ServiceInstances would go unanswered: operator mode is off. */
@Singleton
@Requires(property = "broker-proxy.enabled", value = "true")
@Requires(missingBeans = Operator.class)
final class OperatorOffNotice {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorOffNotice.class);

  @EventListener
  void onStartup(StartupEvent event) {
    LOG.info("Operator mode off (set SM_CLIENT_SECRET, and K8S_OPERATOR_ENABLED not false, to reconcile {} resources)",
        Resources.API_VERSION);
  }
}

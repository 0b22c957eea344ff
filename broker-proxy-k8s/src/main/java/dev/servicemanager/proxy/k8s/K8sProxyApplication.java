package dev.servicemanager.proxy.k8s;

import io.micronaut.context.env.AbstractPropertySourceLoader;
import io.micronaut.context.env.PropertySource;
import io.micronaut.runtime.Micronaut;
import java.util.HashMap;
import java.util.Map;

/** Runs the Kubernetes broker proxy; configuration comes from environment variables (see README). */
public final class K8sProxyApplication {
  private K8sProxyApplication() {}

  public static void main(String[] args) {
    Micronaut.build(args)
        .mainClass(K8sProxyApplication.class)
        .propertySources(PropertySource.of("broker-proxy-k8s-defaults", defaults(), AbstractPropertySourceLoader.DEFAULT_POSITION))
        .start();
  }

  /** As in the CF proxy: defaults at an {@code application.yml}'s priority, without a file that tests would share. */
  static Map<String, Object> defaults() {
    Map<String, Object> defaults = new HashMap<>();
    defaults.put("broker-proxy.enabled", true);
    defaults.put("micronaut.application.name", "broker-proxy-k8s");
    defaults.put("micronaut.server.port", 8080);
    defaults.put("endpoints.all.enabled", false);
    defaults.put("endpoints.health.enabled", true);
    defaults.put("endpoints.health.sensitive", false);
    defaults.put("endpoints.health.details-visible", "ANONYMOUS");
    return defaults;
  }
}

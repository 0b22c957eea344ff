package dev.servicemanager.proxy.cf;

import io.micronaut.context.env.AbstractPropertySourceLoader;
import io.micronaut.context.env.PropertySource;
import io.micronaut.runtime.Micronaut;
import java.util.HashMap;
import java.util.Map;

/** Runs the Cloud Foundry broker proxy; configuration comes from environment variables (see README). */
public final class CfProxyApplication {
  private CfProxyApplication() {}

  public static void main(String[] args) {
    Micronaut.build(args)
        .mainClass(CfProxyApplication.class)
        .propertySources(PropertySource.of("broker-proxy-cf-defaults", defaults(), AbstractPropertySourceLoader.DEFAULT_POSITION))
        .start();
  }

  /**
   * Defaults at the priority of an {@code application.yml}, so environment variables override them.
   * They are not in an {@code application.yml} because tests put this module and the Service Manager
   * on one classpath, where two such files would shadow each other.
   */
  static Map<String, Object> defaults() {
    Map<String, Object> defaults = new HashMap<>();
    defaults.put("broker-proxy.enabled", true);
    defaults.put("micronaut.application.name", "broker-proxy-cf");
    defaults.put("micronaut.server.port", 8080);
    defaults.put("endpoints.all.enabled", false);
    defaults.put("endpoints.health.enabled", true);
    defaults.put("endpoints.health.sensitive", false);
    defaults.put("endpoints.health.details-visible", "ANONYMOUS");
    return defaults;
  }
}

package dev.servicemanager.proxy.k8s;

import dev.servicemanager.proxy.testkit.ServiceManagerFixture;
import dev.servicemanager.proxy.core.NotificationFollower;
import dev.servicemanager.proxy.core.ProxyMetrics;
import dev.servicemanager.proxy.core.ProxySettings;
import dev.servicemanager.proxy.core.Reconciler;
import dev.servicemanager.proxy.core.ResyncLoop;
import dev.servicemanager.proxy.core.SmClient;
import java.time.Duration;

/**
 * The real agent wired by hand as {@code ProxyFactory} and {@code K8sProxyFactory} do, without a Micronaut
 * context (the Service Manager's beans share this test classpath): broker mode (resync loop and
 * notification follower) and, when {@code operator} is true, operator mode with SM's admin client.
 */
final class InProcessProxy implements AutoCloseable {
  final ProxyMetrics metrics = new ProxyMetrics();
  final ProxySettings settings;
  final Operator operator;
  private final Reconciler reconciler;
  private final ResyncLoop loop;
  private final NotificationFollower follower;

  InProcessProxy(String smUrl, ServiceManagerFixture.PlatformCredentials platform, FakeKubernetes k8s, K8sSettings k8sSettings,
      boolean operatorMode) {
    Duration resync = Duration.ofSeconds(1);
    settings = new ProxySettings(smUrl, platform.username(), platform.password(), "sm-", 3, resync,
        Duration.ofSeconds(10), 2, true);
    KubeApi kube = new KubeApi(k8s.apiClient());
    SmClient sm = new SmClient(settings);
    reconciler = new Reconciler(settings, new K8sPlatform(kube, k8sSettings), sm);
    loop = new ResyncLoop(sm, reconciler, metrics, resync);
    follower = new NotificationFollower(settings, loop::requestResync, metrics, Duration.ofMillis(100),
        Duration.ofSeconds(2), Duration.ofSeconds(2));
    loop.start();
    follower.start();
    if (operatorMode) {
      SmApi smApi = new SmApi(smUrl, platform.username(), platform.password(), null, ServiceManagerFixture.ADMIN_CLIENT,
          ServiceManagerFixture.ADMIN_SECRET, Duration.ofSeconds(10));
      operator = new Operator(kube, smApi, k8sSettings, resync);
      metrics.include(operator::prometheus);
      operator.start();
    } else {
      operator = null;
    }
  }

  /** Quick polls and retries, so the tests wait seconds, not minutes. */
  static K8sSettings settings(String brokerMode, String targetNamespace) {
    return new K8sSettings(brokerMode, targetNamespace, "sm-system", null, Duration.ofMillis(200),
        Duration.ofMillis(500), Duration.ofSeconds(2), "test-cluster");
  }

  @Override
  public void close() {
    if (operator != null) {
      operator.close();
    }
    follower.close();
    loop.close();
    reconciler.close();
  }
}

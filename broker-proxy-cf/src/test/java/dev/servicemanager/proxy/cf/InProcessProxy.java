package dev.servicemanager.proxy.cf;

import dev.servicemanager.proxy.testkit.ServiceManagerFixture;
import dev.servicemanager.proxy.core.NotificationFollower;
import dev.servicemanager.proxy.core.ProxyMetrics;
import dev.servicemanager.proxy.core.ProxySettings;
import dev.servicemanager.proxy.core.Reconciler;
import dev.servicemanager.proxy.core.ResyncLoop;
import dev.servicemanager.proxy.core.SmClient;
import java.time.Duration;

/**
 * The real proxy, wired by hand as {@code ProxyFactory} and {@code CfProxyFactory} do, without a
 * Micronaut context (the Service Manager's beans share this test classpath). Small pages on both
 * sides make every list call page.
 */
final class InProcessProxy implements AutoCloseable {
  static final Duration RESYNC_INTERVAL = Duration.ofSeconds(1);

  final ProxyMetrics metrics = new ProxyMetrics();
  final ProxySettings settings;
  private final Reconciler reconciler;
  private final ResyncLoop loop;
  private final NotificationFollower follower;

  InProcessProxy(String smUrl, ServiceManagerFixture.PlatformCredentials platform, FakeCloudController cc) {
    this(smUrl, platform, cc, RESYNC_INTERVAL);
  }

  InProcessProxy(
      String smUrl, ServiceManagerFixture.PlatformCredentials platform, FakeCloudController cc, Duration resyncInterval) {
    settings = new ProxySettings(smUrl, platform.username(), platform.password(), "sm-", 3, resyncInterval,
        Duration.ofSeconds(10), 2, true);
    CfSettings cf = new CfSettings(cc.url(), FakeCloudController.CLIENT_ID, FakeCloudController.CLIENT_SECRET, null, null,
        Duration.ofMillis(20), Duration.ofSeconds(10), 2, Duration.ofSeconds(10));
    SmClient sm = new SmClient(settings);
    reconciler = new Reconciler(settings, new CfPlatform(new CloudController(cf)), sm);
    loop = new ResyncLoop(sm, reconciler, metrics, resyncInterval);
    follower = new NotificationFollower(settings, loop::requestResync, metrics, Duration.ofMillis(100),
        Duration.ofSeconds(2), Duration.ofSeconds(2));
    loop.start();
    follower.start();
  }

  @Override
  public void close() {
    follower.close();
    loop.close();
    reconciler.close();
  }
}

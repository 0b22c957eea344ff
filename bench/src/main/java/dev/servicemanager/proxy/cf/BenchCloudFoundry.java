package dev.servicemanager.proxy.cf;

import dev.servicemanager.proxy.core.NotificationFollower;
import dev.servicemanager.proxy.core.ProxyMetrics;
import dev.servicemanager.proxy.core.ProxySettings;
import dev.servicemanager.proxy.core.Reconciler;
import dev.servicemanager.proxy.core.ResyncLoop;
import dev.servicemanager.proxy.core.SmClient;
import java.time.Duration;
import java.util.List;

/**
 * The bench module's door into this package: {@link FakeCloudController} (from broker-proxy-cf's
 * test-jar) and the real Cloud Foundry proxy wired by hand as {@code InProcessProxy} in those tests
 * does. Both are package-private there, hence this class in the same package; it adds no behaviour.
 */
public final class BenchCloudFoundry {
  private BenchCloudFoundry() {}

  /** The fake Cloud Controller; jobs complete after {@code jobPolls} PROCESSING answers (0 = instant). */
  public static final class Cc implements AutoCloseable {
    private final FakeCloudController cc;

    public Cc(int jobPolls) {
      cc = new FakeCloudController().jobPolls(jobPolls);
    }

    public String url() {
      return cc.url();
    }

    /** Whether a broker with this URL exists (created, whether or not its job has run yet). */
    public boolean hasBrokerWithUrl(String url) {
      return cc.brokers().stream().anyMatch(b -> b.url().equals(url));
    }

    /** The CC broker's name for this URL, or null. */
    public String brokerNameForUrl(String url) {
      return cc.brokers().stream().filter(b -> b.url().equals(url)).map(FakeCloudController.BrokerView::name)
          .findFirst().orElse(null);
    }

    /** Visibility types ({@code admin}, {@code public}, {@code organization}) of the broker's plans; empty until its catalog synced. */
    public List<String> planVisibilities(String brokerName) {
      return cc.plansOf(brokerName).stream().map(FakeCloudController.PlanView::visibilityType).toList();
    }

    public int brokerCount() {
      return cc.brokers().size();
    }

    @Override
    public void close() {
      cc.close();
    }
  }

  /** The proxy: resync loop plus notification follower, platform basic credentials. */
  public static final class Proxy implements AutoCloseable {
    public final ProxyMetrics metrics = new ProxyMetrics();
    private final Reconciler reconciler;
    private final ResyncLoop loop;
    private final NotificationFollower follower;

    public Proxy(String smUrl, String username, String password, Cc cc, Duration resyncInterval,
        Duration jobPollInterval) {
      ProxySettings settings = new ProxySettings(smUrl, username, password, "sm-", 5, resyncInterval,
          Duration.ofSeconds(10), 100, true);
      CfSettings cf = new CfSettings(cc.url(), FakeCloudController.CLIENT_ID, FakeCloudController.CLIENT_SECRET, null,
          null, jobPollInterval, Duration.ofSeconds(30), 100, Duration.ofSeconds(10));
      reconciler = new Reconciler(settings, new CfPlatform(new CloudController(cf)));
      loop = new ResyncLoop(new SmClient(settings), reconciler, metrics, resyncInterval);
      follower = new NotificationFollower(settings, loop::requestResync, metrics, Duration.ofMillis(100),
          Duration.ofSeconds(2), Duration.ofSeconds(5));
      loop.start();
      follower.start();
    }

    public boolean connected() {
      return metrics.followerState() == ProxyMetrics.FollowerState.CONNECTED;
    }

    @Override
    public void close() {
      follower.close();
      loop.close();
      reconciler.close();
    }
  }
}

package dev.servicemanager.compass.director;

import dev.servicemanager.spi.ApiException;
import dev.servicemanager.spi.brokers.BrokerRegistry;
import io.micronaut.http.HttpStatus;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the {@code compass} broker once the HTTP server is up, then keeps its catalog and the
 * scenario-driven visibilities of its plans current: {@link #changed()} (called after a Director
 * mutation committed) wakes one background thread ({@code compass-broker}), which refreshes the
 * catalog and sets the visibilities; changes arriving meanwhile are coalesced into one further round.
 * A failed round is retried after {@code compass.broker.retry-interval}, doubling after each further
 * failure up to 5 minutes.
 */
@Singleton
@Requires(property = OsbBroker.ENABLED, value = "true", defaultValue = "true")
@Requires(property = "compass.enabled", value = "true", defaultValue = "true")
public final class BrokerSync implements ApplicationEventListener<ServerStartupEvent> {
  public static final String NAME = "compass";
  private static final Logger LOG = LoggerFactory.getLogger(BrokerSync.class);
  private final BrokerRegistry registry;
  private final OsbBroker broker;
  private final OsbCredentials credentials;
  private final String configuredUrl;
  private final Duration retry;
  private final Object lock = new Object();
  private boolean dirty;
  private volatile String brokerId;
  private volatile String url;
  private volatile Thread thread;
  private volatile boolean stopped;
  private int failures;

  BrokerSync(BrokerRegistry registry, OsbBroker broker, OsbCredentials credentials,
      @Nullable @Value("${compass.broker.url:}") String configuredUrl,
      @Value("${compass.broker.retry-interval:5s}") Duration retry) {
    this.registry = registry;
    this.broker = broker;
    this.credentials = credentials;
    this.configuredUrl = configuredUrl == null || configuredUrl.isBlank() ? null : configuredUrl;
    this.retry = retry;
  }

  @Override
  public void onApplicationEvent(ServerStartupEvent event) {
    String base = event.getSource().getURL().toString();
    url = configuredUrl != null ? configuredUrl
        : (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + OsbAccess.PREFIX;
    Thread t = new Thread(this::loop, "compass-broker");
    t.setDaemon(true);
    thread = t;
    changed();
    t.start();
  }

  /** Something the catalog or the visibilities depend on changed (and is committed). */
  public void changed() {
    synchronized (lock) {
      dirty = true;
      lock.notifyAll();
    }
  }

  /** The Service Manager id of the registered broker, or null before the first registration. */
  public String brokerId() {
    return brokerId;
  }

  @PreDestroy
  void stop() {
    stopped = true;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
  }

  private void loop() {
    while (!stopped) {
      try {
        synchronized (lock) {
          while (!dirty && !stopped) {
            lock.wait();
          }
          dirty = false;
        }
        if (stopped) {
          return;
        }
        round();
        failures = 0;
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        failures++;
        Duration wait = backoff(retry, failures);
        // The message may name a URL, never credentials: BrokerRegistry errors are API descriptions.
        LOG.warn("compass broker: sync failed ({}: {}); retrying in {}", e.getClass().getSimpleName(), e.getMessage(), wait);
        changed();
        try {
          Thread.sleep(wait.toMillis());
        } catch (InterruptedException ie) {
          return;
        }
      }
    }
  }

  /** retry-interval after the first failure, doubling after each further one, at most 5 minutes. */
  static Duration backoff(Duration retry, int failures) {
    Duration max = Duration.ofMinutes(5);
    Duration wait = retry;
    for (int i = 1; i < failures && wait.compareTo(max) < 0; i++) {
      wait = wait.multipliedBy(2);
    }
    return wait.compareTo(max) > 0 ? max : wait;
  }

  private void round() {
    RuntimeException refreshFailed = null;
    if (brokerId == null) {
      String password = credentials.newPassword();
      brokerId = registry.ensureRegistered(NAME, url, OsbCredentials.USERNAME, password);
      credentials.confirm(password);
      LOG.info("compass broker registered as service broker {} at {}", brokerId, url);
    } else {
      try {
        registry.refresh(brokerId);
      } catch (ApiException e) {
        if (e.status() == HttpStatus.NOT_FOUND) {
          // Deleted by an administrator: register anew next round.
          brokerId = null;
          throw e;
        }
        // For example a removed bundle whose plan still has instances: the core keeps the old
        // catalog; the visibilities of the plans it has are still brought up to date.
        refreshFailed = e;
      }
    }
    Map<String, Set<String>> visibilities = broker.visibilities();
    registry.setVisibilities(brokerId, visibilities);
    if (refreshFailed != null) {
      throw refreshFailed;
    }
  }
}

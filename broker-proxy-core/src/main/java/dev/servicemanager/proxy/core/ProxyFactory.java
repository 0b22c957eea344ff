package dev.servicemanager.proxy.core;

import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.time.Duration;

/**
 * The proxy's beans for any platform that provides a {@link Platform} bean. Settings:
 * {@code sm.url}, {@code sm.username}, {@code sm.password} ({@code SM_URL}, ...),
 * {@code proxy.resync-interval} ({@code PROXY_RESYNC_INTERVAL}, default 30s), {@code proxy.broker-prefix}
 * (default {@code sm-}), {@code proxy.max-parallel-requests} (5), {@code proxy.notifications.enabled}
 * (true), {@code sm.request-timeout} (60s), {@code sm.page-size} (100).
 */
@Factory
@Requires(property = "broker-proxy.enabled", value = "true")
@Requires(beans = Platform.class)
final class ProxyFactory {

  @Singleton
  ProxySettings settings(
      @Value("${sm.url}") String smUrl,
      @Value("${sm.username}") String username,
      @Value("${sm.password}") String password,
      @Value("${proxy.broker-prefix:sm-}") String prefix,
      @Value("${proxy.max-parallel-requests:5}") int maxParallel,
      @Value("${proxy.resync-interval:30s}") Duration resyncInterval,
      @Value("${sm.request-timeout:60s}") Duration timeout,
      @Value("${sm.page-size:100}") int pageSize,
      @Value("${proxy.notifications.enabled:true}") boolean notifications) {
    return new ProxySettings(smUrl, username, password, prefix, maxParallel, resyncInterval, timeout, pageSize, notifications);
  }

  @Singleton
  ProxyMetrics metrics() {
    return new ProxyMetrics();
  }

  @Singleton
  SmClient smClient(ProxySettings settings) {
    return new SmClient(settings);
  }

  @Singleton
  @Bean(preDestroy = "close")
  Reconciler reconciler(ProxySettings settings, Platform platform, SmClient sm) {
    return new Reconciler(settings, platform, sm);
  }

  @Singleton
  @Bean(preDestroy = "close")
  ResyncLoop resyncLoop(SmClient sm, Reconciler reconciler, ProxyMetrics metrics, ProxySettings settings) {
    return new ResyncLoop(sm, reconciler, metrics, settings.resyncInterval());
  }

  @Singleton
  @Bean(preDestroy = "close")
  @Requires(property = "proxy.notifications.enabled", notEquals = "false")
  NotificationFollower follower(
      ProxySettings settings,
      ResyncLoop loop,
      ProxyMetrics metrics,
      @Value("${proxy.notifications.min-backoff:1s}") Duration minBackoff,
      @Value("${proxy.notifications.max-backoff:30s}") Duration maxBackoff,
      @Value("${proxy.notifications.ping-interval:5s}") Duration pingInterval) {
    return new NotificationFollower(settings, loop::requestResync, metrics, minBackoff, maxBackoff, pingInterval);
  }
}

package dev.servicemanager.proxy.core;

import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.runtime.event.annotation.EventListener;
import jakarta.inject.Singleton;
import java.util.Optional;

/** Starts the resync loop and, when enabled, the notification follower once the context is up. */
@Singleton
@Requires(beans = ResyncLoop.class)
final class ProxyStarter {
  private final ResyncLoop loop;
  private final Optional<NotificationFollower> follower;
  private final ProxySettings settings;

  ProxyStarter(ResyncLoop loop, Optional<NotificationFollower> follower, ProxySettings settings) {
    this.loop = loop;
    this.follower = follower;
    this.settings = settings;
  }

  @EventListener
  void onStartup(StartupEvent event) {
    loop.start();
    if (settings.notifications()) {
      follower.ifPresent(NotificationFollower::start);
    }
  }
}

package dev.servicemanager.server.events;

import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.time.Duration;

/** {@code sm.notifications.*}: reference section 10 defaults (ping 30s, queue 100, keep 12h). */
@Singleton
final class NotificationSettings {
  final Duration pingTimeout;
  final int queueSize;
  final Duration keepFor;

  NotificationSettings(
      @Value("${sm.notifications.ping-timeout:30s}") Duration pingTimeout,
      @Value("${sm.notifications.queue-size:100}") int queueSize,
      @Value("${sm.notifications.keep-for:12h}") Duration keepFor) {
    if (queueSize < 1) {
      throw new io.micronaut.context.exceptions.ConfigurationException("sm.notifications.queue-size must be at least 1");
    }
    this.pingTimeout = pingTimeout;
    this.queueSize = queueSize;
    this.keepFor = keepFor;
  }

  /** In Go's duration syntax, which Peripli agents parse ({@code time.ParseDuration}). */
  String maxPingPeriod() {
    long millis = pingTimeout.toMillis();
    return millis % 1000 == 0 ? (millis / 1000) + "s" : millis + "ms";
  }
}

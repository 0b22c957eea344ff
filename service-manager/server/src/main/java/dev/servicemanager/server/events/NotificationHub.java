package dev.servicemanager.server.events;

import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The agents connected to this server, by websocket session id. */
@Singleton
final class NotificationHub {
  private final Map<String, Consumer> consumers = new ConcurrentHashMap<>();

  void add(Consumer consumer) {
    consumers.put(consumer.session.getId(), consumer);
  }

  Consumer remove(String sessionId) {
    return consumers.remove(sessionId);
  }

  void publish(List<Notification> notifications) {
    if (!notifications.isEmpty()) {
      consumers.values().forEach(c -> c.offer(notifications));
    }
  }

  int size() {
    return consumers.size();
  }
}

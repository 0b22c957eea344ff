package dev.servicemanager.server.events;

import dev.servicemanager.server.ShutdownStep;
import io.micronaut.websocket.CloseReason;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agents connected to this server, by websocket session id. On shutdown every agent is told
 * 1001 (going away) before the HTTP server stops, which would drop the connections with no close
 * frame (1006): agents treat 1001 as "reconnect elsewhere", 1006 as a network failure.
 */
@Singleton
final class NotificationHub implements ShutdownStep {
  static final CloseReason GOING_AWAY = new CloseReason(CloseReason.GOING_AWAY.getCode(), "server stopping");
  private static final Duration CLOSE_PATIENCE = Duration.ofSeconds(3);
  private final Map<String, Consumer> consumers = new ConcurrentHashMap<>();
  private volatile boolean stopping;

  /** False once the server is stopping: the session was closed with 1001 instead of registered. */
  boolean add(Consumer consumer) {
    if (stopping) {
      consumer.close(GOING_AWAY);
      return false;
    }
    consumers.put(consumer.session.getId(), consumer);
    if (stopping) {
      // Raced beforeServerStop's sweep.
      consumer.close(GOING_AWAY);
      return false;
    }
    return true;
  }

  @Override
  public void beforeServerStop() {
    stopping = true;
    List<Consumer> open = List.copyOf(consumers.values());
    open.forEach(c -> c.close(GOING_AWAY));
    // The close frames are written asynchronously; the server must not drop the channels first.
    long deadline = System.nanoTime() + CLOSE_PATIENCE.toNanos();
    while (open.stream().anyMatch(c -> c.session.isOpen()) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
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

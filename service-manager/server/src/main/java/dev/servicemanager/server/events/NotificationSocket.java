package dev.servicemanager.server.events;

import dev.servicemanager.server.security.Callers;
import dev.servicemanager.server.store.Json;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.server.netty.NettyHttpRequest;
import io.micronaut.http.server.netty.websocket.NettyServerWebSocketHandler;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.security.authentication.Authentication;
import io.micronaut.websocket.CloseReason;
import io.micronaut.websocket.WebSocketSession;
import io.micronaut.websocket.annotation.OnClose;
import io.micronaut.websocket.annotation.OnMessage;
import io.micronaut.websocket.annotation.OnOpen;
import io.micronaut.websocket.annotation.ServerWebSocket;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import jakarta.inject.Named;
import java.util.List;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/notifications}: the agents' websocket (reference section 4). The handshake was
 * checked by {@link NotificationHandshake}; here the session is registered for live notifications,
 * the missed ones are replayed, and the keep-alive is attached. Database work runs on the blocking
 * executor, never on the event loop.
 */
@ServerWebSocket("/v1/notifications")
final class NotificationSocket {
  private static final Logger LOG = LoggerFactory.getLogger(NotificationSocket.class);
  static final String AGENT_VERSION_HEADER = "X-Peripli-Agent-Version";
  private static final CloseReason PING_TIMEOUT =
      new CloseReason(CloseReason.POLICY_VIOLATION.getCode(), "no ping within max_ping_period");
  private static final String PLATFORM = "sm.platform";

  private final NotificationHub hub;
  private final NotificationStore store;
  private final NotificationSettings settings;
  private final Json json;
  private final ExecutorService blocking;

  NotificationSocket(
      NotificationHub hub,
      NotificationStore store,
      NotificationSettings settings,
      Json json,
      @Named(TaskExecutors.BLOCKING) ExecutorService blocking) {
    this.hub = hub;
    this.store = store;
    this.settings = settings;
    this.json = json;
    this.blocking = blocking;
  }

  @OnOpen
  void open(WebSocketSession session, HttpRequest<?> request) {
    String platformId =
        request.getUserPrincipal(Authentication.class).flatMap(Callers::platformId).orElse(null);
    if (platformId == null) {
      session.close(CloseReason.POLICY_VIOLATION);
      return;
    }
    session.put(PLATFORM, platformId);
    Long after =
        request
            .getAttribute(NotificationHandshake.REPLAY_AFTER, Long.class)
            .orElseGet(() -> NotificationHandshake.parseRevision(request.getParameters().get(NotificationHandshake.REVISION_PARAMETER)));
    String agentVersion = request.getHeaders().get(AGENT_VERSION_HEADER);
    Consumer consumer = new Consumer(platformId, session, settings.queueSize, json);
    if (!hub.add(consumer)) {
      return;
    }
    attachKeepAlive(request, platformId, consumer);
    blocking.execute(
        () -> {
          try {
            store.connected(platformId, agentVersion);
            consumer.start(after == null ? List.of() : store.missed(platformId, after));
          } catch (RuntimeException e) {
            LOG.warn("Could not start notifications for platform {}", platformId, e);
            consumer.close(CloseReason.INTERNAL_ERROR);
          }
        });
  }

  @OnMessage
  void message(String text, WebSocketSession session) {
    // Agents only ping; anything else is ignored, as Peripli does.
  }

  @OnClose
  void close(WebSocketSession session) {
    Consumer consumer = hub.remove(session.getId());
    String platformId = session.get(PLATFORM, String.class).orElse(null);
    if (consumer != null) {
      consumer.close(CloseReason.NORMAL);
    }
    if (platformId != null) {
      blocking.execute(() -> store.disconnected(platformId));
    }
  }

  private void attachKeepAlive(HttpRequest<?> request, String platformId, Consumer consumer) {
    if (!(request instanceof NettyHttpRequest<?> netty)) {
      return;
    }
    Channel channel = netty.getChannelHandlerContext().channel();
    KeepAlive keepAlive =
        new KeepAlive(
            settings.pingTimeout,
            () -> blocking.execute(() -> store.pinged(platformId)),
            () -> consumer.close(PING_TIMEOUT));
    // Later on the event loop: Micronaut adds its websocket handler after this method returns.
    channel.eventLoop().execute(() -> {
      ChannelPipeline pipeline = channel.pipeline();
      if (!channel.isActive() || pipeline.get(KeepAlive.NAME) != null) {
        return;
      }
      if (pipeline.get(NettyServerWebSocketHandler.ID) != null) {
        pipeline.addBefore(NettyServerWebSocketHandler.ID, KeepAlive.NAME, keepAlive);
      } else if (pipeline.get("wsdecoder") != null) {
        pipeline.addAfter("wsdecoder", KeepAlive.NAME, keepAlive);
      } else {
        LOG.warn("No websocket decoder in the pipeline; the keep-alive is not attached: {}", pipeline.names());
      }
    });
  }
}

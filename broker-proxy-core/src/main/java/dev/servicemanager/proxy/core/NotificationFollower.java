package dev.servicemanager.proxy.core;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code /v1/notifications} (reference SM section 4, proxies 4.1) and turns every notification
 * into a resync request, so a change reaches the platform in seconds rather than at the next periodic
 * resync.
 *
 * <ul>
 *   <li>connects with the platform's basic credentials, and {@code last_notification_revision=<n>} once
 *       a revision is known, so SM replays what was missed;
 *   <li>a connect without a revision asks for a full resync (SM streams only new notifications then);
 *   <li>{@code 410 Gone}: the revision is lost; forget it, reconnect without it, full resync;
 *   <li>{@code 404}/{@code 403} on the handshake: this Service Manager has no notification endpoint for
 *       platforms; the follower stays off (asking again every 10 minutes, in case SM was upgraded) and
 *       the periodic resync does all the work;
 *   <li>other failures and closed connections: reconnect with exponential backoff;
 *   <li>pings every {@code pingInterval} keep the connection (and the platform's {@code active} flag)
 *       alive. The JDK client does not expose the handshake's response headers, so
 *       {@code max_ping_period} cannot be read; the interval is configured instead.
 * </ul>
 */
public final class NotificationFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NotificationFollower.class);
  /** After a 404/403, look again this much later: SM may have been upgraded meanwhile. */
  static final Duration RECHECK_ABSENT = Duration.ofMinutes(10);

  private final ProxySettings settings;
  private final LongConsumer resync;
  private final ProxyMetrics metrics;
  private final Duration minBackoff;
  private final Duration maxBackoff;
  private final Duration pingInterval;
  private final HttpClient http;
  private final ScheduledExecutorService pinger;
  private volatile long revision = -1;
  private volatile Thread thread;
  private volatile WebSocket socket;

  public NotificationFollower(ProxySettings settings, LongConsumer resync, ProxyMetrics metrics,
      Duration minBackoff, Duration maxBackoff, Duration pingInterval) {
    this.settings = settings;
    this.resync = resync;
    this.metrics = metrics;
    this.minBackoff = minBackoff;
    this.maxBackoff = maxBackoff;
    this.pingInterval = pingInterval;
    this.http = HttpClient.newBuilder().connectTimeout(settings.requestTimeout()).build();
    this.pinger = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "proxy-notifications-ping");
      t.setDaemon(true);
      return t;
    });
  }

  public synchronized void start() {
    if (thread != null) {
      return;
    }
    thread = new Thread(this::run, "proxy-notifications");
    thread.setDaemon(true);
    thread.start();
  }

  /** The last revision received, or -1. */
  public long revision() {
    return revision;
  }

  URI uri() {
    String base = settings.smUrl().replaceFirst("^http", "ws") + "/v1/notifications";
    return URI.create(revision < 0 ? base : base + "?last_notification_revision=" + revision);
  }

  private void run() {
    Duration backoff = minBackoff;
    while (!Thread.currentThread().isInterrupted()) {
      metrics.followerState(ProxyMetrics.FollowerState.CONNECTING);
      CompletableFuture<Void> closed = new CompletableFuture<>();
      boolean hadRevision = revision >= 0;
      try {
        WebSocket ws =
            http.newWebSocketBuilder()
                .header("Authorization", SmClient.basic(settings.smUsername(), settings.smPassword()))
                .connectTimeout(settings.requestTimeout())
                .buildAsync(uri(), new Listener(closed, !hadRevision))
                .get();
        socket = ws;
        LOG.info("Following notifications from {}", uri());
        backoff = minBackoff;
        ScheduledFuture<?> pings =
            pinger.scheduleAtFixedRate(() -> ws.sendPing(ByteBuffer.allocate(0)),
                pingInterval.toMillis(), pingInterval.toMillis(), TimeUnit.MILLISECONDS);
        try {
          closed.get();
        } finally {
          pings.cancel(false);
          ws.abort();
        }
        LOG.info("Notification connection closed; reconnecting");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (ExecutionException e) {
        int status = e.getCause() instanceof WebSocketHandshakeException h ? h.getResponse().statusCode() : -1;
        if (status == 410) {
          LOG.info("Notification revision {} is gone: reconnecting without it and resyncing", revision);
          revision = -1;
          continue;
        }
        if (status == 404 || status == 403) {
          LOG.info("The Service Manager offers no notifications to platforms ({}); relying on the periodic resync,"
              + " asking again in {}", status, RECHECK_ABSENT);
          metrics.followerState(ProxyMetrics.FollowerState.DISABLED);
          try {
            Thread.sleep(RECHECK_ABSENT.toMillis());
          } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            break;
          }
          continue;
        }
        LOG.warn("Could not follow notifications ({}); retrying in {}", status > 0 ? status : e.getCause(), backoff);
      }
      try {
        Thread.sleep(backoff.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
    }
    metrics.followerState(ProxyMetrics.FollowerState.STOPPED);
  }

  void onNotification(String text) {
    long rev;
    try {
      Object value = Json.parse(text).get("revision");
      rev = value instanceof Number n ? n.longValue() : Long.parseLong(String.valueOf(value));
    } catch (RuntimeException e) {
      LOG.warn("Ignoring a notification without a revision: {}", Json.abbreviate(text));
      return;
    }
    if (rev > revision) {
      revision = rev;
    }
    metrics.notificationReceived(rev);
    resync.accept(rev);
  }

  @Override
  public synchronized void close() {
    Thread t = thread;
    thread = null;
    WebSocket ws = socket;
    if (ws != null) {
      ws.abort();
    }
    if (t != null) {
      t.interrupt();
    }
    pinger.shutdownNow();
    metrics.followerState(ProxyMetrics.FollowerState.STOPPED);
  }

  private final class Listener implements WebSocket.Listener {
    private final CompletableFuture<Void> closed;
    private final StringBuilder text = new StringBuilder();

    private final boolean fullResync;

    Listener(CompletableFuture<Void> closed, boolean fullResync) {
      this.closed = closed;
      this.fullResync = fullResync;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      // Connected from here, before any frame is handled (the handshake's future may complete later).
      metrics.followerState(ProxyMetrics.FollowerState.CONNECTED);
      // Without a revision SM streams only what comes next: read everything once (before any message).
      if (fullResync) {
        resync.accept(-1);
      }
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        String message = text.toString();
        text.setLength(0);
        onNotification(message);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closed.complete(null);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closed.complete(null);
    }
  }
}

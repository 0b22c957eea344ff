package dev.servicemanager.server.events;

import dev.servicemanager.server.api.ApiError;
import dev.servicemanager.server.security.Callers;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.filter.FilterContinuation;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.ServerFilterPhase;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.http.server.netty.NettyHttpRequest;
import jakarta.inject.Named;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import java.util.concurrent.ExecutorService;
import io.micronaut.security.authentication.Authentication;
import java.util.Optional;

/**
 * The checks of the websocket handshake (reference section 4), made after authentication and
 * before the upgrade, because only an HTTP answer can say 400 or 410: a bad {@code
 * last_notification_revision} is 400; one newer than the latest revision, no longer kept, or
 * further behind than the queue holds is 410 Gone (the agent then resyncs). On success the 101
 * response carries {@code last_notification_revision} (omitted while there is none) and {@code
 * max_ping_period}.
 */
@ServerFilter("/v1/notifications")
final class NotificationHandshake implements Ordered {
  static final String REVISION_PARAMETER = "last_notification_revision";
  static final String REVISION_HEADER = "last_notification_revision";
  static final String MAX_PING_HEADER = "max_ping_period";
  private static final String LATEST = "sm.notifications.latest";
  static final String REPLAY_AFTER = "sm.notifications.replay-after";
  private static final String CHECKED = "sm.notifications.checked";

  private final NotificationStore store;
  private final NotificationSettings settings;
  private final ExecutorService blocking;

  NotificationHandshake(
      NotificationStore store, NotificationSettings settings, @Named(TaskExecutors.BLOCKING) ExecutorService blocking) {
    this.store = store;
    this.settings = settings;
    this.blocking = blocking;
  }

  @Override
  public int getOrder() {
    return ServerFilterPhase.SECURITY.after();
  }

  /**
   * The checks read the database, so they run on the blocking executor; the upgrade must continue
   * on the connection's event loop (Micronaut rewires the Netty pipeline there), hence the hop back.
   */
  @RequestFilter
  Publisher<MutableHttpResponse<?>> check(
      HttpRequest<?> request, FilterContinuation<Publisher<MutableHttpResponse<?>>> next) {
    Mono<Optional<MutableHttpResponse<?>>> checked =
        Mono.fromCallable(() -> Optional.<MutableHttpResponse<?>>ofNullable(decide(request)))
            .subscribeOn(Schedulers.fromExecutorService(blocking));
    if (request instanceof NettyHttpRequest<?> netty) {
      checked = checked.publishOn(Schedulers.fromExecutor(netty.getChannelHandlerContext().executor()));
    }
    return checked.flatMap(
        refused -> refused.isPresent() ? Mono.just(refused.get()) : Mono.from(next.proceed()).map(r -> headers(request, r)));
  }

  @Nullable
  private MutableHttpResponse<?> decide(HttpRequest<?> request) {
    Optional<String> platform = request.getUserPrincipal(Authentication.class).flatMap(Callers::platformId);
    if (platform.isEmpty()) {
      return null; // AccessRule has already answered 401/403
    }
    Long known;
    try {
      known = parseRevision(request.getParameters().get(REVISION_PARAMETER));
    } catch (IllegalArgumentException e) {
      return HttpResponse.<ApiError>status(HttpStatus.BAD_REQUEST).body(new ApiError("BadRequest", e.getMessage()));
    }
    NotificationStore.Decision decision = store.decide(platform.get(), known, settings.queueSize);
    if (decision instanceof NotificationStore.Gone gone) {
      return HttpResponse.<ApiError>status(HttpStatus.GONE).body(new ApiError("Gone", gone.reason()));
    }
    request.setAttribute(CHECKED, Boolean.TRUE);
    Long latest = store.latest();
    if (latest != null) {
      request.setAttribute(LATEST, latest);
    }
    // The socket replays everything after this, so nothing committed between this check and the
    // session's registration is lost (with no revision: everything after the announced latest).
    long after = decision instanceof NotificationStore.Replay replay ? replay.after() : latest == null ? 0 : latest;
    request.setAttribute(REPLAY_AFTER, after);
    return null;
  }

  private MutableHttpResponse<?> headers(HttpRequest<?> request, MutableHttpResponse<?> response) {
    if (request.getAttribute(CHECKED).isEmpty() || response.code() >= 300) {
      return response;
    }
    request.getAttribute(LATEST, Long.class).ifPresent(latest -> response.header(REVISION_HEADER, latest.toString()));
    response.header(MAX_PING_HEADER, settings.maxPingPeriod());
    return response;
  }

  /** Null when absent; a non-negative integer otherwise. */
  @Nullable
  static Long parseRevision(@Nullable String raw) {
    if (raw == null) {
      return null;
    }
    try {
      long value = Long.parseLong(raw.trim());
      if (value < 0) {
        throw new NumberFormatException();
      }
      return value;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(REVISION_PARAMETER + " must be a non-negative integer, got '" + raw + "'");
    }
  }
}

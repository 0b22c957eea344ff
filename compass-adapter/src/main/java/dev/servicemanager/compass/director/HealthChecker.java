package dev.servicemanager.compass.director;

import dev.servicemanager.compass.CompassAccess;
import dev.servicemanager.compass.Db;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PreDestroy;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls applications' {@code healthCheckURL} from a background thread ({@code compass-health}), never
 * from a GraphQL call. Each round claims due applications (FOR UPDATE SKIP LOCKED, and a lease on
 * {@code next_health_check_at}, so several servers never check one application at the same time and
 * a check cut off by a crash runs again), GETs them concurrently with a timeout, without following
 * redirects and without reading the body, and records the result outside the claiming transaction:
 * 2xx → CONNECTED; anything else → FAILED with the reason in {@code status_message}. The next check is
 * due {@code interval} later. No database lock is held during the HTTP call, so a slow endpoint never
 * blocks a GraphQL call. URLs and bodies are not logged; only transitions are (application id and the
 * kind of error).
 */
@Context
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
@Requires(property = HealthChecker.ENABLED, value = "true", defaultValue = "true")
final class HealthChecker {
  static final String ENABLED = "compass.health-checks.enabled";
  private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);
  private static final int BATCH = 50;
  private final Db db;
  private final Duration interval;
  private final Duration timeout;
  private final HttpClient http;
  private final ScheduledExecutorService loop;

  HealthChecker(
      Db db,
      @Value("${compass.health-checks.interval:30s}") Duration interval,
      @Value("${compass.health-checks.timeout:5s}") Duration timeout) {
    if (interval.isNegative() || interval.isZero() || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("compass.health-checks: interval and timeout must be positive");
    }
    this.db = db;
    this.interval = interval;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "compass-health");
      t.setDaemon(true);
      return t;
    });
    // look for due applications at least every second (new ones and changed URLs are due at once)
    long poll = Math.min(interval.toMillis(), 1000);
    loop.scheduleWithFixedDelay(this::safeTick, poll, poll, TimeUnit.MILLISECONDS);
  }

  @PreDestroy
  void stop() throws InterruptedException {
    loop.shutdownNow();
    loop.awaitTermination(5, TimeUnit.SECONDS);
  }

  private void safeTick() {
    try {
      while (tick() == BATCH && !Thread.currentThread().isInterrupted()) {
        // a full batch: there may be more due
      }
    } catch (RuntimeException e) {
      if (!loop.isShutdown()) {
        LOG.warn("health check round failed: {}", e.toString());
      }
    }
  }

  private record Claimed(String id, String url, String condition, String message) {}

  /** message: null when healthy (2xx). */
  record Result(String message) {
    boolean healthy() {
      return message == null;
    }
  }

  /** One round: claims up to BATCH due applications and checks them. Returns how many were claimed. */
  int tick() {
    Instant now = ApplicationStore.now();
    Instant lease = now.plus(timeout).plusSeconds(30);
    List<Claimed> claimed = db.write(tx -> tx.query(
        "UPDATE compass_applications SET next_health_check_at = ? WHERE id IN (SELECT id FROM compass_applications"
            + " WHERE health_check_url IS NOT NULL AND (next_health_check_at IS NULL OR next_health_check_at <= ?)"
            + " ORDER BY next_health_check_at NULLS FIRST LIMIT ? FOR UPDATE SKIP LOCKED)"
            + " RETURNING id, health_check_url, status_condition, status_message",
        List.of(lease, now, BATCH),
        rs -> new Claimed(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4))));
    List<CompletableFuture<Result>> calls = new ArrayList<>();
    for (Claimed c : claimed) {
      calls.add(check(c.url()));
    }
    for (int i = 0; i < claimed.size(); i++) {
      record(claimed.get(i), calls.get(i).join());
    }
    return claimed.size();
  }

  /** GETs the URL: never follows redirects, never reads the body; the future never fails. */
  CompletableFuture<Result> check(String url) {
    HttpRequest request;
    try {
      request = HttpRequest.newBuilder(URI.create(url)).timeout(timeout).GET().build();
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(new Result("invalid URL"));
    }
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream())
        // a safety net: the request timeout covers the answer's headers, this the whole call
        .orTimeout(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS)
        .handle((response, failure) -> {
          if (failure != null) {
            return new Result(describe(failure));
          }
          try (InputStream body = response.body()) {
            // closing without reading: the body is never read (nor its size trusted)
          } catch (Exception e) {
            // nothing to do
          }
          int code = response.statusCode();
          return new Result(code / 100 == 2 ? null : "HTTP " + code);
        });
  }

  /** The kind of error only: exception messages may contain the URL. */
  private String describe(Throwable failure) {
    Throwable cause = failure;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    for (Throwable t = cause; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof ConnectException && !(t instanceof HttpConnectTimeoutException)) {
        return "connection refused or unreachable";
      }
    }
    if (cause instanceof HttpConnectTimeoutException) {
      return "connect timeout after " + timeout.toMillis() + "ms";
    }
    if (cause instanceof HttpTimeoutException || cause instanceof TimeoutException) {
      return "timeout after " + timeout.toMillis() + "ms";
    }
    if (cause instanceof ConnectException) {
      return "connection refused or unreachable";
    }
    if (cause instanceof IllegalArgumentException) {
      return "invalid URL";
    }
    return "connection error (" + cause.getClass().getSimpleName() + ")";
  }

  private void record(Claimed c, Result result) {
    Instant now = ApplicationStore.now();
    String condition = result.healthy() ? "CONNECTED" : "FAILED";
    String message = result.message();
    // only if the URL is still the one checked (a changed URL is due again at once); the timestamp
    // moves when the condition or its reason changes
    int updated = db.write(tx -> tx.update(
        "UPDATE compass_applications SET status_timestamp = CASE WHEN status_condition IS DISTINCT FROM ?::varchar"
            + " OR status_message IS DISTINCT FROM ?::varchar THEN ? ELSE status_timestamp END,"
            + " status_condition = ?, status_message = ?, health_checked_at = ?, next_health_check_at = ?"
            + " WHERE id = ? AND health_check_url = ?",
        condition, message, now, condition, message, now, now.plus(interval), c.id(), c.url()));
    if (updated == 1 && !condition.equals(c.condition())) {
      if (result.healthy()) {
        LOG.info("application {} health check: CONNECTED", c.id());
      } else {
        LOG.warn("application {} health check: FAILED ({})", c.id(), message);
      }
    }
  }
}

package dev.servicemanager.compass.director;

import dev.servicemanager.compass.CompassAccess;
import dev.servicemanager.compass.Db;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PreDestroy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the webhook outbox ({@code compass_webhook_deliveries}) from a background thread, never
 * from a GraphQL call. Every {@code poll-interval} it claims due PENDING rows (FOR UPDATE SKIP LOCKED,
 * and a lease: {@code next_attempt_at} moves past the timeout, so a delivery cut off by a crash is
 * retried and several servers never send the same row at the same time), POSTs them concurrently
 * with a timeout and records the outcome: 2xx → DELIVERED; otherwise the error is stored and the row
 * is retried after {@code initial-backoff × 2^(attempts-1)}, capped at {@code max-backoff}, until
 * {@code max-attempts} attempts have failed (then FAILED). URLs and bodies are not logged.
 */
@Context
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
final class WebhookDispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(WebhookDispatcher.class);
  private static final int BATCH = 20;
  private final Db db;
  private final Duration timeout;
  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Duration retention;
  private final HttpClient http;
  private final ScheduledExecutorService loop;

  WebhookDispatcher(
      Db db,
      @Value("${compass.webhooks.poll-interval:1s}") Duration pollInterval,
      @Value("${compass.webhooks.timeout:10s}") Duration timeout,
      @Value("${compass.webhooks.max-attempts:8}") int maxAttempts,
      @Value("${compass.webhooks.initial-backoff:2s}") Duration initialBackoff,
      @Value("${compass.webhooks.max-backoff:5m}") Duration maxBackoff,
      @Value("${compass.webhooks.retention:7d}") Duration retention) {
    if (maxAttempts < 1 || timeout.isNegative() || timeout.isZero() || pollInterval.isNegative() || pollInterval.isZero()
        || initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0 || retention.isNegative()) {
      throw new IllegalArgumentException("compass.webhooks: max-attempts must be >= 1, timeout and poll-interval"
          + " positive, max-backoff >= initial-backoff >= 0, retention >= 0");
    }
    this.db = db;
    this.timeout = timeout;
    this.maxAttempts = maxAttempts;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.retention = retention;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "compass-webhooks");
      t.setDaemon(true);
      return t;
    });
    loop.scheduleWithFixedDelay(this::safeTick, pollInterval.toMillis(), pollInterval.toMillis(), TimeUnit.MILLISECONDS);
  }

  @PreDestroy
  void stop() throws InterruptedException {
    loop.shutdownNow();
    loop.awaitTermination(5, TimeUnit.SECONDS);
  }

  private void safeTick() {
    try {
      forgetFinished();
      while (tick() == BATCH && !Thread.currentThread().isInterrupted()) {
        // a full batch: there may be more due
      }
    } catch (RuntimeException e) {
      if (!loop.isShutdown()) {
        LOG.warn("webhook delivery round failed: {}", e.toString());
      }
    }
  }

  private record Claimed(String id, String webhookId, String url, String payload, int attempts) {}

  /** error: null on success; shown as lastError. brief: what the log may show (no URL, no message). */
  private record Outcome(Integer statusCode, String error, String brief) {}

  /** Deletes DELIVERED and FAILED deliveries older than the retention, a bounded batch per round. */
  void forgetFinished() {
    Instant before = ApplicationStore.now().minus(retention);
    db.write(tx -> tx.update(
        "DELETE FROM compass_webhook_deliveries WHERE id IN (SELECT id FROM compass_webhook_deliveries"
            + " WHERE status <> 'PENDING' AND created_at < ? LIMIT 500)", before));
  }

  /** One round: claims up to BATCH due deliveries and makes them. Returns how many were claimed. */
  int tick() {
    Instant now = ApplicationStore.now();
    Instant lease = now.plus(timeout).plusSeconds(30);
    List<Claimed> claimed = db.write(tx -> tx.query(
        "UPDATE compass_webhook_deliveries d SET next_attempt_at = ? FROM compass_webhooks w"
            + " WHERE w.id = d.webhook_id AND d.id IN (SELECT id FROM compass_webhook_deliveries"
            + " WHERE status = 'PENDING' AND next_attempt_at <= ? ORDER BY next_attempt_at, position LIMIT ?"
            + " FOR UPDATE SKIP LOCKED) RETURNING d.id, d.webhook_id, w.url, d.payload::text, d.attempts",
        List.of(lease, now, BATCH),
        rs -> new Claimed(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5))));
    List<CompletableFuture<Outcome>> calls = new ArrayList<>();
    for (Claimed c : claimed) {
      calls.add(send(c));
    }
    for (int i = 0; i < claimed.size(); i++) {
      record(claimed.get(i), calls.get(i).join());
    }
    return claimed.size();
  }

  private CompletableFuture<Outcome> send(Claimed c) {
    HttpRequest request;
    try {
      request = HttpRequest.newBuilder(URI.create(c.url()))
          .timeout(timeout)
          .header("Content-Type", "application/json")
          .header("X-Compass-Event", WebhookStore.CONFIGURATION_CHANGED)
          .header("X-Compass-Delivery", c.id())
          .POST(HttpRequest.BodyPublishers.ofString(c.payload()))
          .build();
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(new Outcome(null, "invalid URL: " + e.getMessage(), "invalid URL"));
    }
    return http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
        // The request timeout stops counting once headers arrive; a receiver that stalls in the middle
        // of its answer would hold the delivery loop (and outlive the lease). This bounds the whole call.
        .orTimeout(timeout.toMillis() + 1000, java.util.concurrent.TimeUnit.MILLISECONDS)
        .handle((response, failure) -> {
          if (failure != null) {
            Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
            String message = cause.getMessage();
            String kind = cause.getClass().getSimpleName();
            return new Outcome(null, kind + (message == null ? "" : ": " + message), kind);
          }
          int code = response.statusCode();
          return new Outcome(code, code / 100 == 2 ? null : "HTTP " + code, "HTTP " + code);
        });
  }

  private void record(Claimed c, Outcome outcome) {
    Instant now = ApplicationStore.now();
    int attempts = c.attempts() + 1;
    if (outcome.error() == null) {
      db.write(tx -> tx.update(
          "UPDATE compass_webhook_deliveries SET status = 'DELIVERED', attempts = ?, last_attempt_at = ?,"
              + " last_status_code = ?, last_error = NULL, delivered_at = ? WHERE id = ? AND status = 'PENDING'",
          attempts, now, outcome.statusCode(), now, c.id()));
      return;
    }
    boolean last = attempts >= maxAttempts;
    Instant next = now.plus(backoff(initialBackoff, maxBackoff, attempts));
    String error = outcome.error().length() > 1000 ? outcome.error().substring(0, 1000) : outcome.error();
    db.write(tx -> tx.update(
        "UPDATE compass_webhook_deliveries SET status = ?, attempts = ?, last_attempt_at = ?, last_status_code = ?,"
            + " last_error = ?, next_attempt_at = ? WHERE id = ? AND status = 'PENDING'",
        last ? "FAILED" : "PENDING", attempts, now, outcome.statusCode(), error, next, c.id()));
    LOG.warn("webhook {} delivery {} attempt {}/{} failed ({}){}", c.webhookId(), c.id(), attempts, maxAttempts,
        outcome.brief(),
        last ? "; giving up" : "; retrying at " + next);
  }

  /** initial × 2^(attempts-1), capped at max: the wait after the given number of failed attempts. */
  static Duration backoff(Duration initialBackoff, Duration maxBackoff, int attempts) {
    Duration d = initialBackoff;
    for (int i = 1; i < attempts && d.compareTo(maxBackoff) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
  }
}

package dev.servicemanager.server.osb;

import dev.servicemanager.spi.ApiException;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import dev.servicemanager.server.store.Json;

/**
 * Calls brokers as an OSB 2.17 platform: {@code X-Broker-API-Version: 2.17}, a request identity,
 * the broker's basic credentials, and timeouts from config. Failures become 502 {@code BrokerError}
 * responses that say what went wrong (unreachable, timeout, status) without leaking credentials.
 */
@Singleton
public final class OsbClient {
  public static final String API_VERSION = "2.17";
  private final HttpClient http;
  private final Duration readTimeout;
  private final Duration exchangeDeadline;
  private static final int MAX_ANSWER_BYTES = 1024 * 1024;
  private final long maxCatalogBytes;
  private final Json json;

  OsbClient(
      Json json,
      @Value("${sm.broker-client.connect-timeout:5s}") Duration connectTimeout,
      @Value("${sm.broker-client.read-timeout:30s}") Duration readTimeout,
      @Value("${sm.broker-client.max-catalog-bytes:52428800}") long maxCatalogBytes) {
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    this.readTimeout = readTimeout;
    this.exchangeDeadline = connectTimeout.plus(readTimeout);
    this.maxCatalogBytes = maxCatalogBytes;
    this.json = json;
  }

  /** {@code GET /v2/catalog}; returns the body of a 200 answer. */
  public byte[] fetchCatalog(BrokerEndpoint broker) {
    HttpRequest request =
        HttpRequest.newBuilder(uri(broker, "/v2/catalog"))
            .timeout(readTimeout)
            .header("X-Broker-API-Version", API_VERSION)
            .header("X-Broker-API-Request-Identity", UUID.randomUUID().toString())
            .header("Accept", "application/json")
            .header("Authorization", basic(broker))
            .GET()
            .build();
    try {
      HttpResponse<CappedBody> response = exchange(request, maxCatalogBytes);
      byte[] bytes = response.body().bytes();
      if (response.body().tooLarge()) {
        throw ApiException.brokerError(
            "Service broker " + broker.name() + " returned a catalog larger than " + maxCatalogBytes + " bytes");
      }
      if (response.statusCode() != 200) {
        throw ApiException.brokerError(
            "Service broker " + broker.name() + " answered GET /v2/catalog with status "
                + response.statusCode() + describe(bytes));
      }
      return bytes;
    } catch (HttpConnectTimeoutException e) {
      throw ApiException.brokerError(
          "could not reach service broker " + broker.name() + " at " + broker.url() + ": connect timed out");
    } catch (HttpTimeoutException e) {
      throw ApiException.brokerError(
          "service broker " + broker.name() + " did not answer GET /v2/catalog within " + readTimeout.toSeconds() + "s");
    } catch (ConnectException e) {
      throw ApiException.brokerError(
          "could not reach service broker " + broker.name() + " at " + broker.url() + ": connection refused");
    } catch (IOException e) {
      throw ApiException.brokerError(
          "could not reach service broker " + broker.name() + " at " + broker.url() + ": " + failure(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApiException.brokerError("interrupted while calling service broker " + broker.name());
    }
  }

  /**
   * One OSB call with {@code accepts_incomplete} and the other query parameters already in {@code
   * pathAndQuery}. Never throws for broker behaviour: every outcome is an {@link OsbOutcome}.
   */
  public OsbOutcome call(
      BrokerEndpoint broker, String method, String pathAndQuery, Object body, String originatingIdentity) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(broker, pathAndQuery))
            .timeout(readTimeout)
            .header("X-Broker-API-Version", API_VERSION)
            .header("X-Broker-API-Request-Identity", UUID.randomUUID().toString())
            .header("Accept", "application/json")
            .header("Authorization", basic(broker));
    if (originatingIdentity != null) {
      request.header("X-Broker-API-Originating-Identity", originatingIdentity);
    }
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request.header("Content-Type", "application/json");
      request.method(method, HttpRequest.BodyPublishers.ofString(json.write(body), StandardCharsets.UTF_8));
    }
    String what = method + " " + pathAndQuery.replaceFirst("\\?.*", "");
    try {
      HttpResponse<CappedBody> response = exchange(request.build(), MAX_ANSWER_BYTES);
      byte[] bytes = response.body().bytes();
      Duration retryAfter = retryAfter(response.headers().firstValue("Retry-After").orElse(null));
      if (response.body().tooLarge()) {
        return new OsbOutcome.Answer(response.statusCode(), null, true, retryAfter);
      }
      Map<String, Object> parsed = parseObject(bytes);
      boolean malformed = parsed == null && bytes.length > 0;
      return new OsbOutcome.Answer(response.statusCode(), parsed, malformed || bytes.length == 0, retryAfter);
    } catch (HttpConnectTimeoutException e) {
      return new OsbOutcome.NoAnswer(false, "could not reach service broker " + broker.name() + ": connect timed out");
    } catch (ConnectException e) {
      return new OsbOutcome.NoAnswer(false, "could not reach service broker " + broker.name() + ": connection refused");
    } catch (HttpTimeoutException e) {
      return new OsbOutcome.NoAnswer(
          true, "service broker " + broker.name() + " did not answer " + what + " within " + readTimeout.toSeconds() + "s");
    } catch (IOException e) {
      return new OsbOutcome.NoAnswer(
          true, "service broker " + broker.name() + " failed during " + what + ": " + failure(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new OsbOutcome.NoAnswer(true, "interrupted while calling service broker " + broker.name());
    }
  }

  private Map<String, Object> parseObject(byte[] bytes) {
    if (bytes.length == 0) {
      return null;
    }
    try {
      Object value = json.readAny(new String(bytes, StandardCharsets.UTF_8));
      if (value instanceof Map<?, ?> map) {
        @SuppressWarnings("unchecked")
        Map<String, Object> object = (Map<String, Object>) map;
        return object;
      }
      return null;
    } catch (RuntimeException notJson) {
      return null;
    }
  }

  /** OSB brokers send seconds; an HTTP date or garbage is ignored (the normal interval applies). */
  static Duration retryAfter(String header) {
    if (header == null) {
      return null;
    }
    try {
      long seconds = Long.parseLong(header.trim());
      return seconds >= 0 ? Duration.ofSeconds(seconds) : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * Sends one platform request on to the broker as it is (the OSB endpoint is a proxy): method,
   * path and raw query, body and the given headers, plus the broker's own basic credentials. Any
   * status is returned to the caller; only a failure to get an answer is a 502.
   *
   * @param pathAndQuery raw (still percent-encoded) path starting with {@code /v2/}, with its query
   */
  public BrokerReply forward(
      BrokerEndpoint broker, String method, String pathAndQuery, Map<String, String> headers, byte[] body) {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(uri(broker, pathAndQuery))
            .timeout(readTimeout)
            .method(
                method,
                body == null || body.length == 0
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(builder::header);
    builder.header("Authorization", basic(broker));
    String what = method + " " + pathOnly(pathAndQuery);
    try {
      // The same cap as for catalogs: a broker must not be able to exhaust our memory.
      HttpResponse<CappedBody> response = exchange(builder.build(), maxCatalogBytes);
      if (response.body().tooLarge()) {
        throw ApiException.brokerError(
            "Service broker " + broker.name() + " answered " + what + " with more than " + maxCatalogBytes + " bytes");
      }
      return new BrokerReply(
          response.statusCode(), response.body().bytes(), response.headers().firstValue("Retry-After").orElse(null));
    } catch (HttpConnectTimeoutException e) {
      throw ApiException.brokerError(
          "could not reach service broker " + broker.name() + " at " + broker.url() + ": connect timed out");
    } catch (HttpTimeoutException e) {
      throw ApiException.brokerError(
          "service broker " + broker.name() + " did not answer " + what + " within " + readTimeout.toSeconds() + "s");
    } catch (ConnectException e) {
      throw ApiException.brokerError(
          "could not reach service broker " + broker.name() + " at " + broker.url() + ": connection refused");
    } catch (IOException e) {
      throw ApiException.brokerError(
          "could not reach service broker " + broker.name() + " at " + broker.url() + ": " + failure(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ApiException.brokerError("interrupted while calling service broker " + broker.name());
    }
  }

  /**
   * One exchange with a deadline on all of it. The JDK client's request timeout stops counting once
   * the response headers arrive, so a broker that stalls in the middle of its body would hold the
   * caller for ever (and, for an operation step, outlive the lease that keeps other servers off
   * it). Here the whole answer must arrive within connect + read timeout, or the exchange is
   * cancelled and the caller gets an {@link HttpTimeoutException}.
   */
  private HttpResponse<CappedBody> exchange(HttpRequest request, long maxBytes)
      throws IOException, InterruptedException {
    CompletableFuture<HttpResponse<CappedBody>> pending = http.sendAsync(request, CappedBody.handler(maxBytes));
    try {
      return pending.get(exchangeDeadline.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      pending.cancel(true);
      throw new HttpTimeoutException("no complete answer within " + exchangeDeadline.toMillis() + "ms");
    } catch (InterruptedException e) {
      pending.cancel(true);
      throw e;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException io) {
        throw io;
      }
      throw new IOException(cause == null ? "broker exchange failed" : cause.getClass().getSimpleName(), cause);
    }
  }

  // Names the kind of failure (a reset, an early end of the body) without any broker-sent text.
  private static String failure(IOException e) {
    String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(java.util.Locale.ROOT);
    if (message.contains("reset")) {
      return "connection reset";
    }
    if (message.contains("eof") || message.contains("closed") || message.contains("fixed content-length")) {
      return "connection closed before the answer was complete";
    }
    return e.getClass().getSimpleName();
  }

  private static String pathOnly(String pathAndQuery) {
    int q = pathAndQuery.indexOf('?');
    return q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
  }

  private static URI uri(BrokerEndpoint broker, String path) {
    String base = broker.url().endsWith("/") ? broker.url().substring(0, broker.url().length() - 1) : broker.url();
    return URI.create(base + path);
  }

  private static String basic(BrokerEndpoint broker) {
    String pair = broker.username() + ":" + broker.password();
    return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
  }

  // A short, single-line excerpt of a broker's error body helps the operator; never more.
  private static String describe(byte[] body) {
    if (body.length == 0) {
      return "";
    }
    String text = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8).replaceAll("\\s+", " ");
    return ": " + text;
  }
}

package dev.servicemanager.server.osb;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A broker's response body read into memory up to a limit. A body over the limit is not read
 * further (the exchange is cancelled): a broker must not be able to exhaust our memory.
 *
 * @param bytes the body, or its first {@code limit + 1} bytes when {@code tooLarge}
 */
record CappedBody(byte[] bytes, boolean tooLarge) {

  static HttpResponse.BodyHandler<CappedBody> handler(long limit) {
    return info -> new Subscriber(limit);
  }

  private static final class Subscriber implements HttpResponse.BodySubscriber<CappedBody> {
    private final long limit;
    private final CompletableFuture<CappedBody> result = new CompletableFuture<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private Flow.Subscription subscription;

    Subscriber(long limit) {
      this.limit = limit;
    }

    @Override
    public CompletionStage<CappedBody> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      this.subscription = subscription;
      subscription.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      for (ByteBuffer buffer : buffers) {
        byte[] chunk = new byte[buffer.remaining()];
        buffer.get(chunk);
        out.write(chunk, 0, chunk.length);
      }
      if (out.size() > limit) {
        subscription.cancel();
        result.complete(new CappedBody(out.toByteArray(), true));
      } else {
        subscription.request(1);
      }
    }

    @Override
    public void onError(Throwable error) {
      result.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
      result.complete(new CappedBody(out.toByteArray(), false));
    }
  }
}

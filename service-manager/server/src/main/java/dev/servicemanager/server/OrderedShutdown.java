package dev.servicemanager.server;

import io.micronaut.core.order.OrderUtil;
import io.micronaut.runtime.EmbeddedApplication;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.graceful.GracefulShutdownCapable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way a Service Manager stops, in this order: {@link ShutdownStep}s (websocket agents get
 * 1001 while the server can still send it), HTTP drain (no new connections; requests in flight
 * finish within the grace period), the HTTP server and the context, the embedded database (after
 * everything that uses it), the data directory lock. Runs once; a second caller waits for it,
 * so two closers cannot deadlock on the context.
 */
final class OrderedShutdown {
  private static final Logger LOG = LoggerFactory.getLogger(OrderedShutdown.class);
  static final String GRACE_PERIOD = "sm.shutdown.grace-period";
  private static final Duration DEFAULT_GRACE_PERIOD = Duration.ofSeconds(20);

  private final ApplicationContext context;
  private final EmbeddedDatabase database;
  private final DataDirectoryLock lock;
  private final AtomicBoolean started = new AtomicBoolean();
  private final CountDownLatch done = new CountDownLatch(1);

  OrderedShutdown(ApplicationContext context, EmbeddedDatabase database, DataDirectoryLock lock) {
    this.context = context;
    this.database = database;
    this.lock = lock;
  }

  void run() {
    if (!started.compareAndSet(false, true)) {
      awaitUninterruptibly();
      return;
    }
    long begin = System.nanoTime();
    try {
      if (context.isRunning()) {
        Duration grace = context.getProperty(GRACE_PERIOD, Duration.class).orElse(DEFAULT_GRACE_PERIOD);
        LOG.info("Stopping the Service Manager (grace period for requests in flight: {} s)", grace.toSeconds());
        beforeServerStop();
        drain(grace);
        stopContext();
      }
    } finally {
      try {
        if (database != null) {
          database.close();
        }
      } finally {
        if (lock != null) {
          lock.close();
        }
        LOG.info("Service Manager stopped in {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
        done.countDown();
      }
    }
  }

  void await() throws InterruptedException {
    done.await();
  }

  private void beforeServerStop() {
    List<ShutdownStep> steps = new ArrayList<>(context.getBeansOfType(ShutdownStep.class));
    steps.sort(OrderUtil.COMPARATOR);
    for (ShutdownStep step : steps) {
      try {
        step.beforeServerStop();
      } catch (RuntimeException e) {
        LOG.warn("Shutdown step {} failed: {}", step.getClass().getSimpleName(), e.toString());
      }
    }
  }

  private void drain(Duration grace) {
    context.findBean(EmbeddedApplication.class)
        .filter(GracefulShutdownCapable.class::isInstance)
        .map(GracefulShutdownCapable.class::cast)
        .ifPresent(
            server -> {
              try {
                server.shutdownGracefully().toCompletableFuture().get(grace.toMillis(), TimeUnit.MILLISECONDS);
              } catch (TimeoutException e) {
                LOG.warn("Requests still in flight after the grace period of {} s are cut off", grace.toSeconds());
              } catch (ExecutionException e) {
                LOG.warn("Draining requests failed: {}", e.getCause().toString());
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
  }

  private void stopContext() {
    // As Micronaut's own hook does it: the server first (it stops the context when it is the
    // default server), then whatever is left of the context.
    context.findBean(EmbeddedApplication.class).filter(EmbeddedApplication::isRunning).ifPresent(EmbeddedApplication::stop);
    if (context.isRunning()) {
      context.close();
    }
  }

  private void awaitUninterruptibly() {
    boolean interrupted = false;
    while (true) {
      try {
        done.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}

package dev.servicemanager.server.operations;

import dev.servicemanager.server.store.DatabaseOutage;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.transaction.TransactionOperations;
import jakarta.annotation.PreDestroy;
import java.sql.Connection;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Background execution: one thread claims due operations (any server's, after a crash too) while
 * worker threads are free, and runs one step of each. It also deletes finished operations older
 * than {@code sm.operations.lifespan}. Started with the application context.
 */
@Context
@Requires(property = "sm.operations.dispatcher.enabled", notEquals = "false")
public class Dispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

  private final OperationEngine engine;
  private final OperationStore store;
  private final OperationSettings settings;
  private final TransactionOperations<Connection> tx;
  private final ExecutorService workers;
  private final Semaphore free;
  private final Object signal = new Object();
  private final AtomicInteger wakeups = new AtomicInteger();
  private final Thread loop;
  private volatile boolean running = true;
  private Instant nextCleanup = Instant.now();

  Dispatcher(
      OperationEngine engine,
      OperationStore store,
      OperationSettings settings,
      TransactionOperations<Connection> tx) {
    this.engine = engine;
    this.store = store;
    this.settings = settings;
    this.tx = tx;
    AtomicInteger n = new AtomicInteger();
    this.workers =
        Executors.newFixedThreadPool(
            settings.getWorkers(),
            r -> {
              Thread t = new Thread(r, "sm-operation-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.free = new Semaphore(settings.getWorkers());
    this.loop = new Thread(this::dispatch, "sm-operation-dispatcher");
    this.loop.setDaemon(true);
    this.loop.start();
  }

  /** Look for due work now instead of at the next interval (new work was just stored). */
  public void wake() {
    synchronized (signal) {
      wakeups.incrementAndGet();
      signal.notifyAll();
    }
  }

  private void dispatch() {
    while (running) {
      int claimed = 0;
      try {
        claimed = claimAndSubmit();
        cleanupIfDue();
      } catch (RuntimeException e) {
        if (DatabaseOutage.causedBy(e)) {
          LOG.warn("Operation dispatcher could not claim work, the database is unavailable; trying again");
        } else {
          LOG.warn("Operation dispatcher could not claim work; trying again", e);
        }
      }
      if (claimed == 0) {
        synchronized (signal) {
          if (wakeups.getAndSet(0) == 0 && running) {
            try {
              signal.wait(settings.getDispatchInterval().toMillis());
            } catch (InterruptedException e) {
              return;
            }
          }
        }
      }
    }
  }

  private int claimAndSubmit() {
    int slots = free.drainPermits();
    if (slots == 0) {
      // every worker busy: wait for one instead of spinning
      try {
        if (!free.tryAcquire(settings.getDispatchInterval().toMillis(), TimeUnit.MILLISECONDS)) {
          return 0;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return 0;
      }
      slots = 1;
    }
    int wanted = slots;
    // Every permit taken here goes back unless a worker now owns it: a failed claim (database
    // restarting, pool timeout) must not leave this server without workers for good.
    int handedOver = 0;
    try {
      List<Operation> due = tx.executeWrite(status -> store.claimDue(engine.node(), wanted, settings.getLease()));
      for (Operation op : due) {
        workers.execute(() -> runClaimed(op));
        handedOver++;
      }
      return due.size();
    } finally {
      free.release(slots - handedOver);
    }
  }

  private void runClaimed(Operation op) {
    try {
      engine.runStep(op, false);
    } catch (RuntimeException e) {
      if (DatabaseOutage.causedBy(e)) {
        LOG.warn("Operation {} step {} could not be recorded, the database is unavailable; it is retried after its lease",
            op.id(), op.step());
      } else {
        LOG.error("Operation {} step {} failed unexpectedly; it will be retried after its lease", op.id(), op.step(), e);
      }
    } finally {
      free.release();
      wake();
    }
  }

  /** Free worker slots; all of them on an idle server. */
  int freeWorkers() {
    return free.availablePermits();
  }

  private void cleanupIfDue() {
    if (Instant.now().isBefore(nextCleanup)) {
      return;
    }
    nextCleanup = Instant.now().plus(settings.getCleanupInterval());
    int deleted;
    do {
      deleted = tx.executeWrite(status -> store.deleteFinishedOlderThan(settings.getLifespan(), 1000));
      if (deleted > 0) {
        LOG.info("Deleted {} finished operations older than {}", deleted, settings.getLifespan());
      }
    } while (deleted == 1000);
  }

  @PreDestroy
  void stop() {
    running = false;
    wake();
    loop.interrupt();
    workers.shutdown();
    try {
      // Steps in flight finish or their leases expire and another server takes over.
      workers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

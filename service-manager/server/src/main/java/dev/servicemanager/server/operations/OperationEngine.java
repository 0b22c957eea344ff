package dev.servicemanager.server.operations;

import dev.servicemanager.server.osb.OsbOutcome;
import io.micronaut.context.annotation.Value;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs operation steps for this server: one step at a time per operation, held by a lease, its
 * outcome recorded in one transaction together with the resource changes it implies. Used by the
 * background {@link Dispatcher} and, for {@code async=false} requests, by the request thread.
 */
@Singleton
public class OperationEngine {
  private static final Logger LOG = LoggerFactory.getLogger(OperationEngine.class);
  public static final String MITIGATE = "mitigate";

  private final String node = "sm-" + UUID.randomUUID();
  private final Map<String, OperationHandler> handlers = new HashMap<>();
  private final OperationStore store;
  private final OperationSettings settings;
  private final TransactionOperations<Connection> tx;

  OperationEngine(
      List<OperationHandler> handlers,
      OperationStore store,
      OperationSettings settings,
      TransactionOperations<Connection> tx,
      @Value("${sm.broker-client.connect-timeout:5s}") Duration connectTimeout,
      @Value("${sm.broker-client.read-timeout:30s}") Duration readTimeout) {
    settings.check(connectTimeout, readTimeout);
    for (OperationHandler handler : handlers) {
      this.handlers.put(handler.resourceType(), handler);
    }
    this.store = store;
    this.settings = settings;
    this.tx = tx;
  }

  /** This server's lease owner name. */
  public String node() {
    return node;
  }

  public OperationSettings settings() {
    return settings;
  }

  /**
   * Runs one step of an operation this server holds. Returns the operation afterwards, or empty
   * when the lease was lost meanwhile (another server owns the operation now; nothing was written).
   */
  public Optional<Operation> runStep(Operation op, boolean keepLease) {
    OperationHandler handler = handlers.get(op.resourceType());
    if (handler == null) {
      throw new IllegalStateException("no handler for operations on " + op.resourceType());
    }
    OsbOutcome outcome;
    try {
      outcome = handler.call(op);
    } catch (RuntimeException e) {
      LOG.warn("Step {} of operation {} failed before reaching the broker; retrying", op.step(), op.id(), e);
      return recordRetry(op, keepLease);
    }
    try {
      return tx.executeWrite(
          status -> {
            Optional<Operation> locked = store.lockIfOwned(op.id(), node);
            if (locked.isEmpty()) {
              LOG.warn("Lost the lease of operation {} during step {}; its result is discarded", op.id(), op.step());
              return Optional.<Operation>empty();
            }
            Operation current = locked.get();
            record(handler, current, handler.apply(current, outcome), keepLease);
            return store.find(op.id());
          });
    } catch (RuntimeException e) {
      LOG.warn("Recording step {} of operation {} failed; retrying", op.step(), op.id(), e);
      return recordRetry(op, keepLease);
    }
  }

  private Optional<Operation> recordRetry(Operation op, boolean keepLease) {
    return tx.executeWrite(
        status -> {
          Optional<Operation> locked = store.lockIfOwned(op.id(), node);
          if (locked.isEmpty()) {
            return Optional.<Operation>empty();
          }
          OperationHandler handler = handlers.get(op.resourceType());
          record(handler, locked.get(), Next.retry(op.step(), null), keepLease);
          return store.find(op.id());
        });
  }

  private void record(OperationHandler handler, Operation op, Next next, boolean keepLease) {
    // The database's time, read with the locked row: one clock for every server.
    Instant now = java.util.Objects.requireNonNull(op.observedAt(), "record() needs a row read with the database time");
    String lease = keepLease ? node : null;
    Map<String, Object> context = new HashMap<>(op.context());
    if (next instanceof Next.Succeeded s) {
        // A mitigation that completes leaves the operation failed: the action itself did not happen.
        String state = Operation.FAILED.equals(op.state()) ? Operation.FAILED : Operation.SUCCEEDED;
        context.remove("parameters");
        store.record(op, state, op.step(), null, 0, op.errors(), s.description(), op.deletionScheduled(),
            null, op.giveUpAt(), context, op.externalId(), lease);
    } else if (next instanceof Next.Failed f) {
        Map<String, Object> errors = Map.of("error", f.error(), "description", f.description());
        context.remove("parameters");
        if (f.mitigate()) {
          store.record(op, Operation.FAILED, MITIGATE, now, 0, errors, f.description(), now, null,
              now.plus(settings.getReconciliationTimeout()), context, op.externalId(), lease);
        } else {
          store.record(op, Operation.FAILED, op.step(), null, 0, errors, f.description(), op.deletionScheduled(),
              null, op.giveUpAt(), context, op.externalId(), lease);
        }
    } else if (next instanceof Next.Later l) {
        context.putAll(l.contextChanges());
        int attempts = l.transientFailure() ? op.attempts() + 1 : 0;
        Duration delay =
            l.delay() != null ? l.delay() : l.transientFailure() ? settings.backoff(attempts) : settings.getPollingInterval();
        if (l.transientFailure() && delay.compareTo(settings.getRetryMax()) > 0) {
          // A broker's Retry-After of days would otherwise park the work past its give-up time at once.
          delay = settings.getRetryMax();
        }
        Instant at = now.plus(delay);
        if (l.transientFailure() && op.giveUpAt() != null && at.isAfter(op.giveUpAt())) {
          handler.gaveUp(op);
          String description = "gave up after retrying until the reconciliation timeout: " + op.description();
          Map<String, Object> errors =
              op.errors() != null ? op.errors() : Map.of("error", "ReconciliationTimeout", "description", description);
          context.remove("parameters");
          store.record(op, Operation.FAILED, l.step(), null, attempts, errors, description, op.deletionScheduled(),
              null, op.giveUpAt(), context, op.externalId(), lease);
          return;
        }
        Instant pollDeadline = null;
        if (l.step().startsWith("poll")) {
          pollDeadline = op.pollDeadline();
          if (pollDeadline == null) {
            Object seconds = context.get("maximum_polling_duration");
            pollDeadline =
                now.plus(seconds instanceof Number n ? Duration.ofSeconds(n.longValue()) : settings.getMaxPollingDuration());
          }
        }
        Object brokerOperation = context.get("broker_operation");
        store.record(op, op.state(), l.step(), at, attempts, op.errors(), op.description(), op.deletionScheduled(),
            pollDeadline, op.giveUpAt(), context, brokerOperation instanceof String b ? b : op.externalId(), lease);
    }
  }

  /**
   * Runs an operation this server holds until it finishes or {@code sm.operations.sync-timeout}
   * passes; then hands it to the background dispatcher. Returns its latest state.
   */
  public Operation runUntilDone(Operation op, Dispatcher dispatcher) {
    // Waiting here is local (this thread sleeps), so the JVM's monotonic clock bounds it; the
    // schedule it waits for is on the database's clock (nextAttemptAt - observedAt).
    long deadline = System.nanoTime() + settings.getSyncTimeout().toNanos();
    Operation current = op;
    while (true) {
      Optional<Operation> after = runStep(current, true);
      if (after.isEmpty()) {
        return store.find(op.id()).orElse(current);
      }
      current = after.get();
      if (current.nextAttemptAt() == null) {
        return current;
      }
      Duration wait =
          current.observedAt() == null ? Duration.ZERO : Duration.between(current.observedAt(), current.nextAttemptAt());
      if (!current.inProgress() || System.nanoTime() + Math.max(0, wait.toNanos()) > deadline) {
        String id = current.id();
        tx.executeWrite(status -> {
          store.release(id, node);
          return null;
        });
        dispatcher.wake();
        return current;
      }
      if (!wait.isNegative() && !wait.isZero()) {
        try {
          Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return current;
        }
      }
      String id = current.id();
      Optional<Operation> reclaimed = tx.executeWrite(status -> store.reclaim(id, node, settings.getLease()));
      if (reclaimed.isEmpty()) {
        return store.find(id).orElse(current);
      }
      current = reclaimed.get();
    }
  }
}

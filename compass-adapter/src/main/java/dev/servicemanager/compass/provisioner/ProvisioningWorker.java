package dev.servicemanager.compass.provisioner;

import dev.servicemanager.compass.CompassAccess;
import dev.servicemanager.compass.Db;
import dev.servicemanager.compass.connector.OneTimeTokens;
import dev.servicemanager.compass.director.RuntimeLifecycle;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs provisioning operations. Every {@code poll-interval} it claims due operations with {@code
 * FOR UPDATE SKIP LOCKED} and a lease ({@code lease_until}), so two servers never run one operation
 * at once and one cut off by a crash is taken again once its lease ran out; it then runs one step
 * outside any transaction (the target's calls) and records the outcome in a short transaction,
 * releasing the lease. Steps: PROVISION = APPLY (issue a one-time token, converge the target) →
 * WAIT_PAIRED (until the runtime's agent got its platform credentials at the Connector: CONNECTED,
 * and CONFIGURATION_CHANGED to its applications) ; UPGRADE = APPLY (keeps the token once paired);
 * DEPROVISION = DELETE (converge to nothing) → UNREGISTER (the runtime and its SM platform).
 * Permanent failures end the operation (FAILED, and a PROVISION's runtime FAILED); transient ones are
 * retried after {@code initial-backoff × 2^(failures−1)} capped at {@code max-backoff}, at most
 * {@code max-attempts} times.
 */
@Context
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
final class ProvisioningWorker {
  private static final Logger LOG = LoggerFactory.getLogger(ProvisioningWorker.class);
  private static final int BATCH = 5;
  private final Db db;
  private final Operations operations;
  private final RuntimeLifecycle runtimes;
  private final OneTimeTokens tokens;
  private final Duration pollInterval;
  private final Duration lease;
  private final Duration pairingTimeout;
  private final int maxAttempts;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final ScheduledExecutorService loop;
  private final dev.servicemanager.spi.platforms.PlatformRegistry platforms;
  private final Duration disconnectedAfter;

  ProvisioningWorker(Db db, Operations operations, RuntimeLifecycle runtimes, OneTimeTokens tokens,
      @Value("${compass.provisioner.poll-interval:1s}") Duration pollInterval,
      @Value("${compass.provisioner.lease:2m}") Duration lease,
      @Value("${compass.provisioner.pairing-timeout:15m}") Duration pairingTimeout,
      @Value("${compass.provisioner.max-attempts:6}") int maxAttempts,
      @Value("${compass.provisioner.initial-backoff:2s}") Duration initialBackoff,
      @Value("${compass.provisioner.max-backoff:2m}") Duration maxBackoff,
      @Value("${compass.provisioner.disconnected-after:5m}") Duration disconnectedAfter,
      dev.servicemanager.spi.platforms.PlatformRegistry platforms) {
    if (maxAttempts < 1 || pollInterval.isZero() || pollInterval.isNegative() || lease.compareTo(Duration.ofSeconds(1)) < 0
        || maxBackoff.compareTo(initialBackoff) < 0 || initialBackoff.isNegative()) {
      throw new IllegalArgumentException("compass.provisioner: max-attempts >= 1, poll-interval positive, lease >= 1s,"
          + " max-backoff >= initial-backoff >= 0");
    }
    this.db = db;
    this.operations = operations;
    this.runtimes = runtimes;
    this.tokens = tokens;
    this.pollInterval = pollInterval;
    this.lease = lease;
    this.pairingTimeout = pairingTimeout;
    this.maxAttempts = maxAttempts;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.disconnectedAfter = disconnectedAfter;
    this.platforms = platforms;
    this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "compass-provisioner");
      t.setDaemon(true);
      return t;
    });
    loop.scheduleWithFixedDelay(this::safeTick, pollInterval.toMillis(), pollInterval.toMillis(), TimeUnit.MILLISECONDS);
  }

  @PreDestroy
  void stop() throws InterruptedException {
    loop.shutdownNow();
    loop.awaitTermination(10, TimeUnit.SECONDS);
  }

  private void safeTick() {
    try {
      List<Operations.Op> claimed = claim();
      for (Operations.Op op : claimed) {
        if (Thread.currentThread().isInterrupted()) {
          return;
        }
        run(op);
      }
      watchConnections();
    } catch (RuntimeException e) {
      if (!loop.isShutdown()) {
        LOG.warn("provisioning round failed: {}", e.toString());
      }
    }
  }

  List<Operations.Op> claim() {
    return db.write(tx -> {
      Instant now = Operations.now();
      return tx.query("UPDATE compass_provisioning_operations SET lease_until = ?, state = 'IN_PROGRESS' WHERE id IN"
          + " (SELECT id FROM compass_provisioning_operations WHERE state IN ('PENDING', 'IN_PROGRESS')"
          + " AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_attempt_at"
          + " LIMIT " + BATCH + " FOR UPDATE SKIP LOCKED) RETURNING *", List.of(now.plus(lease), now, now), Operations::op);
    });
  }

  private void run(Operations.Op op) {
    try {
      Optional<Operations.Provisioned> found = db.read(tx -> operations.find(tx, op.tenant(), op.runtimeId()));
      if (found.isEmpty()) {
        finish(op, "FAILED", "the provisioned runtime no longer exists", null);
        return;
      }
      Operations.Provisioned p = found.get();
      if (p.kubeconfig() == null && !Operations.UNREGISTER.equals(op.step()) && !Operations.WAIT_PAIRED.equals(op.step())) {
        throw ProvisioningException.permanent("the stored target cannot be decrypted (was the encryption key changed?)");
      }
      RuntimeProvisioner provisioner = operations.provisioner(p.provider());
      switch (op.step()) {
        case Operations.APPLY -> {
          boolean paired = db.read(tx -> runtimes.pairedAt(tx, p.tenant(), p.runtimeId())).isPresent();
          // A fresh token until the agent paired; an upgrade of a paired runtime keeps what it was given.
          String token = paired ? null
              : db.write(tx -> tokens.issue(tx, p.tenant(), OneTimeTokens.RUNTIME, p.runtimeId())).token();
          provisioner.converge(p.target(), Optional.of(new RuntimeProvisioner.Desired(p.smUrl(), p.connectorUrl(), token,
              p.runtimeId(), p.platformId(), p.configurationJson(), p.agentImage())));
          if (Operations.PROVISION.equals(op.type()) && !paired) {
            advance(op, Operations.WAIT_PAIRED, "objects applied; waiting for the agent to pair at the Connector", Duration.ZERO);
          } else if (Operations.PROVISION.equals(op.type())) {
            connected(op);
          } else {
            finish(op, "SUCCEEDED", "objects patched", null);
          }
        }
        case Operations.WAIT_PAIRED -> {
          if (db.read(tx -> runtimes.pairedAt(tx, p.tenant(), p.runtimeId())).isPresent()) {
            connected(op);
          } else if (op.createdAt().plus(pairingTimeout).isBefore(Operations.now())) {
            throw ProvisioningException.permanent("the agent did not pair within " + pairingTimeout);
          } else {
            advance(op, Operations.WAIT_PAIRED, op.message(), pollInterval);
          }
        }
        case Operations.DELETE -> {
          provisioner.converge(p.target(), Optional.empty());
          advance(op, Operations.UNREGISTER, "objects deleted; unregistering the runtime", Duration.ZERO);
        }
        case Operations.UNREGISTER -> {
          db.write(tx -> {
            runtimes.unregister(tx, p.tenant(), p.runtimeId());
            tx.update("UPDATE compass_provisioned_runtimes SET state = 'DEPROVISIONED', updated_at = ? WHERE runtime_id = ?",
                Operations.now(), p.runtimeId());
            return null;
          });
          runtimes.committed();
          finish(op, "SUCCEEDED", "runtime and its platform removed", null);
        }
        default -> throw ProvisioningException.permanent("unknown step " + op.step());
      }
    } catch (ProvisioningException e) {
      failed(op, e.getMessage(), e.permanent());
    } catch (RuntimeException e) {
      // Unexpected: logged without a message (it may hold anything), retried.
      LOG.warn("provisioning operation {} step {} failed: {}", op.id(), op.step(), e.getClass().getName());
      failed(op, "internal error (" + e.getClass().getSimpleName() + ")", false);
    }
  }

  private record Watched(String runtimeId, String tenant, String platformId, String condition, Instant pairedAt) {}

  /**
   * CONNECTED ⇄ DISCONNECTED of provisioned runtimes, from the core's record of the platform's
   * notification websocket: a CONNECTED runtime whose agent is not connected, and has not been
   * since {@code disconnected-after} (counted from its last connection's end, else from the
   * pairing), becomes DISCONNECTED; it is CONNECTED again once its agent is connected.
   */
  void watchConnections() {
    List<Watched> watched = db.read(tx -> tx.query("SELECT p.runtime_id, p.tenant, p.platform_id, r.status_condition, r.paired_at"
        + " FROM compass_provisioned_runtimes p JOIN compass_runtimes r ON r.id = p.runtime_id"
        + " WHERE p.state = 'PROVISIONED' AND r.status_condition IN ('CONNECTED', 'DISCONNECTED')", List.of(),
        rs -> new Watched(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), Db.instant(rs, "paired_at"))));
    Instant now = Operations.now();
    for (Watched w : watched) {
      var activity = platforms.activity(w.platformId());
      if (activity.isEmpty()) {
        continue;
      }
      boolean active = activity.get().active();
      Instant since = latest(w.pairedAt(), activity.get().lastActive());
      String next = active ? "CONNECTED"
          : since != null && since.plus(disconnectedAfter).isBefore(now) ? "DISCONNECTED" : w.condition();
      if (!next.equals(w.condition())) {
        db.write(tx -> tx.update("UPDATE compass_runtimes SET status_condition = ?, status_timestamp = ? WHERE id = ?"
            + " AND tenant = ? AND status_condition = ?", next, now, w.runtimeId(), w.tenant(), w.condition()));
        LOG.info("runtime {} is {} (agent {} to notifications)", w.runtimeId(), next, active ? "connected" : "not connected");
      }
    }
  }

  private static Instant latest(Instant a, Instant b) {
    return a == null ? b : b == null ? a : a.isAfter(b) ? a : b;
  }

  private void connected(Operations.Op op) {
    db.write(tx -> {
      runtimes.connected(tx, op.tenant(), op.runtimeId());
      return null;
    });
    LOG.info("runtime {} is CONNECTED (operation {})", op.runtimeId(), op.id());
    finish(op, "SUCCEEDED", "the agent paired; runtime CONNECTED", null);
  }

  private void advance(Operations.Op op, String step, String message, Duration after) {
    db.write(tx -> tx.update("UPDATE compass_provisioning_operations SET step = ?, message = ?, state = 'IN_PROGRESS',"
            + " next_attempt_at = ?, lease_until = NULL, updated_at = ? WHERE id = ?",
        step, message, Operations.now().plus(after), Operations.now(), op.id()));
  }

  private void finish(Operations.Op op, String state, String message, String error) {
    Instant now = Operations.now();
    db.write(tx -> tx.update("UPDATE compass_provisioning_operations SET state = ?, step = ?, message = ?,"
            + " last_error = COALESCE(?, last_error), lease_until = NULL, updated_at = ?, finished_at = ? WHERE id = ?",
        state, "SUCCEEDED".equals(state) ? Operations.DONE : op.step(), message, error, now, now, op.id()));
  }

  private void failed(Operations.Op op, String error, boolean permanent) {
    int failures = op.failures() + 1;
    if (permanent || failures >= maxAttempts) {
      LOG.warn("provisioning operation {} of runtime {} FAILED at {}: {}", op.id(), op.runtimeId(), op.step(), error);
      db.write(tx -> {
        tx.update("UPDATE compass_provisioning_operations SET failures = ? WHERE id = ?", failures, op.id());
        if (Operations.PROVISION.equals(op.type())) {
          runtimes.setCondition(tx, op.tenant(), op.runtimeId(), "FAILED");
        }
        return null;
      });
      finish(op, "FAILED", "failed at step " + op.step() + (permanent ? "" : " after " + failures + " attempts"), error);
      return;
    }
    long factor = 1L << Math.min(failures - 1, 20);
    Duration wait = initialBackoff.multipliedBy(factor);
    if (wait.compareTo(maxBackoff) > 0) {
      wait = maxBackoff;
    }
    LOG.warn("provisioning operation {} step {} failed (attempt {}), retried in {}: {}", op.id(), op.step(), failures, wait, error);
    Duration w = wait;
    db.write(tx -> tx.update("UPDATE compass_provisioning_operations SET failures = ?, last_error = ?, next_attempt_at = ?,"
        + " lease_until = NULL, updated_at = ? WHERE id = ?", failures, error, Operations.now().plus(w), Operations.now(), op.id()));
  }
}

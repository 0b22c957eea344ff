package dev.servicemanager.server.osb;

import dev.servicemanager.server.store.Sql;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.transaction.TransactionCallback;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.util.Arrays;
import java.util.Locale;

/**
 * The transactions that mirror what a platform did through the OSB endpoint, with the commit
 * behaviour of {@code sm.osb.tracking-commit}:
 *
 * <ul>
 *   <li>{@code durable} (default): every commit waits until PostgreSQL has flushed it to disk, like
 *       every other write of the Service Manager;
 *   <li>{@code async}: these commits only ({@code SET LOCAL synchronous_commit = off}) return before
 *       the flush. The platform's OSB call no longer waits for the disk; a crash of PostgreSQL (not of
 *       the Service Manager) may lose the last few hundred milliseconds of tracking records, never
 *       consistency. The platform, which keeps its own record of what it provisioned, stays the
 *       source of truth; registry changes and the REST API's operations stay durable either way.
 * </ul>
 */
@Singleton
final class TrackingWrites {
  private final boolean async;
  private final TransactionOperations<Connection> tx;
  private final Sql sql;

  TrackingWrites(
      @Value("${sm.osb.tracking-commit:durable}") String commit, TransactionOperations<Connection> tx, Sql sql) {
    this.async =
        switch (commit.trim().toLowerCase(Locale.ROOT)) {
          case "durable" -> false;
          case "async" -> true;
          default -> throw new ConfigurationException(
              "sm.osb.tracking-commit must be durable or async, not '" + commit + "'");
        };
    this.tx = tx;
    this.sql = sql;
  }

  /** Runs {@code work} in one write transaction. */
  <R> R write(TransactionCallback<Connection, R> work) {
    return tx.executeWrite(
        status -> {
          if (async) {
            sql.update("SET LOCAL synchronous_commit = off");
          }
          return work.call(status);
        });
  }

  /** One statement: on its own in auto-commit (one round trip) when durable, else as {@link #write}. */
  int update(String statement, Object... params) {
    return async ? write(status -> sql.update(statement, Arrays.asList(params))) : sql.update(statement, params);
  }
}

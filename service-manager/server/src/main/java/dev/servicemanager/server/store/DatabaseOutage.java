package dev.servicemanager.server.store;

import io.micronaut.data.connection.exceptions.ConnectionException;
import io.micronaut.data.connection.jdbc.exceptions.CannotGetJdbcConnectionException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

/**
 * Recognises "the database cannot be reached right now" (stopped, restarting, network gone, pool
 * exhausted) among failures, wherever they surface: a statement, a transaction's begin or commit,
 * the pool. Such a failure is not the caller's fault nor a bug: callers get 503 and may retry.
 */
public final class DatabaseOutage {
  private DatabaseOutage() {}

  /** Whether {@code error} or any of its causes says the database is unavailable. */
  public static boolean causedBy(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      // The pool's timeout, and Micronaut Data's "could not get / use a connection" (a closed
      // connection's SQLException carries no SQLState)
      if (t instanceof SQLTransientConnectionException
          || t instanceof ConnectionException
          || t instanceof CannotGetJdbcConnectionException) {
        return true;
      }
      if (t instanceof SQLException sql && isOutageState(sql.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  /**
   * SQLState class 08 (connection exception: refused, broken, closed), 57P01-57P03 (the server is
   * shutting down, crashed or not accepting connections yet), 53300 (too many connections).
   */
  static boolean isOutageState(String state) {
    return state != null
        && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03")
            || state.equals("53300"));
  }
}

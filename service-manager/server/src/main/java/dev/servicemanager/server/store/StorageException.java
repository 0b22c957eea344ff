package dev.servicemanager.server.store;

import java.sql.SQLException;

/** An unexpected database failure; it becomes a 500 whose details stay in the log. */
public final class StorageException extends RuntimeException {
  StorageException(SQLException cause) {
    super("Database error (SQLState " + cause.getSQLState() + ")", cause);
  }
}

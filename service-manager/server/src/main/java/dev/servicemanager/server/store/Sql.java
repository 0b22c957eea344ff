package dev.servicemanager.server.store;

import dev.servicemanager.spi.ApiException;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import jakarta.inject.Singleton;
import io.micronaut.data.connection.ConnectionDefinition;
import io.micronaut.data.connection.ConnectionOperations;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Plain parameterised SQL on the connection of the current transaction. Every value is bound;
 * callers pass only trusted SQL text. Database errors are translated in one place: a unique
 * violation is 409 {@code Conflict}, a foreign-key violation 409 {@code ExistingReferenceEntity},
 * a serialisation failure 412 {@code ConcurrentResourceUpdate}, a value the database cannot hold 400
 * {@code BadRequest}, the database being unreachable 503 {@code ServiceUnavailable}, anything else a 500.
 */
@Singleton
public final class Sql {
  /** Maps the current row; throws SQLException like JDBC does. */
  @FunctionalInterface
  public interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  private final JdbcOperations jdbc;
  private final ConnectionOperations<Connection> connections;

  public Sql(JdbcOperations jdbc, ConnectionOperations<Connection> connections) {
    this.jdbc = jdbc;
    this.connections = connections;
  }

  public <T> List<T> query(String sql, List<?> params, RowMapper<T> mapper) {
    return run(
        sql,
        params,
        ps -> {
          try (ResultSet rs = ps.executeQuery()) {
            List<T> rows = new ArrayList<>();
            while (rs.next()) {
              rows.add(mapper.map(rs));
            }
            return rows;
          }
        });
  }

  public <T> Optional<T> queryOne(String sql, List<?> params, RowMapper<T> mapper) {
    List<T> rows = query(sql, params, mapper);
    return rows.isEmpty() ? Optional.empty() : Optional.ofNullable(rows.get(0));
  }

  public long queryLong(String sql, List<?> params) {
    return queryOne(sql, params, rs -> rs.getLong(1)).orElse(0L);
  }

  public int update(String sql, Object... params) {
    // Arrays.asList, not List.of: SQL NULL parameters are legitimate.
    return update(sql, java.util.Arrays.asList(params));
  }

  public int update(String sql, List<?> params) {
    return run(sql, params, PreparedStatement::executeUpdate);
  }

  /** Runs one statement once per parameter list (a JDBC batch). */
  public void batch(String sql, List<List<?>> rows) {
    if (rows.isEmpty()) {
      return;
    }
    Connection connection = jdbc.getConnection();
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      for (List<?> row : rows) {
        bind(connection, ps, row);
        ps.addBatch();
      }
      ps.executeBatch();
    } catch (SQLException e) {
      throw translate(e);
    }
  }

  @FunctionalInterface
  private interface StatementWork<R> {
    R apply(PreparedStatement ps) throws SQLException;
  }

  // Inside a transaction (or an open connection) on its connection; otherwise on a pooled connection
  // in auto-commit mode, so a single statement costs one round trip (and is atomic on its own).
  private <R> R run(String sql, List<?> params, StatementWork<R> work) {
    if (connections.findConnectionStatus().isEmpty()) {
      return connections.execute(ConnectionDefinition.DEFAULT, status -> runOn(status.getConnection(), sql, params, work));
    }
    return runOn(jdbc.getConnection(), sql, params, work);
  }

  private <R> R runOn(Connection connection, String sql, List<?> params, StatementWork<R> work) {
    try (PreparedStatement ps = connection.prepareStatement(sql)) {
      bind(connection, ps, params);
      return work.apply(ps);
    } catch (SQLException e) {
      throw translate(e);
    }
  }

  private static void bind(Connection connection, PreparedStatement ps, List<?> params)
      throws SQLException {
    for (int i = 0; i < params.size(); i++) {
      Object value = params.get(i);
      if (value instanceof String[] array) {
        ps.setArray(i + 1, connection.createArrayOf("text", array));
      } else if (value instanceof Instant instant) {
        ps.setTimestamp(i + 1, Timestamp.from(instant));
      } else {
        ps.setObject(i + 1, value);
      }
    }
  }

  public static Instant instant(ResultSet rs, String column) throws SQLException {
    Timestamp ts = rs.getTimestamp(column);
    return ts == null ? null : ts.toInstant();
  }

  public static Boolean nullableBoolean(ResultSet rs, String column) throws SQLException {
    boolean value = rs.getBoolean(column);
    return rs.wasNull() ? null : value;
  }

  public static Integer nullableInt(ResultSet rs, String column) throws SQLException {
    int value = rs.getInt(column);
    return rs.wasNull() ? null : value;
  }

  static RuntimeException translate(SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    if (DatabaseOutage.causedBy(e)) {
      return ApiException.serviceUnavailable("The database is not available at the moment; retry the request later");
    }
    return switch (state) {
      case "23505" -> ApiException.conflict(conflictMessage(e));
      case "23503" ->
          ApiException.existingReferenceEntity(
              "The resource is still referenced by other resources and cannot be changed or deleted");
      case "40001", "40P01" ->
          ApiException.concurrentResourceUpdate(
              "The resource was changed concurrently; retry the request");
      // The caller's value, not the server, is at fault: U+0000 or a character with no UTF-8 form
      // (22021, 22P05), longer than its column (22001), or too large to index (54000). The filter
      // (api.InputRules) refuses most of these before; this is the one place for what gets past it.
      case "22021", "22P05", "22001", "54000" ->
          ApiException.badRequest("A value in the request cannot be stored: it is too long or holds a character"
              + " that is not allowed (such as U+0000)");
      default -> new StorageException(e);
    };
  }

  // Constraint names follow "<table>_<columns>_key"; say which resource and fields collided.
  private static String conflictMessage(SQLException e) {
    String message = e.getMessage() == null ? "" : e.getMessage();
    int start = message.indexOf("Key (");
    int end = message.indexOf(")=", start);
    if (start >= 0 && end > start) {
      return "found conflicting resource: the value of (" + message.substring(start + 5, end)
          + ") is already taken";
    }
    return "found conflicting resource";
  }
}

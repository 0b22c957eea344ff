package dev.servicemanager.compass;

import io.micronaut.context.annotation.Requires;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The adapter's SQL, always inside a transaction of the server's transaction manager: Service
 * Manager calls made inside (a runtime's platform) join it, so both commit or neither does.
 */
@Singleton
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
public final class Db {
  /** Maps the current row. */
  @FunctionalInterface
  public interface Rows<T> {
    T map(ResultSet rs) throws SQLException;
  }

  /** Work inside one transaction. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Tx tx) throws SQLException;
  }

  private final TransactionOperations<Connection> transactions;

  // CompassMigration is injected only so the tables exist before the first statement.
  Db(TransactionOperations<Connection> transactions, CompassMigration migrated) {
    this.transactions = transactions;
  }

  public <T> T write(Work<T> work) {
    return transactions.executeWrite(status -> run(work, status.getConnection()));
  }

  /** In a transaction of its own, committed even when the caller's transaction rolls back. */
  public <T> T writeSeparately(Work<T> work) {
    return transactions.execute(
        io.micronaut.transaction.TransactionDefinition.of(io.micronaut.transaction.TransactionDefinition.Propagation.REQUIRES_NEW),
        status -> run(work, status.getConnection()));
  }

  public <T> T read(Work<T> work) {
    return transactions.executeRead(status -> run(work, status.getConnection()));
  }

  private static <T> T run(Work<T> work, Connection connection) {
    try {
      return work.run(new Tx(connection));
    } catch (SQLException e) {
      throw translate(e);
    }
  }

  static RuntimeException translate(SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    return switch (state) {
      case "23505" -> new CompassException("an object with this name already exists in the tenant");
      case "40001", "40P01" -> new CompassException("the object was changed concurrently; retry the call");
      // The caller's value cannot be stored (U+0000 from a GraphQL string escape, too long for its
      // column): an error of the call, not of the server. The server's input filter catches JSON-level ones.
      case "22021", "22P05", "22001", "54000" ->
          new CompassException("a value cannot be stored: it is too long or holds a character that is not allowed (such as U+0000)");
      default -> new IllegalStateException("database error " + state, e);
    };
  }

  /** Plain parameterised SQL on the transaction's connection. */
  public static final class Tx {
    private final Connection connection;

    Tx(Connection connection) {
      this.connection = connection;
    }

    public <T> List<T> query(String sql, List<?> params, Rows<T> rows) throws SQLException {
      try (PreparedStatement ps = prepare(sql, params);
          ResultSet rs = ps.executeQuery()) {
        List<T> result = new ArrayList<>();
        while (rs.next()) {
          result.add(rows.map(rs));
        }
        return result;
      }
    }

    public <T> Optional<T> queryOne(String sql, List<?> params, Rows<T> rows) throws SQLException {
      List<T> result = query(sql, params, rows);
      return result.isEmpty() ? Optional.empty() : Optional.ofNullable(result.get(0));
    }

    public long count(String sql, List<?> params) throws SQLException {
      return queryOne(sql, params, rs -> rs.getLong(1)).orElse(0L);
    }

    public int update(String sql, Object... params) throws SQLException {
      try (PreparedStatement ps = prepare(sql, Arrays.asList(params))) {
        return ps.executeUpdate();
      }
    }

    private PreparedStatement prepare(String sql, List<?> params) throws SQLException {
      PreparedStatement ps = connection.prepareStatement(sql);
      try {
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
        return ps;
      } catch (SQLException e) {
        ps.close();
        throw e;
      }
    }
  }

  public static Instant instant(ResultSet rs, String column) throws SQLException {
    Timestamp ts = rs.getTimestamp(column);
    return ts == null ? null : ts.toInstant();
  }
}

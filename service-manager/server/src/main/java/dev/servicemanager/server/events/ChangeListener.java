package dev.servicemanager.server.events;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.data.connection.jdbc.advice.DelegatingDataSource;
import jakarta.annotation.PreDestroy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fan-out across servers: every insert into {@code changes} fires {@code pg_notify('sm_changes',
 * revision)} (V20 trigger), delivered after commit to every server that LISTENs. This thread holds
 * one dedicated connection, loads the announced rows by revision and hands them to the local
 * agents. After a lost connection it reconnects with backoff (200ms to 20s, as Peripli) and
 * catches up on what was committed meanwhile.
 */
@Context
@Requires(notEnv = "no-notifications")
final class ChangeListener implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeListener.class);
  private static final long MIN_BACKOFF_MS = 200;
  private static final long MAX_BACKOFF_MS = 20_000;
  // V31: a registry row the OSB caches derive from changed (credentials included, which are not logged).
  private static final String REGISTRY_CHANNEL = "sm_registry";

  private final DataSource dataSource;
  private final NotificationHub hub;
  private final RegistryVersion registryVersion;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile Connection connection;
  private long lastSeen = -1;

  ChangeListener(DataSource dataSource, NotificationHub hub, RegistryVersion registryVersion) {
    this.dataSource = DelegatingDataSource.unwrapDataSource(dataSource);
    this.hub = hub;
    this.registryVersion = registryVersion;
    this.thread = new Thread(this, "sm-change-listener");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void run() {
    long backoff = MIN_BACKOFF_MS;
    boolean reconnecting = false;
    while (running) {
      try (Connection c = dataSource.getConnection()) {
        connection = c;
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
          s.execute("LISTEN sm_changes");
          s.execute("LISTEN " + REGISTRY_CHANNEL);
        }
        // From here on no change from another server goes unheard (and one may have been missed while
        // disconnected): the OSB caches start over.
        registryVersion.listening(true);
        if (reconnecting) {
          hub.publish(load(c, "revision > ?", lastSeen));
        } else {
          lastSeen = currentMax(c);
        }
        backoff = MIN_BACKOFF_MS;
        PGConnection pg = c.unwrap(PGConnection.class);
        while (running) {
          PGNotification[] received = pg.getNotifications(500);
          if (received != null && received.length > 0) {
            deliver(c, received);
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (!running) {
          return;
        }
        LOG.warn("Change listener lost its connection ({}); retrying in {} ms", e.getMessage(), backoff);
        reconnecting = true;
        sleep(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      } finally {
        registryVersion.listening(false);
        connection = null;
      }
    }
  }

  private void deliver(Connection c, PGNotification[] received) throws SQLException {
    // Anything announced may change what the OSB caches hold; the version moves once the rows are committed,
    // which they are when NOTIFY is delivered.
    registryVersion.bump();
    List<Long> revisions = new ArrayList<>(received.length);
    for (PGNotification n : received) {
      if (REGISTRY_CHANNEL.equals(n.getName())) {
        continue;
      }
      try {
        revisions.add(Long.parseLong(n.getParameter()));
      } catch (NumberFormatException e) {
        LOG.warn("Ignoring a malformed sm_changes payload: {}", n.getParameter());
      }
    }
    if (revisions.isEmpty()) {
      return;
    }
    for (long r : revisions) {
      lastSeen = Math.max(lastSeen, r);
    }
    hub.publish(load(c, "revision = ANY (?)", c.createArrayOf("bigint", revisions.toArray())));
  }

  private static List<Notification> load(Connection c, String condition, Object parameter) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT " + Notification.COLUMNS + " FROM changes WHERE " + condition + " AND " + Notification.ANNOUNCED
                + " ORDER BY revision")) {
      ps.setObject(1, parameter);
      try (ResultSet rs = ps.executeQuery()) {
        List<Notification> rows = new ArrayList<>();
        while (rs.next()) {
          rows.add(Notification.map(rs));
        }
        return rows;
      }
    }
  }

  private static long currentMax(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT coalesce(max(revision), 0) FROM changes")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @PreDestroy
  void stop() throws InterruptedException {
    running = false;
    thread.interrupt();
    thread.join(2_000);
  }
}

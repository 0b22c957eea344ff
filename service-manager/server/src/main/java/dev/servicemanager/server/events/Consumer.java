package dev.servicemanager.server.events;

import dev.servicemanager.server.store.Json;
import io.micronaut.websocket.CloseReason;
import io.micronaut.websocket.WebSocketSession;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One connected agent: a bounded queue of notifications waiting to be written, one write in
 * flight at a time. A notification leaves the queue only when its frame is written, so a slow
 * agent fills the queue; on overflow the connection is closed and the agent resyncs (reference 4).
 *
 * <p>Until the replay is loaded, live notifications are held back and sent after it, skipping
 * those the replay already had.
 */
final class Consumer {
  static final CloseReason OVERFLOW = new CloseReason(CloseReason.POLICY_VIOLATION.getCode(), "notification queue overflow, resync");

  final String platformId;
  final WebSocketSession session;
  private final int capacity;
  private final Json json;
  private final ArrayDeque<Notification> queue = new ArrayDeque<>();
  private List<Notification> heldBack = new ArrayList<>();
  // Revisions sent by the replay. The change listener may announce one of them only after the replay
  // was loaded (its NOTIFY raced the handshake); it must not be sent twice. At most the queue size.
  private final Set<Long> replayed = new HashSet<>();
  // Every revision queued for this agent lately, oldest first (bounded): whatever path brings a
  // revision a second time (replay and live announcement racing each other, a listener catch-up),
  // the agent gets it once.
  private final LinkedHashSet<Long> queued = new LinkedHashSet<>();
  private boolean writing;
  private boolean closed;

  Consumer(String platformId, WebSocketSession session, int capacity, Json json) {
    this.platformId = platformId;
    this.session = session;
    this.capacity = capacity;
    this.json = json;
  }

  /** Live notifications from the change listener; those not for this platform are ignored. */
  synchronized void offer(List<Notification> batch) {
    List<Notification> mine = batch.stream().filter(n -> n.isFor(platformId)).toList();
    if (closed || mine.isEmpty()) {
      return;
    }
    if (heldBack == null && !replayed.isEmpty()) {
      mine = mine.stream().filter(n -> !replayed.remove(n.revision())).toList();
      if (mine.isEmpty()) {
        return;
      }
    }
    if (heldBack != null) {
      heldBack.addAll(mine);
      if (heldBack.size() > capacity) {
        overflow();
      }
      return;
    }
    enqueue(mine);
  }

  /** The replay is loaded: send it, then whatever arrived meanwhile. */
  synchronized void start(List<Notification> replay) {
    if (closed) {
      return;
    }
    replay.forEach(n -> replayed.add(n.revision()));
    List<Notification> all = new ArrayList<>(replay);
    heldBack.stream().filter(n -> !replayed.remove(n.revision())).sorted(Comparator.comparingLong(Notification::revision)).forEach(all::add);
    heldBack = null;
    enqueue(all);
  }

  private void enqueue(List<Notification> batch) {
    List<Notification> fresh = batch.stream().filter(n -> !queued.contains(n.revision())).toList();
    if (queue.size() + fresh.size() > capacity) {
      overflow();
      return;
    }
    for (Notification n : fresh) {
      queued.add(n.revision());
      if (queued.size() > 4 * capacity) {
        queued.remove(queued.iterator().next());
      }
    }
    queue.addAll(fresh);
    writeNext();
  }

  private void writeNext() {
    if (writing || closed || queue.isEmpty()) {
      return;
    }
    writing = true;
    session.sendAsync(queue.peek().toFrame(json)).whenComplete((ok, error) -> written(error));
  }

  private synchronized void written(Throwable error) {
    writing = false;
    queue.poll();
    if (error != null) {
      close(CloseReason.INTERNAL_ERROR);
      return;
    }
    writeNext();
  }

  private void overflow() {
    close(OVERFLOW);
  }

  synchronized void close(CloseReason reason) {
    if (closed) {
      return;
    }
    closed = true;
    queue.clear();
    if (session.isOpen()) {
      session.close(reason);
    }
  }
}

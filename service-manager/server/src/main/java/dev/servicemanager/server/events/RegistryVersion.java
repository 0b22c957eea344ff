package dev.servicemanager.server.events;

import io.micronaut.transaction.TransactionOperations;
import io.micronaut.transaction.support.TransactionSynchronization;
import jakarta.inject.Provider;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A local version of everything the OSB endpoint's in-memory caches derive from: platforms and
 * their credentials, broker-platform credentials, brokers with their offerings and plans, and
 * visibilities. It moves after this server commits such a change ({@link #changed()}) and when the
 * {@link ChangeListener} hears of one from any server (the change log's NOTIFY, and the V31
 * registry triggers). The hot OSB path can then answer from memory without asking the database
 * whether anything changed.
 *
 * <p>While the listener is not connected, changes made by other servers would go unnoticed, so
 * nothing is served from a cache then; each cache entry also has a maximum age as a last bound on
 * staleness.
 */
@Singleton
public final class RegistryVersion {
  private final AtomicLong version = new AtomicLong();
  // Lazy: authentication uses this, and Micronaut Data's operations look for authenticators while created.
  private final Provider<TransactionOperations<Connection>> tx;
  private volatile boolean listening;

  RegistryVersion(Provider<TransactionOperations<Connection>> tx) {
    this.tx = tx;
  }

  /**
   * Called inside the transaction that changes a platform, credentials, a broker, its catalog or a
   * visibility: the version moves after the transaction ends, so a cache filled meanwhile from the
   * old state is not reused.
   */
  public void changed() {
    tx.get().findTransactionStatus()
        .ifPresentOrElse(
            status ->
                status.registerSynchronization(
                    new TransactionSynchronization() {
                      @Override
                      public void afterCompletion(Status completion) {
                        bump();
                      }
                    }),
            this::bump);
  }

  void bump() {
    version.incrementAndGet();
  }

  /** The listener connected (changes from other servers will be heard) or lost its connection. */
  /** Whether changes from other servers are being heard now (the change listener is connected). */
  public boolean isListening() {
    return listening;
  }

  void listening(boolean connected) {
    listening = connected;
    bump();
  }

  /**
   * A bounded map whose entries are valid while the version has not moved since they were loaded,
   * for at most {@code maxAge}.
   */
  public <K, V> Cache<K, V> cache(int maxEntries, Duration maxAge) {
    return new Cache<>(maxEntries, maxAge.toNanos());
  }

  /** See {@link #cache}. Values must be immutable; null values are not cached. */
  public final class Cache<K, V> {
    private record Entry<V>(long version, long loadedAt, V value) {}

    private final int maxEntries;
    private final long maxAgeNanos;
    private final Map<K, Entry<V>> entries = new ConcurrentHashMap<>();

    private Cache(int maxEntries, long maxAgeNanos) {
      this.maxEntries = maxEntries;
      this.maxAgeNanos = maxAgeNanos;
    }

    /** The cached value if it is still valid, else null; loads nothing. */
    public V getIfPresent(K key) {
      Entry<V> entry = entries.get(key);
      return listening && entry != null && entry.version() == version.get() && System.nanoTime() - entry.loadedAt() < maxAgeNanos
          ? entry.value()
          : null;
    }

    /** The cached value, or what {@code loader} returns now (its exceptions pass through, nothing is cached). */
    public V get(K key, Function<K, V> loader) {
      // Read before loading: a change committed while loading moves the version past this one.
      long current = version.get();
      boolean usable = listening;
      long now = System.nanoTime();
      Entry<V> entry = entries.get(key);
      if (usable && entry != null && entry.version() == current && now - entry.loadedAt() < maxAgeNanos) {
        return entry.value();
      }
      V value = loader.apply(key);
      if (usable && value != null) {
        if (entries.size() >= maxEntries) {
          entries.clear();
        }
        entries.put(key, new Entry<>(current, now, value));
      }
      return value;
    }
  }
}

package dev.tandem.identity;

import io.vertx.core.Future;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Values read from the store, reused for {@code ttlMillis}: the shared part of
 * {@link CachingSessionStore} and {@link CachingUserStore}. Absent values (null) are never kept;
 * a read that overlaps any {@link #forget} is not kept either (a counter bumped before and after
 * every write tells). Holds at most {@link #MAX_ENTRIES}, then starts over.
 */
final class ReadCache<V> {
  static final int MAX_ENTRIES = 50_000;

  private record Entry<V>(V value, long until) {
  }

  private final long ttlNanos;
  private final ConcurrentHashMap<String, Entry<V>> entries = new ConcurrentHashMap<>();
  private final AtomicLong writes = new AtomicLong();

  ReadCache(long ttlMillis) {
    this.ttlNanos = ttlMillis * 1_000_000L;
  }

  /** The kept value for {@code key}, or {@code read}'s answer (kept when not null and no write overlapped). */
  Future<V> get(String key, Function<String, Future<V>> read) {
    Entry<V> e = entries.get(key);
    long now = System.nanoTime();
    if (e != null && e.until() - now > 0) {
      return Future.succeededFuture(e.value());
    }
    long seen = writes.get();
    return read.apply(key).onSuccess(v -> {
      if (v != null && ttlNanos > 0 && writes.get() == seen) {
        if (entries.size() >= MAX_ENTRIES) {
          entries.clear();
        }
        entries.put(key, new Entry<>(v, now + ttlNanos));
      }
    });
  }

  /** Runs {@code write}; the value under {@code key} is forgotten before it starts and again when it completes. */
  <T> Future<T> write(String key, Supplier<Future<T>> write) {
    return write(null, key, write);
  }

  /** Runs {@code write}; values {@code touched} accepts are forgotten before it starts and again when it completes. */
  <T> Future<T> write(Predicate<V> touched, Supplier<Future<T>> write) {
    return write(touched, null, write);
  }

  private <T> Future<T> write(Predicate<V> touched, String key, Supplier<Future<T>> write) {
    forget(touched, key);
    return write.get().onComplete(ar -> forget(touched, key));
  }

  private void forget(Predicate<V> touched, String key) {
    writes.incrementAndGet();
    if (key != null) {
      entries.remove(key);
    }
    if (touched != null) { // a keyed write (most of them: a session touch, a password change) scans nothing
      entries.values().removeIf(e -> touched.test(e.value()));
    }
  }
}

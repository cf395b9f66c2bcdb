package dev.tandem.identity;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Users by id, remembered for a short time in front of the store. Every authenticated request
 * reads its user (status and role), and the education engine reads the patient of each check-in:
 * under check-in uploads that was two store reads per request (measured: a third of all store
 * commands). Every write through this store forgets the user at once, so on this node a disabled
 * account or a changed role takes effect on the next request; another node sharing the database
 * sees it within {@code ttlMillis}. A read that overlaps a write is not remembered.
 */
final class CachingUserStore implements UserStore {
  static final int MAX_ENTRIES = 50_000;

  private record Entry(User user, long until) {
  }

  private final UserStore inner;
  private final long ttlNanos;
  private final ConcurrentHashMap<String, Entry> byId = new ConcurrentHashMap<>();
  /** Bumped before and after every write: a read that saw another value is not remembered. */
  private final AtomicLong writes = new AtomicLong();

  CachingUserStore(UserStore inner, long ttlMillis) {
    this.inner = inner;
    this.ttlNanos = ttlMillis * 1_000_000L;
  }

  @Override
  public Future<User> byId(String id) {
    Entry e = byId.get(id);
    long now = System.nanoTime();
    if (e != null && e.until() - now > 0) {
      return Future.succeededFuture(e.user());
    }
    long seen = writes.get();
    return inner.byId(id).onSuccess(u -> {
      if (u != null && ttlNanos > 0 && writes.get() == seen) {
        if (byId.size() >= MAX_ENTRIES) {
          byId.clear();
        }
        byId.put(id, new Entry(u, now + ttlNanos));
      }
    });
  }

  private <T> Future<T> writing(String id, Future<T> write) {
    return write.onComplete(ar -> forget(id));
  }

  private void forget(String id) {
    writes.incrementAndGet();
    if (id == null) {
      byId.clear();
    } else {
      byId.remove(id);
    }
  }

  @Override
  public Future<Void> insert(User user) {
    forget(user.id());
    return writing(user.id(), inner.insert(user));
  }

  @Override
  public Future<Boolean> setPassword(String id, String hash, Instant at) {
    forget(id);
    return writing(id, inner.setPassword(id, hash, at));
  }

  @Override
  public Future<User> update(String id, User.Status status, String name) {
    forget(id);
    return writing(id, inner.update(id, status, name));
  }

  @Override
  public Future<User> byEmail(String email) {
    return inner.byEmail(email);
  }

  @Override
  public Future<List<User>> byIds(Collection<String> ids) {
    return inner.byIds(ids);
  }

  @Override
  public Future<List<User>> all() {
    return inner.all();
  }

  @Override
  public Future<List<User>> byRoles(Collection<Role> roles) {
    return inner.byRoles(roles);
  }
}

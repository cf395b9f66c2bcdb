package dev.tandem.identity;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * Users by id, remembered for a short time in front of the store. Every authenticated request
 * reads its user (status and role), and the education engine reads the patient of each check-in:
 * under check-in uploads that was two store reads per request (measured: a third of all store
 * commands). Every write through this store forgets the user at once, so on this node a disabled
 * account or a changed role takes effect on the next request; another node sharing the database
 * sees it within {@code ttlMillis}. A read that overlaps a write is not remembered.
 */
final class CachingUserStore implements UserStore {
  private final UserStore inner;
  private final ReadCache<User> byId;

  CachingUserStore(UserStore inner, long ttlMillis) {
    this.inner = inner;
    this.byId = new ReadCache<>(ttlMillis);
  }

  @Override
  public Future<User> byId(String id) {
    return byId.get(id, inner::byId);
  }

  @Override
  public Future<Void> insert(User user) {
    return byId.write(user.id(), () -> inner.insert(user));
  }

  @Override
  public Future<Boolean> setPassword(String id, String hash, Instant at) {
    return byId.write(id, () -> inner.setPassword(id, hash, at));
  }

  @Override
  public Future<User> update(String id, User.Status status, String name) {
    return byId.write(id, () -> inner.update(id, status, name));
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

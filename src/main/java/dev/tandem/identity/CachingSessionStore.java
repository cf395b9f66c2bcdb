package dev.tandem.identity;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;

/**
 * Sessions by token hash, remembered for a short time in front of the store: every
 * authenticated request looked its session up (measured: one store read per request, a sixth of
 * all store commands under check-in uploads). Expiry is still decided by the caller on every
 * request from the session's times. Every write through this store forgets what it touches at
 * once (a logout, a revoke, a password change or a disabled account takes effect on the next
 * request on this node); another node sharing the database sees a revoke within
 * {@code ttlMillis}. Unknown tokens are never remembered, and a read that overlaps a write is not
 * remembered either.
 */
final class CachingSessionStore implements SessionStore {
  private final SessionStore inner;
  private final ReadCache<Session> byHash;

  CachingSessionStore(SessionStore inner, long ttlMillis) {
    this.inner = inner;
    this.byHash = new ReadCache<>(ttlMillis);
  }

  @Override
  public Future<Session> byTokenHash(String tokenHash) {
    return byHash.get(tokenHash, inner::byTokenHash);
  }

  @Override
  public Future<Void> insert(Session s) {
    return byHash.write(s.tokenHash(), () -> inner.insert(s));
  }

  @Override
  public Future<Void> touch(String tokenHash, Instant at) {
    return byHash.write(tokenHash, () -> inner.touch(tokenHash, at));
  }

  @Override
  public Future<List<Session>> forUser(String userId) {
    return inner.forUser(userId);
  }

  @Override
  public Future<Boolean> revoke(String userId, String sessionId) {
    return byHash.write(s -> s.userId().equals(userId), () -> inner.revoke(userId, sessionId));
  }

  @Override
  public Future<Void> revokeByTokenHash(String tokenHash) {
    return byHash.write(tokenHash, () -> inner.revokeByTokenHash(tokenHash));
  }

  @Override
  public Future<Long> revokeAllExcept(String userId, String keepSessionId) {
    return byHash.write(s -> s.userId().equals(userId), () -> inner.revokeAllExcept(userId, keepSessionId));
  }

  @Override
  public Future<Long> purgeEnded(Instant before) {
    return byHash.write(s -> true, () -> inner.purgeEnded(before));
  }
}

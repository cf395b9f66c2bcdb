package dev.tandem.identity;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;

/** Sessions keyed by token hash. Expiry is enforced by the service (the embedded store has no TTL). */
public interface SessionStore {
  Future<Void> insert(Session s);

  /** Succeeds with null when absent. */
  Future<Session> byTokenHash(String tokenHash);

  Future<Void> touch(String tokenHash, Instant at);

  Future<List<Session>> forUser(String userId);

  /** Succeeds with true when the user's session with that public id was revoked. */
  Future<Boolean> revoke(String userId, String sessionId);

  Future<Void> revokeByTokenHash(String tokenHash);

  /** Revokes all of a user's sessions except one (null: all). */
  Future<Long> revokeAllExcept(String userId, String keepSessionId);

  /** Deletes sessions whose absolute lifetime ended before {@code before}, or that were revoked. */
  Future<Long> purgeEnded(Instant before);
}

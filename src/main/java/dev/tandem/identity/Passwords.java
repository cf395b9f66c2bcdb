package dev.tandem.identity;

import dev.tandem.crypto.PasswordHasher;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

/**
 * Argon2id off the event loop, on a bounded pool so a burst of logins queues instead of
 * starving other work. An unknown account still costs one hash (against a dummy), so timing
 * does not reveal whether an email is registered.
 */
public final class Passwords {
  private final PasswordHasher hasher;
  private final WorkerExecutor pool;
  private final Future<String> dummyHash;

  public Passwords(Vertx vertx, PasswordHasher hasher, int poolSize) {
    this.hasher = hasher;
    this.pool = vertx.createSharedWorkerExecutor("tandem-password-hash", poolSize);
    // Made on the pool, not on the event loop that constructs this (it is a full Argon2 hash).
    this.dummyHash = pool.executeBlocking(() -> hasher.hash("not a password: equalises timing for unknown accounts"), false);
  }

  public Future<String> hash(String password) {
    return pool.executeBlocking(() -> hasher.hash(password), false);
  }

  /** Verifies against the stored hash, or against a dummy when {@code encoded} is null. */
  public Future<Boolean> verify(String password, String encoded) {
    Future<String> against = encoded == null ? dummyHash : Future.succeededFuture(encoded);
    return against.compose(hash -> pool.executeBlocking(() -> hasher.verify(password, hash) && encoded != null, false));
  }

  public Future<Void> close() {
    return pool.close();
  }
}

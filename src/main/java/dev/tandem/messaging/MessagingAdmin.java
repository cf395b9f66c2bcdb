package dev.tandem.messaging;

import dev.tandem.audit.AuditEvent;
import dev.tandem.audit.AuditLog;
import dev.tandem.crypto.CryptoException;
import dev.tandem.crypto.Envelope;
import dev.tandem.crypto.KeyManager;
import dev.tandem.http.ApiException;
import dev.tandem.identity.Caller;
import dev.tandem.identity.Role;
import dev.tandem.identity.User;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Key rotation and erasure. Rotation re-wraps data keys under the newest master key version
 * without touching messages, while the server keeps serving. Erasure destroys a patient's data
 * keys (crypto-shredding): the ciphertext stays and can never be read again.
 */
public final class MessagingAdmin {
  private static final int PAGE = 200;
  private final Vertx vertx;
  private final MessageStore store;
  private final MessageService messages;
  private final Envelope envelope;
  private final KeyManager keys;
  private final AuditLog audit;
  private final Function<String, Future<User>> users;
  private final List<Supplier<Future<Long>>> others = new CopyOnWriteArrayList<>();

  MessagingAdmin(Vertx vertx, MessageStore store, MessageService messages, Envelope envelope, KeyManager keys, AuditLog audit,
      Function<String, Future<User>> users) {
    this.vertx = vertx;
    this.store = store;
    this.messages = messages;
    this.envelope = envelope;
    this.keys = keys;
    this.audit = audit;
    this.users = users;
  }

  /** Adds a master key version (key file only), then re-wraps every data key under it. */
  public Future<JsonObject> rotate(Caller admin) {
    requireAdmin(admin);
    return vertx.executeBlocking(keys::addVersion, false).recover(t -> Future.failedFuture(t instanceof CryptoException
        ? ApiException.conflict("keys_from_environment", t.getMessage()) : t))
        .compose(version -> rewrapAll().compose(n -> audit.record(AuditEvent.of("keys.rotate", admin.userId(), admin.role().wire(),
            AuditEvent.SUCCESS).from(admin.ip()).with("version", Integer.toString(version)).with("rewrapped", Long.toString(n)))
            .map(v -> new JsonObject().put("version", version).put("rewrapped", n))));
  }

  /**
   * Also re-wrap these data keys on rotation (other features' per-patient keys): each succeeds
   * with how many it re-wrapped.
   */
  public void alsoRewrap(Supplier<Future<Long>> rewrap) {
    others.add(rewrap);
  }

  /** Re-wraps data keys still under an older master key version; succeeds with how many. */
  public Future<Long> rewrapAll() {
    Future<Long> total = rewrapPage(0L);
    for (Supplier<Future<Long>> other : others) {
      total = total.compose(n -> other.get().map(m -> n + m));
    }
    return total;
  }

  private Future<Long> rewrapPage(long done) {
    int current = envelope.currentVersion();
    return store.keysWrappedBefore(current, PAGE).compose(page -> {
      if (page.isEmpty()) {
        return Future.succeededFuture(done);
      }
      List<Future<Boolean>> all = page.stream().map(k -> store.rewrapKey(new MessageStore.WrappedKey(k.conversationId(),
          k.epoch(), k.patientId(), envelope.rewrap(k.wrapped(), k.id()), current), k.version())).toList();
      // Keys another writer re-wrapped meanwhile are simply skipped; the next page query excludes them.
      return Future.all(all).compose(x -> rewrapPage(done + all.stream().filter(f -> f.result()).count()));
    });
  }

  /** Crypto-shreds every message of a patient. 404 for an unknown patient. */
  public Future<JsonObject> erasePatientMessages(Caller admin, String patientId) {
    requireAdmin(admin);
    return users.apply(patientId).compose(u -> {
      if (u == null || u.role() != Role.PATIENT) {
        return Future.failedFuture(ApiException.notFound("patient"));
      }
      return store.eraseKeys(patientId).compose(n -> {
        messages.forget(patientId);
        vertx.eventBus().publish(MessageService.ERASED_ADDRESS, patientId);
        return audit.record(AuditEvent.of("messages.erase", admin.userId(), admin.role().wire(), AuditEvent.SUCCESS)
            .from(admin.ip()).patient(patientId).with("keysDestroyed", Long.toString(n)))
            .map(v -> new JsonObject().put("patientId", patientId).put("keysDestroyed", n));
      });
    });
  }

  private static void requireAdmin(Caller c) {
    if (c.role() != Role.ADMIN) {
      throw ApiException.forbidden("This needs an admin account.");
    }
  }
}

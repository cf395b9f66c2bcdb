package dev.tandem.identity;

import dev.tandem.store.Times;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.time.Instant;
import java.util.List;

final class MongoSessionStore implements SessionStore {
  static final String SESSIONS = "sessions";
  private final MongoClient mongo;

  MongoSessionStore(MongoClient mongo) {
    this.mongo = mongo;
  }

  @Override
  public Future<Void> insert(Session s) {
    return mongo.insert(SESSIONS, s.toDoc()).mapEmpty();
  }

  @Override
  public Future<Session> byTokenHash(String tokenHash) {
    return mongo.findOne(SESSIONS, new JsonObject().put("_id", tokenHash), null)
        .map(d -> d == null ? null : Session.fromDoc(d));
  }

  @Override
  public Future<Void> touch(String tokenHash, Instant at) {
    return mongo.updateCollection(SESSIONS, new JsonObject().put("_id", tokenHash),
        new JsonObject().put("$set", new JsonObject().put("lastSeenAt", at.toString()))).mapEmpty();
  }

  @Override
  public Future<List<Session>> forUser(String userId) {
    return mongo.find(SESSIONS, new JsonObject().put("userId", userId).put("revoked", false))
        .map(l -> l.stream().map(Session::fromDoc).toList());
  }

  @Override
  public Future<Boolean> revoke(String userId, String sessionId) {
    return mongo.updateCollection(SESSIONS, new JsonObject().put("userId", userId).put("sid", sessionId).put("revoked", false),
        new JsonObject().put("$set", new JsonObject().put("revoked", true))).map(r -> r.getDocModified() > 0);
  }

  @Override
  public Future<Void> revokeByTokenHash(String tokenHash) {
    return mongo.updateCollection(SESSIONS, new JsonObject().put("_id", tokenHash),
        new JsonObject().put("$set", new JsonObject().put("revoked", true))).mapEmpty();
  }

  @Override
  public Future<Long> revokeAllExcept(String userId, String keepSessionId) {
    JsonObject q = new JsonObject().put("userId", userId).put("revoked", false);
    if (keepSessionId != null) {
      q.put("sid", new JsonObject().put("$ne", keepSessionId));
    }
    return mongo.updateCollectionWithOptions(SESSIONS, q, new JsonObject().put("$set", new JsonObject().put("revoked", true)),
        new io.vertx.ext.mongo.UpdateOptions().setMulti(true)).map(r -> r.getDocModified());
  }

  @Override
  public Future<Long> purgeEnded(Instant before) {
    JsonObject q = new JsonObject().put("$or", new JsonArray()
        .add(new JsonObject().put("absoluteExpiresAt", new JsonObject().put("$lt", Times.format(before))))
        .add(new JsonObject().put("revoked", true)));
    return mongo.removeDocuments(SESSIONS, q).map(r -> r.getRemovedCount());
  }
}

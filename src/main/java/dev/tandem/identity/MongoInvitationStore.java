package dev.tandem.identity;

import dev.tandem.store.Times;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.time.Instant;

final class MongoInvitationStore implements InvitationStore {
  static final String INVITATIONS = "invitations";
  private final MongoClient mongo;

  MongoInvitationStore(MongoClient mongo) {
    this.mongo = mongo;
  }

  @Override
  public Future<Void> insert(Invitation i) {
    return mongo.insert(INVITATIONS, i.toDoc()).mapEmpty();
  }

  @Override
  public Future<Invitation> usable(String tokenHash, Instant now) {
    return mongo.findOne(INVITATIONS, query(tokenHash, now), null).map(d -> d == null ? null : Invitation.fromDoc(d));
  }

  @Override
  public Future<Invitation> consume(String tokenHash, Instant now) {
    return mongo.findOneAndUpdate(INVITATIONS, query(tokenHash, now),
        new JsonObject().put("$set", new JsonObject().put("usedAt", Times.format(now))))
        .map(d -> d == null ? null : Invitation.fromDoc(d));
  }

  private static JsonObject query(String tokenHash, Instant now) {
    return new JsonObject().put("_id", tokenHash).put("usedAt", new JsonObject().put("$exists", false))
        .put("expiresAt", new JsonObject().put("$gt", Times.format(now)));
  }
}

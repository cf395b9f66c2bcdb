package dev.tandem.identity;

import dev.tandem.store.StoreErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

final class MongoUserStore implements UserStore {
  static final String USERS = "users";
  private final MongoClient mongo;

  MongoUserStore(MongoClient mongo) {
    this.mongo = mongo;
  }

  @Override
  public Future<Void> insert(User user) {
    return mongo.insert(USERS, user.toDoc()).<Void>mapEmpty()
        .recover(t -> Future.failedFuture(StoreErrors.conflictOnDuplicate(t, "email_taken",
            "An account with this email already exists.")));
  }

  @Override
  public Future<User> byEmail(String email) {
    return mongo.findOne(USERS, new JsonObject().put("email", email), null).map(d -> d == null ? null : User.fromDoc(d));
  }

  @Override
  public Future<User> byId(String id) {
    return mongo.findOne(USERS, new JsonObject().put("_id", id), null).map(d -> d == null ? null : User.fromDoc(d));
  }

  @Override
  public Future<List<User>> byIds(Collection<String> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return mongo.find(USERS, new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(List.copyOf(ids)))))
        .map(l -> l.stream().map(User::fromDoc).toList());
  }

  @Override
  public Future<List<User>> all() {
    return mongo.findWithOptions(USERS, new JsonObject(), new FindOptions().setSort(new JsonObject().put("name", 1)))
        .map(l -> l.stream().map(User::fromDoc).toList());
  }

  @Override
  public Future<List<User>> byRoles(Collection<Role> roles) {
    JsonArray wire = new JsonArray(roles.stream().map(Role::wire).toList());
    return mongo.findWithOptions(USERS, new JsonObject().put("role", new JsonObject().put("$in", wire)),
        new FindOptions().setSort(new JsonObject().put("name", 1))).map(l -> l.stream().map(User::fromDoc).toList());
  }

  @Override
  public Future<Boolean> setPassword(String id, String hash, Instant at) {
    JsonObject set = new JsonObject().put("passwordHash", hash).put("passwordChangedAt", at.toString())
        .put("status", User.Status.ACTIVE.wire());
    return mongo.updateCollection(USERS, new JsonObject().put("_id", id), new JsonObject().put("$set", set))
        .map(r -> r.getDocMatched() == 1);
  }

  @Override
  public Future<User> update(String id, User.Status status, String name) {
    JsonObject set = new JsonObject();
    if (status != null) {
      set.put("status", status.wire());
    }
    if (name != null) {
      set.put("name", name);
    }
    if (set.isEmpty()) {
      return byId(id);
    }
    return mongo.findOneAndUpdateWithOptions(USERS, new JsonObject().put("_id", id), new JsonObject().put("$set", set),
        new FindOptions(), new UpdateOptions().setReturningNewDocument(true)).map(d -> d == null ? null : User.fromDoc(d));
  }
}

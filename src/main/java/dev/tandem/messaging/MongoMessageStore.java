package dev.tandem.messaging;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.bulk.BulkWriteError;
import dev.tandem.http.ApiException;
import dev.tandem.store.StoreErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

final class MongoMessageStore implements MessageStore {
  static final String CONVERSATIONS = "conversations";
  static final String KEYS = "conversationKeys";
  static final String MESSAGES = "messages";
  static final String RECEIPTS = "receipts";
  static final String ALERTS = "safetyAlerts";
  private final MongoClient mongo;

  MongoMessageStore(MongoClient mongo) {
    this.mongo = mongo;
  }

  private static JsonObject id(String id) {
    return new JsonObject().put("_id", id);
  }

  @Override
  public Future<Conversation> ensure(Conversation c) {
    JsonObject onInsert = new JsonObject().put("kind", c.kind().wire()).put("patientId", c.patientId())
        .put("clinicians", new JsonArray(c.clinicians())).put("lastSeq", 0L).put("keyEpoch", 0);
    return mongo.updateCollectionWithOptions(CONVERSATIONS, id(c.id()), new JsonObject().put("$setOnInsert", onInsert),
        new UpdateOptions().setUpsert(true))
        .recover(t -> StoreErrors.isDuplicateKey(t) ? Future.succeededFuture() : Future.failedFuture(t))
        .compose(v -> conversation(c.id()));
  }

  @Override
  public Future<Conversation> conversation(String cid) {
    return mongo.findOne(CONVERSATIONS, id(cid), null).map(d -> d == null ? null : Conversation.fromDoc(d));
  }

  @Override
  public Future<List<Conversation>> conversationsOf(Collection<String> patientIds) {
    if (patientIds.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return mongo.find(CONVERSATIONS, new JsonObject().put("patientId", new JsonObject().put("$in", new JsonArray(List.copyOf(patientIds)))))
        .map(l -> l.stream().map(Conversation::fromDoc).toList());
  }

  @Override
  public Future<Void> saveAlert(JsonObject alert) {
    JsonObject doc = alert.copy();
    doc.put("_id", doc.remove("id"));
    return mongo.insert(ALERTS, doc).mapEmpty();
  }

  @Override
  public Future<Void> setAssignee(String cid, String userId) {
    return mongo.updateCollection(CONVERSATIONS, id(cid), new JsonObject().put("$set", new JsonObject().put("assigneeId", userId)))
        .mapEmpty();
  }

  @Override
  public Future<Boolean> claimAutoReply(String cid, String now, String notBefore) {
    JsonObject q = id(cid).put("$or", new JsonArray().add(new JsonObject().put("lastAutoReplyAt", new JsonObject().put("$exists", false)))
        .add(new JsonObject().put("lastAutoReplyAt", new JsonObject().put("$lt", notBefore))));
    return mongo.updateCollection(CONVERSATIONS, q, new JsonObject().put("$set", new JsonObject().put("lastAutoReplyAt", now)))
        .map(r -> r.getDocModified() == 1);
  }

  private static WrappedKey key(JsonObject d) {
    return new WrappedKey(d.getString("conversationId"), d.getInteger("epoch"), d.getString("patientId"),
        Base64.getDecoder().decode(d.getString("wrapped")), d.getInteger("version"));
  }

  @Override
  public Future<WrappedKey> key(String cid, int epoch) {
    return mongo.findOne(KEYS, id(cid + ":" + epoch), null).map(d -> d == null ? null : key(d));
  }

  @Override
  public Future<WrappedKey> putKeyIfAbsent(WrappedKey k) {
    JsonObject doc = id(k.id()).put("conversationId", k.conversationId()).put("epoch", k.epoch()).put("patientId", k.patientId())
        .put("wrapped", Base64.getEncoder().encodeToString(k.wrapped())).put("version", k.version());
    return mongo.insert(KEYS, doc).map(x -> k).recover(t -> StoreErrors.isDuplicateKey(t)
        ? key(k.conversationId(), k.epoch()) : Future.failedFuture(t));
  }

  @Override
  public Future<List<WrappedKey>> keysWrappedBefore(int version, int limit) {
    return mongo.findWithOptions(KEYS, new JsonObject().put("version", new JsonObject().put("$lt", version)),
        new FindOptions().setLimit(limit)).map(l -> l.stream().map(MongoMessageStore::key).toList());
  }

  @Override
  public Future<Boolean> rewrapKey(WrappedKey k, int expectedVersion) {
    return mongo.updateCollection(KEYS, id(k.id()).put("version", expectedVersion), new JsonObject().put("$set",
        new JsonObject().put("wrapped", Base64.getEncoder().encodeToString(k.wrapped())).put("version", k.version())))
        .map(r -> r.getDocModified() == 1);
  }

  @Override
  public Future<Long> eraseKeys(String patientId) {
    JsonObject byPatient = new JsonObject().put("patientId", patientId);
    return mongo.removeDocuments(KEYS, byPatient).compose(r -> mongo.updateCollectionWithOptions(CONVERSATIONS, byPatient,
        new JsonObject().put("$inc", new JsonObject().put("keyEpoch", 1)), new UpdateOptions().setMulti(true))
        .map(x -> r.getRemovedCount()));
  }

  @Override
  public Future<Long> maxSeq(String cid) {
    return mongo.findWithOptions(MESSAGES, new JsonObject().put("conversationId", cid),
        new FindOptions().setSort(new JsonObject().put("seq", -1)).setLimit(1).setFields(new JsonObject().put("seq", 1)))
        .map(l -> l.isEmpty() ? 0L : l.get(0).getLong("seq"));
  }

  @Override
  public Future<Message> byIdem(String idem) {
    return mongo.findOne(MESSAGES, id(Message.idFor(idem)), null).map(d -> d == null ? null : Message.fromDoc(d));
  }

  @Override
  public Future<List<Message>> after(String cid, long afterSeq, int limit) {
    return mongo.findWithOptions(MESSAGES, new JsonObject().put("conversationId", cid).put("seq", new JsonObject().put("$gt", afterSeq)),
        new FindOptions().setSort(new JsonObject().put("seq", 1)).setLimit(limit)).map(l -> l.stream().map(Message::fromDoc).toList());
  }

  @Override
  public Future<List<Message>> before(String cid, long beforeSeq, int limit) {
    return mongo.findWithOptions(MESSAGES, new JsonObject().put("conversationId", cid).put("seq", new JsonObject().put("$lt", beforeSeq)),
        new FindOptions().setSort(new JsonObject().put("seq", -1)).setLimit(limit)).map(l -> l.stream().map(Message::fromDoc).toList());
  }

  @Override
  public Future<Set<Integer>> insertBatch(List<Message> batch) {
    List<BulkOperation> ops = new ArrayList<>(batch.size());
    batch.forEach(m -> ops.add(BulkOperation.createInsert(m.toDoc())));
    return mongo.bulkWriteWithOptions(MESSAGES, ops, new BulkWriteOptions(false)).map(r -> Set.<Integer>of()).recover(t -> {
      MongoBulkWriteException bulk = find(t);
      if (bulk == null) {
        return Future.failedFuture(t);
      }
      Set<Integer> dups = new HashSet<>();
      for (BulkWriteError e : bulk.getWriteErrors()) {
        if (e.getCode() != 11000) {
          return Future.failedFuture(t);
        }
        String msg = String.valueOf(e.getMessage());
        if (msg.contains("messages_seq") || msg.contains("seq: ")) {
          // Another node took this sequence number: not a retry of the same message.
          return Future.failedFuture(ApiException.conflict("send_conflict",
              "The conversation moved on while sending; send the message again (same clientId)."));
        }
        dups.add(e.getIndex());
      }
      return Future.succeededFuture(dups);
    });
  }

  private static MongoBulkWriteException find(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof MongoBulkWriteException b) {
        return b;
      }
    }
    return null;
  }

  @Override
  public Future<Void> afterBatch(Map<String, ConversationUpdate> conversations, Map<String, Long> senderReads) {
    List<BulkOperation> convOps = new ArrayList<>();
    conversations.forEach((cid, u) -> {
      JsonObject update = new JsonObject().put("$max", new JsonObject().put("lastSeq", u.lastSeq()).put("lastMessageAt", u.lastMessageAt()));
      if (u.replied() && u.awaitingSince() == null) {
        update.put("$unset", new JsonObject().put("awaitingReplySince", ""));
      } else if (u.replied()) {
        update.put("$set", new JsonObject().put("awaitingReplySince", u.awaitingSince()));
      } else if (u.awaitingSince() != null) {
        update.put("$min", new JsonObject().put("awaitingReplySince", u.awaitingSince()));
      }
      convOps.add(BulkOperation.createUpdate(id(cid), update));
    });
    List<BulkOperation> receiptOps = new ArrayList<>();
    senderReads.forEach((key, seq) -> receiptOps.add(BulkOperation.createUpdate(id(key),
        new JsonObject().put("$max", new JsonObject().put("readSeq", seq).put("deliveredSeq", seq))
            .put("$setOnInsert", receiptFields(key)), true, false)));
    Future<?> a = convOps.isEmpty() ? Future.succeededFuture() : mongo.bulkWriteWithOptions(CONVERSATIONS, convOps, new BulkWriteOptions(false));
    Future<?> b = receiptOps.isEmpty() ? Future.succeededFuture() : mongo.bulkWriteWithOptions(RECEIPTS, receiptOps, new BulkWriteOptions(false));
    return Future.all(a, b).mapEmpty();
  }

  private static JsonObject receiptFields(String key) {
    int bar = key.lastIndexOf('|');
    return new JsonObject().put("conversationId", key.substring(0, bar)).put("userId", key.substring(bar + 1));
  }

  static String receiptId(String cid, String userId) {
    return cid + "|" + userId;
  }

  @Override
  public Future<long[]> receipt(String cid, String userId, Long readSeq, Long deliveredSeq) {
    JsonObject max = new JsonObject();
    if (readSeq != null) {
      max.put("readSeq", readSeq);
      max.put("deliveredSeq", readSeq);
    }
    if (deliveredSeq != null && (readSeq == null || deliveredSeq > readSeq)) {
      max.put("deliveredSeq", deliveredSeq);
    }
    String rid = receiptId(cid, userId);
    return mongo.findOneAndUpdateWithOptions(RECEIPTS, id(rid), new JsonObject().put("$max", max)
        .put("$setOnInsert", receiptFields(rid)), new FindOptions(), new UpdateOptions().setUpsert(true).setReturningNewDocument(true))
        .map(d -> new long[] {d.getLong("readSeq", 0L), d.getLong("deliveredSeq", 0L)});
  }

  @Override
  public Future<Map<String, long[]>> receipts(String cid) {
    return mongo.find(RECEIPTS, new JsonObject().put("conversationId", cid)).map(l -> {
      Map<String, long[]> m = new HashMap<>();
      l.forEach(d -> m.put(d.getString("userId"), new long[] {d.getLong("readSeq", 0L), d.getLong("deliveredSeq", 0L)}));
      return m;
    });
  }

  @Override
  public Future<Map<String, Long>> readPositions(String userId, Collection<String> cids) {
    if (cids.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    JsonArray ids = new JsonArray();
    cids.forEach(c -> ids.add(receiptId(c, userId)));
    return mongo.find(RECEIPTS, new JsonObject().put("_id", new JsonObject().put("$in", ids))).map(l -> {
      Map<String, Long> m = new HashMap<>();
      l.forEach(d -> m.put(d.getString("conversationId"), d.getLong("readSeq", 0L)));
      return m;
    });
  }
}

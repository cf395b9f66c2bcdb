package dev.tandem.store;

import com.mongodb.MongoClientSettings;
import com.mongodb.bulk.BulkWriteResult;
import com.mongodb.client.model.DeleteManyModel;
import com.mongodb.client.model.DeleteOneModel;
import com.mongodb.client.model.InsertOneModel;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.UpdateManyModel;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.WriteModel;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.MongoClientBulkWriteResult;
import io.vertx.ext.mongo.impl.codec.json.JsonObjectCodec;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonDocumentWrapper;
import org.bson.codecs.configuration.CodecRegistries;
import org.bson.codecs.configuration.CodecRegistry;
import org.bson.conversions.Bson;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * Bulk writes (the group commits of check-in uploads, audit appends and education histories)
 * straight through the MongoDB driver that vertx-mongo-client wraps (its own driver client, through {@link TandemMongoClient}), with the same
 * JSON codec.
 *
 * <p>Why not {@code MongoClient.bulkWriteWithOptions}: vertx-mongo-client 5.0.7 turns every
 * update's filter and update document into JSON text and parses that text back into BSON
 * ({@code MongoClientImpl.toBson}) on the calling event loop. Profiled under single check-in
 * uploads that round trip was 7% of the server's CPU, almost all of it on the one event loop
 * that also serves the HTTP requests. Here the documents are encoded once, by the driver, as
 * vertx-mongo-client's own inserts are. Same wire commands, same results, same errors
 * ({@code MongoBulkWriteException} for write errors). With the embedded store, the writes
 * {@link InProcessWrites} takes skip the driver and the socket (it says why) and answer the same.
 */
public final class BulkWriter {
  private final Vertx vertx;
  private final MongoDatabase db;
  private final InProcessWrites inProcess;

  /**
   * Over the driver client vertx-mongo-client opened (owned and closed by it); with the embedded
   * store, the writes {@link InProcessWrites} takes go to its engine directly ({@code inProcess},
   * else null).
   */
  BulkWriter(Vertx vertx, MongoClient driver, String database, InProcessWrites inProcess) {
    this.vertx = vertx;
    this.inProcess = inProcess;
    JsonObjectCodec codec = new JsonObjectCodec(new JsonObject());
    CodecRegistry registry = CodecRegistries.fromRegistries(CodecRegistries.fromCodecs(codec),
        MongoClientSettings.getDefaultCodecRegistry());
    this.db = driver.getDatabase(database).withCodecRegistry(registry);
  }

  /** One bulk write command (ordered or not); completes on the caller's context. */
  public Future<MongoClientBulkWriteResult> write(String collection, List<BulkOperation> ops, boolean ordered) {
    if (inProcess != null) {
      Future<MongoClientBulkWriteResult> direct = inProcess.write(collection, ops, ordered);
      if (direct != null) {
        // Completes on the caller's context, so a write the engine path turned down goes to the driver from there.
        return direct.compose(r -> r == InProcessWrites.NOT_TAKEN ? viaDriver(collection, ops, ordered) : Future.succeededFuture(r));
      }
    }
    return viaDriver(collection, ops, ordered);
  }

  private Future<MongoClientBulkWriteResult> viaDriver(String collection, List<BulkOperation> ops, boolean ordered) {
    Context ctx = vertx.getOrCreateContext();
    Promise<MongoClientBulkWriteResult> promise = Promise.promise();
    List<WriteModel<JsonObject>> models;
    try {
      models = models(ops);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    db.getCollection(collection, JsonObject.class)
        .bulkWrite(models, new com.mongodb.client.model.BulkWriteOptions().ordered(ordered))
        .subscribe(new Subscriber<BulkWriteResult>() {
          private BulkWriteResult result;

          @Override
          public void onSubscribe(Subscription s) {
            s.request(1);
          }

          @Override
          public void onNext(BulkWriteResult r) {
            result = r;
          }

          @Override
          public void onError(Throwable t) {
            ctx.runOnContext(v -> promise.fail(t));
          }

          @Override
          public void onComplete() {
            BulkWriteResult r = result;
            ctx.runOnContext(v -> promise.complete(toVertx(r)));
          }
        });
    return promise.future();
  }

  /** Releases what the in-process path holds (the driver client is vertx-mongo-client's to close). */
  Future<Void> close() {
    return inProcess == null ? Future.succeededFuture() : inProcess.close();
  }

  private static List<WriteModel<JsonObject>> models(List<BulkOperation> ops) {
    List<WriteModel<JsonObject>> out = new ArrayList<>(ops.size());
    for (BulkOperation op : ops) {
      out.add(switch (op.getType()) {
        case INSERT -> new InsertOneModel<>(op.getDocument());
        case UPDATE -> op.isMulti()
            ? new UpdateManyModel<>(bson(op.getFilter()), bson(op.getDocument()), new UpdateOptions().upsert(op.isUpsert()))
            : new UpdateOneModel<>(bson(op.getFilter()), bson(op.getDocument()), new UpdateOptions().upsert(op.isUpsert()));
        case REPLACE -> new ReplaceOneModel<>(bson(op.getFilter()), op.getDocument(), new ReplaceOptions().upsert(op.isUpsert()));
        case DELETE -> op.isMulti() ? new DeleteManyModel<>(bson(op.getFilter())) : new DeleteOneModel<>(bson(op.getFilter()));
      });
    }
    return out;
  }

  /** A JSON object as a filter or update document, encoded by the collection's codec when the command is written. */
  private static Bson bson(JsonObject json) {
    return new Bson() {
      @Override
      public <T> BsonDocument toBsonDocument(Class<T> documentClass, CodecRegistry registry) {
        return new BsonDocumentWrapper<>(json, registry.get(JsonObject.class));
      }
    };
  }

  private static MongoClientBulkWriteResult toVertx(BulkWriteResult r) {
    if (r == null || !r.wasAcknowledged()) {
      return new MongoClientBulkWriteResult();
    }
    List<JsonObject> upserts = new ArrayList<>();
    r.getUpserts().forEach(u -> upserts.add(new JsonObject().put(MongoClientBulkWriteResult.INDEX, u.getIndex())));
    List<JsonObject> inserts = new ArrayList<>();
    r.getInserts().forEach(i -> inserts.add(new JsonObject().put(MongoClientBulkWriteResult.INDEX, i.getIndex())));
    return new MongoClientBulkWriteResult(r.getInsertedCount(), r.getMatchedCount(), r.getDeletedCount(), r.getModifiedCount(),
        upserts, inserts);
  }
}

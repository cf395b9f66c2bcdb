package dev.tandem.store;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoCommandException;
import com.mongodb.ServerAddress;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.bulk.BulkWriteInsert;
import com.mongodb.bulk.BulkWriteResult;
import com.mongodb.bulk.BulkWriteUpsert;
import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;
import de.bwaldvogel.mongo.exception.MongoServerException;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkOperationType;
import io.vertx.ext.mongo.MongoClientBulkWriteResult;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonString;

/**
 * The embedded store's bulk writes handed to its engine in this process: the command document
 * the driver would have sent, built from the JSON objects directly, run by the same engine entry
 * point the server's socket handler calls ({@code MongoBackend.handleCommand}, which for the
 * journaled backend also flushes the journal before it returns), and its reply read as the driver
 * reads it: the same {@link MongoClientBulkWriteResult}, the same {@link MongoBulkWriteException}
 * with the engine's write errors, a {@link MongoCommandException} when the command fails.
 *
 * <p>Why: under single check-in uploads a quarter of the server's CPU went to carrying these
 * writes over the loopback socket (the driver encoding each command on its one connection-pool
 * thread, Netty on both sides, the server decoding it again), measured with JFR and /proc
 * ({@code docs/performance-log.md}, session 8). Reads, index creation and everything else still
 * go through vertx-mongo-client and the driver, and so does any bulk write this class does not
 * take (see {@link #write}); the features' code is the same in both store modes. {@code InProcessWritesTest} runs the same
 * writes both ways and compares the stored documents, the results and the errors.
 *
 * <p>Runs the engine on a small worker pool of its own (never on an event loop: the journal
 * flush is a write(2), or an fsync when configured), so that password hashing on Vert.x's shared
 * worker pool cannot hold store writes up.
 */
final class InProcessWrites {
  /** The engine's maxWriteBatchSize: the driver splits larger bulks, so those take the driver. */
  static final int MAX_OPS = 1000;
  /** {@code -Dtandem.store.inProcessWrites=false} sends every write over the socket (for comparing the two in benchmarks). */
  static final boolean ENABLED = !"false".equals(System.getProperty("tandem.store.inProcessWrites"));
  private static final Set<String> CODEC_FORMS = Set.of("$date", "$oid", "$binary", "$timestamp", "$numberDecimal",
      "$numberLong");

  /** The answer for a write whose values this path does not convert (the caller sends it through the driver). */
  static final MongoClientBulkWriteResult NOT_TAKEN = new MongoClientBulkWriteResult();
  /** Bulk writes this path has taken (tests check that it did). */
  static final AtomicLong TAKEN = new AtomicLong();

  private final MongoBackend backend;
  private final String database;
  private final ServerAddress address;
  private final WorkerExecutor workers;
  /** The engine keeps per-connection "last error" state; one pretend connection per worker thread. */
  private final ThreadLocal<Channel> channels = ThreadLocal.withInitial(EmbeddedChannel::new);

  InProcessWrites(Vertx vertx, MongoBackend backend, String database, ServerAddress address) {
    this.backend = backend;
    this.database = database;
    this.address = address;
    this.workers = vertx.createSharedWorkerExecutor("tandem-store-writes", 4);
  }

  /** Releases the worker pool (shared by name: the last store over this engine to close shuts it down). */
  Future<Void> close() {
    return workers.close();
  }

  /**
   * One bulk write, completing on the caller's context. Null at once, or {@link #NOT_TAKEN} once
   * the documents are looked at, when it is not one this path takes (the caller then sends it
   * through the driver): deletes, mixed inserts and updates, more than {@link #MAX_OPS}
   * operations, an insert without an {@code _id} (the driver generates one), and values the
   * driver's JSON codec treats specially ({@code {"$date": ...}} and the other extended-JSON
   * forms, binary, big decimals, any type JSON does not have). An exception the engine throws
   * that is not a MongoDB error (the journal could not be written) fails the future as it is.
   */
  Future<MongoClientBulkWriteResult> write(String collection, List<BulkOperation> ops, boolean ordered) {
    if (ops.isEmpty() || ops.size() > MAX_OPS) {
      return null;
    }
    boolean inserts = ops.get(0).getType() == BulkOperationType.INSERT;
    for (BulkOperation op : ops) {
      boolean ok = switch (op.getType()) {
        case INSERT -> inserts && op.getDocument() != null && op.getDocument().containsKey("_id");
        case UPDATE, REPLACE -> !inserts && op.getFilter() != null && op.getDocument() != null;
        default -> false;
      };
      if (!ok) {
        return null;
      }
    }
    // The documents are converted on the worker, not on the caller's event loop (under single
    // check-in uploads the conversion was an eighth of the event loop's samples). The driver, too,
    // encodes later on a thread of its own; callers do not change what they handed in.
    return workers.executeBlocking(() -> {
      List<Object> statements = new ArrayList<>(ops.size());
      try {
        for (BulkOperation op : ops) {
          if (inserts) {
            statements.add(document(op.getDocument()));
          } else {
            Document s = new Document();
            s.put("q", document(op.getFilter()));
            s.put("u", document(op.getDocument()));
            s.put("multi", op.getType() == BulkOperationType.UPDATE && op.isMulti());
            s.put("upsert", op.isUpsert());
            statements.add(s);
          }
        }
      } catch (NotPlain e) {
        return NOT_TAKEN;
      }
      String command = inserts ? "insert" : "update";
      Document cmd = new Document();
      cmd.put(command, collection);
      cmd.put("ordered", ordered);
      cmd.put(inserts ? "documents" : "updates", statements);
      cmd.put("$db", database);
      TAKEN.incrementAndGet();
      return run(command, cmd, ops.size(), inserts, ordered);
    }, false);
  }

  private MongoClientBulkWriteResult run(String command, Document cmd, int count, boolean inserts, boolean ordered) {
    Document reply;
    try {
      reply = backend.handleCommand(channels.get(), database, command, cmd);
    } catch (MongoServerException e) {
      BsonDocument response = new BsonDocument("ok", new BsonDouble(0)).append("errmsg", new BsonString(e.getMessageWithoutErrorCode()));
      if (e instanceof MongoServerError err) {
        response.append("code", new BsonInt32(err.getCode()));
        if (err.getCodeName() != null) {
          response.append("codeName", new BsonString(err.getCodeName()));
        }
      }
      throw new MongoCommandException(response, address);
    }
    List<BulkWriteError> errors = new ArrayList<>();
    Set<Integer> failed = new HashSet<>();
    if (reply.get("writeErrors") instanceof List<?> list) {
      for (Object o : list) {
        Document e = (Document) o;
        int index = ((Number) e.get("index")).intValue();
        failed.add(index);
        errors.add(new BulkWriteError(e.get("code") instanceof Number n ? n.intValue() : -1, String.valueOf(e.get("errmsg")),
            new BsonDocument(), index));
      }
    }
    int n = reply.get("n") instanceof Number x ? x.intValue() : 0;
    List<BulkWriteInsert> inserted = new ArrayList<>();
    List<BulkWriteUpsert> upserts = new ArrayList<>();
    BulkWriteResult result;
    if (inserts) {
      // An ordered insert stops at its first error; an unordered one goes on past each.
      int end = ordered && !errors.isEmpty() ? errors.stream().mapToInt(BulkWriteError::getIndex).min().getAsInt() : count;
      for (int i = 0; i < end; i++) {
        if (!failed.contains(i)) {
          inserted.add(new BulkWriteInsert(i, null));
        }
      }
      result = BulkWriteResult.acknowledged(n, 0, 0, 0, upserts, inserted);
    } else {
      if (reply.get("upserted") instanceof List<?> list) {
        for (Object o : list) {
          upserts.add(new BulkWriteUpsert(((Number) ((Document) o).get("index")).intValue(), null));
        }
      }
      int modified = reply.get("nModified") instanceof Number x ? x.intValue() : 0;
      result = BulkWriteResult.acknowledged(0, n - upserts.size(), 0, modified, upserts, inserted);
    }
    if (!errors.isEmpty()) {
      throw new MongoBulkWriteException(result, errors, null, address, Set.of());
    }
    List<JsonObject> ups = new ArrayList<>();
    upserts.forEach(u -> ups.add(new JsonObject().put(MongoClientBulkWriteResult.INDEX, u.getIndex())));
    List<JsonObject> ins = new ArrayList<>();
    inserted.forEach(i -> ins.add(new JsonObject().put(MongoClientBulkWriteResult.INDEX, i.getIndex())));
    return new MongoClientBulkWriteResult(result.getInsertedCount(), result.getMatchedCount(), result.getDeletedCount(),
        result.getModifiedCount(), ups, ins);
  }

  /** Thrown (without a stack) when a value is not one this path converts; the write takes the driver. */
  private static final class NotPlain extends RuntimeException {
    private static final NotPlain INSTANCE = new NotPlain();

    private NotPlain() {
      super(null, null, false, false);
    }
  }

  /**
   * What the engine would have decoded from the driver's encoding of {@code o} with
   * vertx-mongo-client's codec: {@code _id} first, then the fields in order; JSON objects as
   * documents, arrays as lists, the JSON scalars as themselves.
   */
  static Document document(JsonObject o) {
    Map<String, Object> map = o.getMap();
    Document d = new Document();
    if (map.containsKey("_id")) {
      d.put("_id", value(map.get("_id")));
    }
    for (Map.Entry<String, Object> e : map.entrySet()) {
      String k = e.getKey();
      if (CODEC_FORMS.contains(k)) {
        throw NotPlain.INSTANCE;
      }
      if (!"_id".equals(k)) {
        d.put(k, value(e.getValue()));
      }
    }
    return d;
  }

  @SuppressWarnings("unchecked")
  private static Object value(Object v) {
    if (v == null || v instanceof String || v instanceof Integer || v instanceof Long || v instanceof Double
        || v instanceof Boolean) {
      return v;
    }
    if (v instanceof JsonObject j) {
      return document(j);
    }
    if (v instanceof Map<?, ?> m) {
      return document(new JsonObject((Map<String, Object>) m));
    }
    List<?> list;
    if (v instanceof JsonArray a) {
      list = a.getList();
    } else if (v instanceof List<?> l) {
      list = l;
    } else {
      throw NotPlain.INSTANCE;
    }
    List<Object> out = new ArrayList<>(list.size());
    for (Object x : list) {
      out.add(value(x));
    }
    return out;
  }
}

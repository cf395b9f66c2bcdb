package dev.tandem.audit;

import dev.tandem.store.Store;
import dev.tandem.store.StoreErrors;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only, hash-chained audit log. Sequence numbers are the documents' {@code _id}, so
 * the store's unique key makes a fork impossible: appends from this process are queued and
 * written in order (several at a time in one insert batch when they pile up); if another node
 * appended first, the insert hits a duplicate key, the tail is re-read and the append retried.
 */
public final class AuditLog {
  public static final String COLLECTION = "audit";
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
  private static final int MAX_BATCH = 256;

  private final MongoClient mongo;
  private final Clock clock;
  private final Queue<Pending> queue = new ArrayDeque<>();
  private boolean writing;
  private long lastSeq;
  private String lastHash = AuditEntry.GENESIS;

  private record Pending(AuditEvent event, Promise<Void> done) {
  }

  public AuditLog(MongoClient mongo, Clock clock) {
    this.mongo = mongo;
    this.clock = clock;
  }

  public static List<Store.Index> indexes() {
    return List.of(Store.Index.plain(COLLECTION, "audit_patient", new JsonObject().put("patientId", 1).put("_id", -1)),
        Store.Index.plain(COLLECTION, "audit_actor", new JsonObject().put("actorId", 1).put("_id", -1)));
  }

  /** Reads the tail of the chain; call once before appending. */
  public Future<Void> start() {
    return loadTail();
  }

  /**
   * Appends an event. Succeeds once it is durably stored; callers that read patient data wait for
   * this so an unaudited read never happens.
   */
  public Future<Void> record(AuditEvent event) {
    Promise<Void> p = Promise.promise();
    queue.add(new Pending(event, p));
    drain();
    return p.future();
  }

  private void drain() {
    if (writing || queue.isEmpty()) {
      return;
    }
    writing = true;
    List<Pending> batch = new java.util.ArrayList<>();
    while (!queue.isEmpty() && batch.size() < MAX_BATCH) {
      batch.add(queue.poll());
    }
    writeBatch(batch, 0).onComplete(ar -> {
      batch.forEach(p -> p.done().handle(ar));
      writing = false;
      drain();
    });
  }

  private Future<Void> writeBatch(List<Pending> batch, int attempt) {
    long seq = lastSeq;
    String prev = lastHash;
    String at = clock.instant().toString();
    io.vertx.ext.mongo.BulkOperation[] ops = new io.vertx.ext.mongo.BulkOperation[batch.size()];
    for (int i = 0; i < batch.size(); i++) {
      AuditEntry e = AuditEntry.seal(++seq, at, batch.get(i).event(), prev);
      prev = e.hash();
      ops[i] = io.vertx.ext.mongo.BulkOperation.createInsert(e.toDoc());
    }
    long newSeq = seq;
    String newHash = prev;
    return mongo.bulkWriteWithOptions(COLLECTION, List.of(ops), new io.vertx.ext.mongo.BulkWriteOptions(true))
        .<Void>map(r -> {
          lastSeq = newSeq;
          lastHash = newHash;
          return null;
        })
        .recover(t -> {
          if (StoreErrors.isDuplicateKey(t) && attempt < 5) {
            // Another writer appended (or part of this batch landed): re-read the tail and retry the rest.
            return loadTail().compose(v -> writeBatch(batch, attempt + 1));
          }
          LOG.error("audit append failed", t);
          return Future.failedFuture(t);
        });
  }

  private Future<Void> loadTail() {
    return mongo.findWithOptions(COLLECTION, new JsonObject(),
        new FindOptions().setSort(new JsonObject().put("_id", -1)).setLimit(1)).map(l -> {
          if (!l.isEmpty()) {
            AuditEntry tail = AuditEntry.fromDoc(l.get(0));
            lastSeq = tail.seq();
            lastHash = tail.hash();
          }
          return null;
        });
  }

  /** Newest first; {@code beforeSeq} pages backwards. */
  public Future<List<AuditEntry>> latest(int limit, Long beforeSeq) {
    JsonObject q = beforeSeq == null ? new JsonObject() : new JsonObject().put("_id", new JsonObject().put("$lt", beforeSeq));
    return mongo.findWithOptions(COLLECTION, q, new FindOptions().setSort(new JsonObject().put("_id", -1)).setLimit(limit))
        .map(l -> l.stream().map(AuditEntry::fromDoc).toList());
  }

  /** Walks the whole chain from the first entry; see {@link AuditVerifier}. */
  public Future<AuditVerifier.Result> verify() {
    return new AuditVerifier(mongo).verify();
  }
}

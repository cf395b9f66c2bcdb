package dev.tandem.audit;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;


/**
 * Checks the audit chain from the first entry: sequence numbers without gaps, each entry's
 * {@code prev} equal to the hash before it, and each hash recomputing from the entry's fields.
 * Names the first broken entry.
 */
public final class AuditVerifier {
  private static final int PAGE = 1000;
  private final MongoClient mongo;

  public record Result(boolean ok, long checked, Long firstBrokenSeq, String reason) {
    public JsonObject toJson() {
      return new JsonObject().put("ok", ok).put("checked", checked).put("firstBroken",
          ok ? null : new JsonObject().put("seq", firstBrokenSeq).put("reason", reason));
    }
  }

  public AuditVerifier(MongoClient mongo) {
    this.mongo = mongo;
  }

  public Future<Result> verify() {
    return page(0, AuditEntry.GENESIS, 0);
  }

  private Future<Result> page(long afterSeq, String prevHash, long checked) {
    return mongo.findWithOptions(AuditLog.COLLECTION, new JsonObject().put("_id", new JsonObject().put("$gt", afterSeq)),
        new FindOptions().setSort(new JsonObject().put("_id", 1)).setLimit(PAGE)).compose(docs -> {
          long seq = afterSeq;
          String prev = prevHash;
          long n = checked;
          for (JsonObject d : docs) {
            AuditEntry e;
            try {
              e = AuditEntry.fromDoc(d);
            } catch (RuntimeException ex) {
              return Future.succeededFuture(new Result(false, n, seq + 1, "entry is malformed"));
            }
            if (e.seq() != seq + 1) {
              return Future.succeededFuture(new Result(false, n, seq + 1, "entry is missing (sequence jumps to " + e.seq() + ")"));
            }
            if (!prev.equals(e.prev())) {
              return Future.succeededFuture(new Result(false, n, e.seq(), "does not link to the entry before it"));
            }
            if (!e.recomputedHash().equals(e.hash())) {
              return Future.succeededFuture(new Result(false, n, e.seq(), "content does not match its hash (altered)"));
            }
            seq = e.seq();
            prev = e.hash();
            n++;
          }
          if (docs.size() < PAGE) {
            return Future.succeededFuture(new Result(true, n, null, null));
          }
          return page(seq, prev, n);
        });
  }

}

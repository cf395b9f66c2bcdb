package dev.tandem.store;

import dev.tandem.crypto.Envelope;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/**
 * A collection of per-patient data keys stored wrapped by the master key, one document per
 * patient: {@code {_id: patientId, wrapped: base64, version: masterKeyVersion}}. Master-key
 * rotation re-wraps the keys still under an older version (the data they protect is untouched).
 */
public final class WrappedKeyCollection {
  private static final int PAGE = 200;
  private final MongoClient mongo;
  private final String collection;
  private final Function<String, String> keyId;
  private final Envelope envelope;

  /** {@code keyId}: the key id the feature wraps a patient's key under (bound into the wrapping). */
  public WrappedKeyCollection(MongoClient mongo, String collection, Function<String, String> keyId, Envelope envelope) {
    this.mongo = mongo;
    this.collection = collection;
    this.keyId = keyId;
    this.envelope = envelope;
  }

  /** Re-wraps every key under an older master key version; succeeds with how many it re-wrapped. */
  public Future<Long> rewrapStale() {
    return page(0L);
  }

  private Future<Long> page(long done) {
    int current = envelope.currentVersion();
    JsonObject stale = new JsonObject().put("version", new JsonObject().put("$lt", current));
    return mongo.findWithOptions(collection, stale, new FindOptions().setLimit(PAGE)).compose(docs -> {
      if (docs.isEmpty()) {
        return Future.succeededFuture(done);
      }
      List<Future<Boolean>> all = new ArrayList<>(docs.size());
      for (JsonObject d : docs) {
        String id = d.getString("_id");
        byte[] rewrapped = envelope.rewrap(Base64.getDecoder().decode(d.getString("wrapped")), keyId.apply(id));
        // Guarded by the version read: a key another node re-wrapped meanwhile is left alone.
        all.add(mongo.updateCollection(collection, new JsonObject().put("_id", id).put("version", d.getInteger("version")),
            new JsonObject().put("$set", new JsonObject().put("wrapped", Base64.getEncoder().encodeToString(rewrapped))
                .put("version", current))).map(r -> r.getDocModified() > 0));
      }
      return Future.all(all).compose(x -> page(done + all.stream().filter(Future::result).count()));
    });
  }
}

package dev.tandem.education;

import dev.tandem.store.JsonCopies;
import dev.tandem.store.StoreErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.MongoClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@link EducationStore} on MongoDB (or the embedded engine). */
final class MongoEducationStore implements EducationStore {
  static final String ASSIGNMENTS = "educationAssignments";
  static final String SUGGESTIONS = "educationSuggestions";
  static final String SIGNALS = "educationSignals";
  static final String KEYS = "educationKeys";
  private final MongoClient mongo;

  MongoEducationStore(MongoClient mongo) {
    this.mongo = mongo;
  }

  private static JsonObject id(String id) {
    return new JsonObject().put("_id", id);
  }

  @Override
  public Future<Assignment> assignment(String patientId, String moduleId) {
    return mongo.findOne(ASSIGNMENTS, id(Assignment.id(patientId, moduleId)), null).map(d -> d == null ? null : Assignment.fromDoc(d));
  }

  @Override
  public Future<List<Assignment>> assignments(String patientId) {
    return mongo.find(ASSIGNMENTS, new JsonObject().put("patientId", patientId))
        .map(l -> l.stream().map(Assignment::fromDoc).toList());
  }

  @Override
  public Future<Boolean> insert(Assignment a) {
    return insert(ASSIGNMENTS, a.toDoc());
  }

  @Override
  public Future<Boolean> replace(Assignment a, long expectedRev) {
    return replace(ASSIGNMENTS, a.toDoc(), expectedRev);
  }

  @Override
  public Future<Suggestion> suggestion(String patientId, String moduleId) {
    return mongo.findOne(SUGGESTIONS, id(Assignment.id(patientId, moduleId)), null).map(d -> d == null ? null : Suggestion.fromDoc(d));
  }

  @Override
  public Future<List<Suggestion>> suggestions(String patientId) {
    return mongo.find(SUGGESTIONS, new JsonObject().put("patientId", patientId))
        .map(l -> l.stream().map(Suggestion::fromDoc).toList());
  }

  @Override
  public Future<Boolean> insert(Suggestion s) {
    return insert(SUGGESTIONS, s.toDoc());
  }

  @Override
  public Future<Boolean> replace(Suggestion s, long expectedRev) {
    return replace(SUGGESTIONS, s.toDoc(), expectedRev);
  }

  @Override
  public Future<JsonObject> signal(String id) {
    return mongo.findOne(SIGNALS, id(id), null);
  }

  @Override
  public Future<Boolean> putSignal(JsonObject doc, long expectedRev) {
    return expectedRev == 0 ? insert(SIGNALS, doc.copy().put("rev", 1L)) : replace(SIGNALS, doc, expectedRev);
  }

  @Override
  public Future<List<Boolean>> replaceSignals(List<JsonObject> docs, List<Long> expectedRevs) {
    List<BulkOperation> ops = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < docs.size(); i++) {
      String id = docs.get(i).getString("_id");
      ids.add(id);
      ops.add(BulkOperation.createReplace(id(id).put("rev", expectedRevs.get(i)),
          JsonCopies.shallow(docs.get(i)).put("rev", expectedRevs.get(i) + 1)));
    }
    return mongo.bulkWriteWithOptions(SIGNALS, ops, new BulkWriteOptions(false)).compose(r -> {
      if (r.getMatchedCount() == ops.size()) {
        return Future.succeededFuture(java.util.Collections.nCopies(ops.size(), true));
      }
      // Some lost their compare-and-set; the result does not say which. A history holds ours
      // when it carries the rev we wrote and our hits (a rival write has other hits).
      return mongo.find(SIGNALS, new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(ids)))).map(found -> {
        Map<String, JsonObject> byId = new HashMap<>();
        found.forEach(d -> byId.put(d.getString("_id"), d));
        List<Boolean> out = new ArrayList<>();
        for (int i = 0; i < docs.size(); i++) {
          JsonObject stored = byId.get(ids.get(i));
          out.add(stored != null && stored.getLong("rev", -1L) == expectedRevs.get(i) + 1
              && docs.get(i).getJsonArray("hits", new JsonArray()).equals(stored.getJsonArray("hits")));
        }
        return out;
      });
    });
  }

  @Override
  public Future<String> wrappedKey(String patientId) {
    return mongo.findOne(KEYS, id(patientId), null).map(d -> d == null ? null : d.getString("wrapped"));
  }

  @Override
  public Future<String> putKeyIfAbsent(String patientId, String wrapped, int version) {
    return insert(KEYS, id(patientId).put("patientId", patientId).put("wrapped", wrapped).put("version", version))
        .compose(ok -> ok ? Future.succeededFuture(wrapped) : wrappedKey(patientId));
  }

  private Future<Boolean> insert(String collection, JsonObject doc) {
    return mongo.insert(collection, doc).map(x -> true)
        .recover(t -> StoreErrors.isDuplicateKey(t) ? Future.succeededFuture(false) : Future.failedFuture(t));
  }

  private Future<Boolean> replace(String collection, JsonObject doc, long expectedRev) {
    JsonObject next = doc.copy().put("rev", expectedRev + 1);
    return mongo.replaceDocuments(collection, id(doc.getString("_id")).put("rev", expectedRev), next)
        .map(r -> r.getDocMatched() == 1);
  }
}

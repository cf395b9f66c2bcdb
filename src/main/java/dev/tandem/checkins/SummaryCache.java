package dev.tandem.checkins;

import dev.tandem.crypto.Tokens;
import dev.tandem.store.JsonCopies;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-patient summaries and schedules, kept in memory: the monitoring panel reads hundreds of
 * them per request and the embedded store pays a full document deserialization for each. This
 * node's writes update the cache as they are stored; a write on another node of a cluster
 * invalidates the entry here through the (clustered) event bus. Bounded (least recently used
 * out).
 */
final class SummaryCache {
  static final String CHANGED = "tandem.checkins.changed";
  private static final int MAX = 50_000;
  private final Vertx vertx;
  private final CheckinStore store;
  private final String node = Tokens.random(8);
  private final Map<String, JsonObject> summaries = lru();
  private final Map<String, JsonObject> schedules = lru();

  SummaryCache(Vertx vertx, CheckinStore store) {
    this.vertx = vertx;
    this.store = store;
    vertx.eventBus().<JsonObject>consumer(CHANGED, m -> {
      if (!node.equals(m.body().getString("node"))) {
        summaries.remove(m.body().getString("patientId"));
        schedules.remove(m.body().getString("patientId"));
      }
    });
  }

  private static Map<String, JsonObject> lru() {
    return new LinkedHashMap<>(1024, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, JsonObject> eldest) {
        return size() > MAX;
      }
    };
  }

  /**
   * The summary document (an empty one with just the id when the patient has none), read-only:
   * cached documents are never changed in place (a write replaces them), so callers copy what
   * they change. It was a deep copy per call, and {@link #wroteSummary} made two more: together a
   * tenth of the event loop's CPU under single check-in uploads (JFR).
   */
  Future<JsonObject> summary(String patientId) {
    JsonObject c = summaries.get(patientId);
    if (c != null) {
      return Future.succeededFuture(c);
    }
    return store.summary(patientId).map(d -> {
      JsonObject doc = d == null ? new JsonObject().put("_id", patientId) : d;
      summaries.put(patientId, doc);
      return doc;
    });
  }

  /** Summaries by patient id, read-only (do not modify the returned documents). */
  Future<Map<String, JsonObject>> summaries(Collection<String> ids) {
    return many(ids, summaries, store::summaries);
  }

  Future<Map<String, JsonObject>> schedules(Collection<String> ids) {
    return many(ids, schedules, store::schedulesOf);
  }

  Future<JsonObject> schedule(String patientId) {
    return schedules(List.of(patientId)).map(m -> m.get(patientId));
  }

  private Future<Map<String, JsonObject>> many(Collection<String> ids, Map<String, JsonObject> cache,
      java.util.function.Function<Collection<String>, Future<List<JsonObject>>> load) {
    Map<String, JsonObject> out = new HashMap<>();
    List<String> missing = new ArrayList<>();
    for (String id : ids) {
      JsonObject c = cache.get(id);
      if (c != null) {
        out.put(id, c);
      } else {
        missing.add(id);
      }
    }
    if (missing.isEmpty()) {
      return Future.succeededFuture(out);
    }
    return load.apply(missing).map(docs -> {
      docs.forEach(d -> out.put(d.getString("_id"), d));
      for (String id : missing) {
        JsonObject d = out.computeIfAbsent(id, k -> new JsonObject().put("_id", k));
        cache.put(id, d);
      }
      return out;
    });
  }

  /**
   * This node stored a summary update: the same $set/$max applied to a new cached document, which
   * shares what did not change with the old one. The instrument states in {@code set} are taken
   * as they are: the caller built them for this write and does not change them afterwards.
   */
  void wroteSummary(String patientId, JsonObject set, String lastCheckinAt) {
    JsonObject c = summaries.get(patientId);
    if (c != null) {
      JsonObject next = JsonCopies.shallow(c);
      JsonObject old = c.getJsonObject("instruments");
      JsonObject ins = old == null ? new JsonObject() : JsonCopies.shallow(old);
      set.fieldNames().forEach(k -> ins.put(k.substring("instruments.".length()), set.getJsonObject(k)));
      next.put("instruments", ins).put("seq", next.getInteger("seq", 0) + 1);
      if (lastCheckinAt != null && (next.getString("lastCheckinAt") == null || lastCheckinAt.compareTo(next.getString("lastCheckinAt")) > 0)) {
        next.put("lastCheckinAt", lastCheckinAt);
      }
      summaries.put(patientId, next);
    }
    announce(patientId);
  }

  /** A write whose outcome is unknown, or a schedule change: read again next time. */
  void forget(String patientId) {
    summaries.remove(patientId);
    schedules.remove(patientId);
    announce(patientId);
  }

  private void announce(String patientId) {
    if (!vertx.isClustered()) {
      return; // no other node holds a copy (one CheckinService per process)
    }
    vertx.eventBus().publish(CHANGED, new JsonObject().put("patientId", patientId).put("node", node));
  }
}

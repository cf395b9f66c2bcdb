package dev.tandem.visits;

import dev.tandem.store.StoreErrors;
import dev.tandem.store.Times;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.MongoClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * No double booking without transactions: before a visit is written, one claim document per
 * participant per 5-minute slot is inserted, keyed {@code userId|slotStart}. The store's unique
 * {@code _id} lets exactly one of any number of concurrent attempts own a slot. An attempt that
 * hits a taken slot deletes the claims it inserted itself (matched by its visit id, so it never
 * removes another attempt's claim) and fails with 409.
 *
 * <p>Every multi-step change marks the claims it touches "pending" first: new claims are
 * inserted pending and confirmed once the visit document says so; claims about to be released
 * (cancel, no-show, the old time of a move) are marked pending before the visit changes. A
 * process that dies in between leaves pending claims behind, and {@link #sweep} settles them
 * against the visit as it is stored: claims inside an active visit's time are confirmed, all
 * others released. So a crash never leaves time blocked, nor frees time a visit still holds.
 */
final class SlotClaims {
  static final String COLLECTION = "visitSlots";
  static final Duration SLOT = Duration.ofMinutes(5);
  private final MongoClient mongo;
  private final Clock clock;

  SlotClaims(MongoClient mongo, Clock clock) {
    this.mongo = mongo;
    this.clock = clock;
  }

  /** Claim ids for every participant and slot of [start, end), sorted (every attempt claims in one order). */
  static List<String> keys(Collection<String> userIds, Instant start, Instant end) {
    TreeSet<String> keys = new TreeSet<>();
    for (String u : userIds) {
      for (Instant t = start; t.isBefore(end); t = t.plus(SLOT)) {
        keys.add(u + "|" + Times.format(t));
      }
    }
    return new ArrayList<>(keys);
  }

  /**
   * Inserts every claim for {@code visitId}, or none. Fails with 409 slot_taken when any is
   * already held by another visit.
   */
  Future<Void> claim(String visitId, List<String> keys) {
    if (keys.isEmpty()) {
      return Future.succeededFuture();
    }
    String now = Times.format(clock.instant());
    List<BulkOperation> ops = new ArrayList<>(keys.size());
    for (String k : keys) {
      int bar = k.indexOf('|');
      ops.add(BulkOperation.createInsert(new JsonObject().put("_id", k).put("visitId", visitId)
          .put("userId", k.substring(0, bar)).put("slot", k.substring(bar + 1)).put("pending", true).put("pendingSince", now).put("createdAt", now)));
    }
    return mongo.bulkWriteWithOptions(COLLECTION, ops, new BulkWriteOptions(true)).<Void>mapEmpty()
        .recover(t -> release(visitId, keys).transform(x -> Future.failedFuture(StoreErrors.conflictOnDuplicate(t,
            "slot_taken", "That time is no longer free for everyone in the visit. Pick another time."))));
  }

  /** Marks the claims as belonging to a written visit (the sweeper leaves them alone). */
  Future<Void> confirm(String visitId, List<String> keys) {
    if (keys.isEmpty()) {
      return Future.succeededFuture();
    }
    return mongo.updateCollectionWithOptions(COLLECTION, ownedBy(visitId, keys),
        new JsonObject().put("$set", new JsonObject().put("pending", false)), new io.vertx.ext.mongo.UpdateOptions().setMulti(true))
        .mapEmpty();
  }

  /** Marks claims about to be released, so a crash before the release is settled by the sweeper. */
  Future<Void> markPending(String visitId, List<String> keys) {
    if (keys.isEmpty()) {
      return Future.succeededFuture();
    }
    return mongo.updateCollectionWithOptions(COLLECTION, ownedBy(visitId, keys), new JsonObject().put("$set",
        new JsonObject().put("pending", true).put("pendingSince", Times.format(clock.instant()))),
        new io.vertx.ext.mongo.UpdateOptions().setMulti(true)).mapEmpty();
  }

  /** Deletes this visit's claims among {@code keys}; claims held by other visits are untouched. */
  Future<Void> release(String visitId, List<String> keys) {
    if (keys.isEmpty()) {
      return Future.succeededFuture();
    }
    return mongo.removeDocuments(COLLECTION, ownedBy(visitId, keys)).mapEmpty();
  }

  private static JsonObject ownedBy(String visitId, List<String> keys) {
    return new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(keys))).put("visitId", visitId);
  }

  /**
   * Settles claims pending for longer than {@code after}: those inside the current time of an
   * active visit are confirmed, every other one (visit never written, cancelled, moved away) is
   * released. Succeeds with the number released.
   */
  Future<Integer> sweep(Duration after, MongoVisitStore visits) {
    JsonObject q = new JsonObject().put("pending", true)
        .put("pendingSince", new JsonObject().put("$lt", Times.format(clock.instant().minus(after))));
    return mongo.find(COLLECTION, q).compose(stale -> {
      Map<String, List<String>> byVisit = new HashMap<>();
      stale.forEach(c -> byVisit.computeIfAbsent(c.getString("visitId"), k -> new ArrayList<>()).add(c.getString("_id")));
      List<Future<Integer>> settled = new ArrayList<>();
      byVisit.forEach((visitId, keys) -> settled.add(visits.get(visitId).compose(v -> {
        java.util.Set<String> held = v != null && v.status().active() ? new java.util.HashSet<>(VisitService.keys(v)) : java.util.Set.of();
        List<String> keep = keys.stream().filter(held::contains).toList();
        List<String> drop = keys.stream().filter(k -> !held.contains(k)).toList();
        return confirm(visitId, keep).compose(x -> release(visitId, drop)).map(drop.size());
      })));
      return Future.all(settled).map(all -> settled.stream().mapToInt(Future::result).sum());
    });
  }

}

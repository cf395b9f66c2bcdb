package dev.tandem.checkins;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.bulk.BulkWriteError;
import dev.tandem.store.Store;
import dev.tandem.store.StoreErrors;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * MongoDB persistence for check-ins. Every per-patient read is an {@code _id} lookup, because
 * the embedded store only honours {@code _id} and unique indexes:
 * <ul>
 * <li>{@code checkinResponses}: one complete document per response, {@code _id} = patientId:clientId
 * (idempotency rides on the primary key);
 * <li>{@code checkinSummaries}: {@code _id} = patientId; baseline, previous and latest scores per
 * instrument and the last check-in, derived from the responses;
 * <li>{@code checkinTrends}: {@code _id} = patientId|instrument|yyyy-MM|chunk, a month's points in
 * documents of at most {@link CheckinService#BUCKET_POINTS}, found by patientId and month (the
 * embedded store's prefix index narrows to the patient's buckets), so a year of daily check-ins
 * is one query over a few dozen small documents, not a scan of every response;
 * <li>{@code checkinSchedules}, {@code checkinMedications}, {@code checkinKeys}: one document per patient.
 * </ul>
 */
final class CheckinStore {
  static final String RESPONSES = "checkinResponses";
  static final String SUMMARIES = "checkinSummaries";
  static final String TRENDS = "checkinTrends";
  static final String SCHEDULES = "checkinSchedules";
  static final String MEDICATIONS = "checkinMedications";
  static final String KEYS = "checkinKeys";
  static final String ALERTS = "safetyAlerts";

  private final MongoClient mongo;

  CheckinStore(MongoClient mongo) {
    this.mongo = mongo;
  }

  static List<Store.Index> indexes() {
    // Per-patient documents are keyed by patient id; these serve a real MongoDB's other queries.
    return List.of(
        Store.Index.plain(RESPONSES, "checkin_responses_patient", new JsonObject().put("patientId", 1).put("answeredAt", -1)),
        Store.Index.plain(TRENDS, "checkin_trends_patient", new JsonObject().put("patientId", 1).put("instrument", 1).put("month", 1)),
        Store.Index.plain(ALERTS, "alerts_status_created", new JsonObject().put("status", 1).put("createdAt", 1)));
  }

  private static JsonObject id(String id) {
    return new JsonObject().put("_id", id);
  }

  private static JsonObject in(Collection<String> ids) {
    return new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(new ArrayList<>(ids))));
  }

  /** The stored responses among {@code ids} (duplicates of an upload), with the fields a duplicate answer needs. */
  Future<List<JsonObject>> existing(Collection<String> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return mongo.findWithOptions(RESPONSES, in(ids), new FindOptions().setFields(new JsonObject().put("_id", 1).put("total", 1)
        .put("band", 1).put("instrument", 1).put("answers", 1).put("alertRules", 1).put("answeredAt", 1).put("clientId", 1)));
  }

  Future<List<JsonObject>> responses(Collection<String> ids) {
    return ids.isEmpty() ? Future.succeededFuture(List.of()) : mongo.find(RESPONSES, in(ids));
  }

  /**
   * Inserts complete response documents in one unordered command. Succeeds with the indexes that
   * already existed (a concurrent duplicate); fails for any other error.
   */
  Future<Set<Integer>> insertResponses(List<JsonObject> docs) {
    if (docs.isEmpty()) {
      return Future.succeededFuture(Set.of());
    }
    List<BulkOperation> ops = new ArrayList<>(docs.size());
    docs.forEach(d -> ops.add(BulkOperation.createInsert(d)));
    return mongo.bulkWriteWithOptions(RESPONSES, ops, new BulkWriteOptions(false)).map(r -> Set.<Integer>of()).recover(t -> {
      MongoBulkWriteException bulk = null;
      for (Throwable c = t; c != null; c = c.getCause()) {
        if (c instanceof MongoBulkWriteException b) {
          bulk = b;
        }
      }
      if (bulk == null) {
        return StoreErrors.isDuplicateKey(t) && docs.size() == 1 ? Future.succeededFuture(Set.of(0)) : Future.failedFuture(t);
      }
      Set<Integer> dups = new HashSet<>();
      for (BulkWriteError e : bulk.getWriteErrors()) {
        if (e.getCode() != 11000) {
          return Future.failedFuture(t);
        }
        dups.add(e.getIndex());
      }
      return Future.succeededFuture(dups);
    });
  }

  /** Unordered bulk write of updates to one collection (nothing to do for an empty list). */
  Future<Void> bulk(String collection, List<BulkOperation> ops) {
    return ops.isEmpty() ? Future.succeededFuture() : mongo.bulkWriteWithOptions(collection, ops, new BulkWriteOptions(false)).mapEmpty();
  }

  /** The summary update: instrument states set, lastCheckinAt raised, seq bumped (so a reader can tell it moved). */
  static BulkOperation summaryUpdate(String patientId, JsonObject set, String lastCheckinAt) {
    JsonObject update = new JsonObject().put("$inc", new JsonObject().put("seq", 1));
    if (!set.isEmpty()) {
      update.put("$set", set);
    }
    if (lastCheckinAt != null) {
      update.put("$max", new JsonObject().put("lastCheckinAt", lastCheckinAt));
    }
    return BulkOperation.createUpdate(id(patientId), update, true, false);
  }

  /** Appends a month bucket's new points (upsert). */
  static BulkOperation bucketUpdate(JsonObject b) {
    return BulkOperation.createUpdate(id(b.getString("_id")), new JsonObject()
        .put("$setOnInsert", new JsonObject().put("patientId", b.getString("patientId")).put("instrument", b.getString("instrument"))
            .put("month", b.getString("month")))
        .put("$push", new JsonObject().put("points", new JsonObject().put("$each", b.getJsonArray("points")))), true, false);
  }

  /** The months from {@code first} to {@code last} (yyyy-MM), for {@link #buckets}. */
  static List<String> months(YearMonth first, YearMonth last) {
    List<String> out = new ArrayList<>();
    for (YearMonth m = first; !m.isAfter(last); m = m.plusMonths(1)) {
      out.add(m.toString());
    }
    return out;
  }

  /**
   * A patient's trend buckets for the given months (yyyy-MM), every instrument, each month in one
   * or more documents. Served by the {@code checkin_trends_patient} index on a real MongoDB and by
   * the embedded store's prefix index on {@code patientId}.
   */
  Future<List<JsonObject>> buckets(String patientId, Collection<String> months) {
    return months.isEmpty() ? Future.succeededFuture(List.of())
        : mongo.find(TRENDS, new JsonObject().put("patientId", patientId).put("month", new JsonObject().put("$in", new JsonArray(new ArrayList<>(months)))));
  }

  Future<JsonObject> summary(String patientId) {
    return mongo.findOne(SUMMARIES, id(patientId), null);
  }

  Future<List<JsonObject>> summaries(Collection<String> patientIds) {
    return patientIds.isEmpty() ? Future.succeededFuture(List.of()) : mongo.find(SUMMARIES, in(patientIds));
  }

  Future<JsonObject> schedules(String patientId) {
    return mongo.findOne(SCHEDULES, id(patientId), null);
  }

  Future<List<JsonObject>> schedulesOf(Collection<String> patientIds) {
    return patientIds.isEmpty() ? Future.succeededFuture(List.of()) : mongo.find(SCHEDULES, in(patientIds));
  }

  Future<Void> setSchedule(String patientId, String instrument, JsonObject schedule) {
    JsonObject update = schedule == null
        ? new JsonObject().put("$unset", new JsonObject().put("instruments." + instrument, ""))
        : new JsonObject().put("$set", new JsonObject().put("instruments." + instrument, schedule));
    return mongo.updateCollectionWithOptions(SCHEDULES, id(patientId), update, new UpdateOptions().setUpsert(true)).mapEmpty();
  }

  Future<JsonObject> medications(String patientId) {
    return mongo.findOne(MEDICATIONS, id(patientId), null);
  }

  Future<Void> addMedication(String patientId, JsonObject event) {
    return mongo.updateCollectionWithOptions(MEDICATIONS, id(patientId),
        new JsonObject().put("$push", new JsonObject().put("events", event)), new UpdateOptions().setUpsert(true)).mapEmpty();
  }

  /** The patient's wrapped data key for free text, or null. */
  Future<JsonObject> key(String patientId) {
    return mongo.findOne(KEYS, id(patientId), null);
  }

  /** Stores a wrapped key unless one exists; succeeds with whichever is stored. */
  Future<JsonObject> putKeyIfAbsent(String patientId, JsonObject doc) {
    return mongo.insert(KEYS, doc.copy().put("_id", patientId)).map(x -> doc).recover(t -> StoreErrors.isDuplicateKey(t)
        ? key(patientId) : Future.failedFuture(t));
  }

  // ---- safety alerts (shared with messaging's crisis alerts) --------------------------------

  /** True when inserted, false when an alert with this id already exists. */
  Future<Boolean> insertAlert(JsonObject doc) {
    return mongo.insert(ALERTS, doc).map(x -> true).recover(t -> StoreErrors.isDuplicateKey(t)
        ? Future.succeededFuture(false) : Future.failedFuture(t));
  }

  Future<JsonObject> alert(String alertId) {
    return mongo.findOne(ALERTS, id(alertId), null);
  }

  /** Every open alert (the open-alert view and escalation; the embedded store's prefix index on status narrows it). */
  Future<List<JsonObject>> openAlerts() {
    return mongo.find(ALERTS, new JsonObject().put("status", "open"));
  }

  /** Applies {@code update} only while the alert still matches {@code filter}; succeeds with the new document or null. */
  Future<JsonObject> updateAlertIf(JsonObject filter, JsonObject update) {
    return mongo.findOneAndUpdateWithOptions(ALERTS, filter, update, new FindOptions(),
        new UpdateOptions().setReturningNewDocument(true));
  }
}

package dev.tandem.visits;

import dev.tandem.store.Times;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;
import java.time.Instant;
import java.util.List;

/**
 * Visits, one document each. Every state change is a compare-and-set on {@code version}, so
 * two clinicians admitting at once (or an admit racing a cancel) cannot both win.
 */
final class MongoVisitStore {
  static final String VISITS = "visits";
  private final MongoClient mongo;

  MongoVisitStore(MongoClient mongo) {
    this.mongo = mongo;
  }

  Future<Void> insert(Visit v) {
    return mongo.insert(VISITS, v.toDoc()).mapEmpty();
  }

  Future<Visit> get(String id) {
    return mongo.findOne(VISITS, new JsonObject().put("_id", id), null).map(d -> d == null ? null : Visit.fromDoc(d));
  }

  Future<Visit> byRoom(String room) {
    return mongo.findOne(VISITS, new JsonObject().put("room", room), null).map(d -> d == null ? null : Visit.fromDoc(d));
  }

  Future<Void> delete(String id) {
    return mongo.removeDocument(VISITS, new JsonObject().put("_id", id)).mapEmpty();
  }

  /**
   * Applies {@code set} (and appends {@code historyEntry}/{@code attendanceEntry} when given) if
   * the visit is still at {@code version}. Succeeds with the new visit, or null when it changed
   * meanwhile.
   */
  Future<Visit> update(Visit v, JsonObject set, JsonObject historyEntry, JsonObject attendanceEntry) {
    JsonObject push = new JsonObject();
    if (historyEntry != null) {
      push.put("history", historyEntry);
    }
    if (attendanceEntry != null) {
      push.put("attendance", attendanceEntry);
    }
    JsonObject update = new JsonObject().put("$set", set.copy().put("version", v.version() + 1));
    if (!push.isEmpty()) {
      update.put("$push", push);
    }
    return mongo.findOneAndUpdateWithOptions(VISITS, new JsonObject().put("_id", v.id()).put("version", v.version()), update,
        new FindOptions(), new UpdateOptions().setReturningNewDocument(true)).map(d -> d == null ? null : Visit.fromDoc(d));
  }

  /** Appends an attendance record without a version bump (attendance never decides a transition). */
  Future<Void> recordAttendance(String id, JsonObject entry) {
    return mongo.updateCollection(VISITS, new JsonObject().put("_id", id),
        new JsonObject().put("$push", new JsonObject().put("attendance", entry))).mapEmpty();
  }

  /** Visits with {@code userId} as a participant overlapping [from, to), by start. */
  Future<List<Visit>> forParticipant(String userId, Instant from, Instant to) {
    return overlapping(new JsonObject().put("participants", userId), from, to);
  }

  Future<List<Visit>> forParticipants(List<String> userIds, Instant from, Instant to) {
    return overlapping(new JsonObject().put("participants", new JsonObject().put("$in", new JsonArray(userIds))), from, to);
  }

  private Future<List<Visit>> overlapping(JsonObject q, Instant from, Instant to) {
    q.put("start", new JsonObject().put("$lt", Times.format(to))).put("end", new JsonObject().put("$gt", Times.format(from)));
    return mongo.findWithOptions(VISITS, q, new FindOptions().setSort(new JsonObject().put("start", 1)).setLimit(2000))
        .map(l -> l.stream().map(Visit::fromDoc).toList());
  }

  /** Scheduled visits starting in (after, until]: candidates for reminders. */
  Future<List<Visit>> scheduledStarting(Instant after, Instant until) {
    JsonObject q = new JsonObject().put("status", VisitStatus.SCHEDULED.wire()).put("start",
        new JsonObject().put("$gt", Times.format(after)).put("$lte", Times.format(until)));
    return mongo.findWithOptions(VISITS, q, new FindOptions().setLimit(5000)).map(l -> l.stream().map(Visit::fromDoc).toList());
  }

  /** Visits of this clinician whose patient is waiting. */
  Future<List<Visit>> waitingFor(String clinicianId) {
    JsonObject q = new JsonObject().put("clinicianIds", clinicianId).put("status", VisitStatus.WAITING.wire());
    return mongo.find(VISITS, q).map(l -> l.stream().map(Visit::fromDoc).toList());
  }
}

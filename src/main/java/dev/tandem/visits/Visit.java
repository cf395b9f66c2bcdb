package dev.tandem.visits;

import dev.tandem.store.Times;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A scheduled video visit. Times are stored in UTC (fixed-width strings so they compare in
 * queries). {@code history} records every state change with its time and actor;
 * {@code attendance} records arrivals, admissions and Jitsi joins/leaves. {@code version}
 * guards every state change (compare-and-set with findOneAndUpdate).
 */
public record Visit(String id, String patientId, List<String> clinicianIds, VisitType type, Instant start,
    int durationMinutes, VisitStatus status, String room, String pairId, Instant waitingSince, long version,
    JsonArray history, JsonArray attendance, Instant createdAt, String createdBy) {

  public Instant end() {
    return start.plus(Duration.ofMinutes(durationMinutes));
  }

  /** Everyone who may join: the patient and the clinicians. */
  public List<String> participants() {
    List<String> all = new ArrayList<>(clinicianIds);
    all.add(0, patientId);
    return all;
  }

  public boolean isParticipant(String userId) {
    return patientId.equals(userId) || clinicianIds.contains(userId);
  }

  JsonObject toDoc() {
    JsonObject d = new JsonObject().put("_id", id).put("patientId", patientId)
        .put("clinicianIds", new JsonArray(clinicianIds)).put("participants", new JsonArray(participants()))
        .put("type", type.wire()).put("start", Times.format(start)).put("end", Times.format(end()))
        .put("durationMinutes", durationMinutes).put("status", status.wire()).put("room", room)
        .put("version", version).put("history", history).put("attendance", attendance)
        .put("createdAt", Times.format(createdAt)).put("createdBy", createdBy);
    if (pairId != null) {
      d.put("pairId", pairId);
    }
    if (waitingSince != null) {
      d.put("waitingSince", Times.format(waitingSince));
    }
    return d;
  }

  static Visit fromDoc(JsonObject d) {
    List<String> clinicians = new ArrayList<>();
    d.getJsonArray("clinicianIds").forEach(o -> clinicians.add((String) o));
    String waiting = d.getString("waitingSince");
    return new Visit(d.getString("_id"), d.getString("patientId"), List.copyOf(clinicians),
        VisitType.fromWire(d.getString("type")), Instant.parse(d.getString("start")), d.getInteger("durationMinutes"),
        VisitStatus.fromWire(d.getString("status")), d.getString("room"), d.getString("pairId"),
        waiting == null ? null : Instant.parse(waiting), d.getLong("version", 0L),
        d.getJsonArray("history", new JsonArray()), d.getJsonArray("attendance", new JsonArray()),
        Instant.parse(d.getString("createdAt")), d.getString("createdBy"));
  }

  /** The API view. The room name is left out: it goes only with a token, inside the join window. */
  public JsonObject toJson() {
    JsonObject o = new JsonObject().put("id", id).put("patientId", patientId).put("clinicianIds", new JsonArray(clinicianIds))
        .put("type", type.wire()).put("start", start.toString()).put("end", end().toString())
        .put("durationMinutes", durationMinutes).put("status", status.wire()).put("history", history.copy())
        .put("attendance", attendance.copy());
    if (pairId != null) {
      o.put("pairId", pairId);
    }
    if (waitingSince != null) {
      o.put("waitingSince", waitingSince.toString());
    }
    return o;
  }

  /** The shape of contract 2 (visits.timeline). */
  JsonObject toTimeline() {
    return new JsonObject().put("visitId", id).put("type", type.wire()).put("start", start.toString())
        .put("durationMinutes", durationMinutes).put("status", status.wire()).put("clinicianIds", new JsonArray(clinicianIds));
  }
}

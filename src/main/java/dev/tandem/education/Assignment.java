package dev.tandem.education;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.LocalDate;

/**
 * A module assigned to a patient. One per patient and module ({@code _id} = patientId:moduleId),
 * so assigning twice is idempotent. The clinician's note is stored only as ciphertext
 * ({@code noteCt}, base64) under the patient's education data key, bound to this record.
 * {@code rev} guards read-modify-write updates: a write succeeds only on the revision it read.
 */
public record Assignment(String patientId, String moduleId, boolean active, String assignedBy, Instant assignedAt,
    LocalDate dueDate, String noteCt, boolean fromSuggestion, Progress progress, long rev) {

  public String id() {
    return id(patientId, moduleId);
  }

  static String id(String patientId, String moduleId) {
    return patientId + ":" + moduleId;
  }

  /** Associated data for the note: the record and the assignment instance, so notes cannot be swapped. */
  String noteAad() {
    return "education.note:" + id() + ":" + dev.tandem.store.Times.format(assignedAt);
  }

  Assignment withProgress(Progress p) {
    return new Assignment(patientId, moduleId, active, assignedBy, assignedAt, dueDate, noteCt, fromSuggestion, p, rev);
  }

  JsonObject toDoc() {
    return new JsonObject().put("_id", id()).put("patientId", patientId).put("moduleId", moduleId)
        .put("status", active ? "active" : "removed").put("assignedBy", assignedBy)
        .put("assignedAt", dev.tandem.store.Times.format(assignedAt)).put("dueDate", dueDate == null ? null : dueDate.toString())
        .put("noteCt", noteCt).put("fromSuggestion", fromSuggestion).put("progress", progress.toDoc()).put("rev", rev);
  }

  static Assignment fromDoc(JsonObject d) {
    String due = d.getString("dueDate");
    return new Assignment(d.getString("patientId"), d.getString("moduleId"), "active".equals(d.getString("status")),
        d.getString("assignedBy"), Instant.parse(d.getString("assignedAt")), due == null ? null : LocalDate.parse(due),
        d.getString("noteCt"), d.getBoolean("fromSuggestion", false), Progress.fromDoc(d.getJsonObject("progress")),
        d.getLong("rev", 0L));
  }
}

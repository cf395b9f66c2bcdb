package dev.tandem.education;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * A module suggested for a patient by a check-in rule, waiting for the care team to confirm
 * (it becomes an assignment) or dismiss it. One per patient and module, so an open suggestion
 * is never repeated; {@code reason} is the rule in words, never the patient's answers.
 */
public record Suggestion(String patientId, String moduleId, Status status, String reason, String instrument,
    Instant createdAt, Instant decidedAt, String decidedBy, long rev) {

  public enum Status {
    OPEN, CONFIRMED, DISMISSED;

    String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  String id() {
    return Assignment.id(patientId, moduleId);
  }

  Suggestion decided(Status s, String by, Instant at) {
    return new Suggestion(patientId, moduleId, s, reason, instrument, createdAt, at, by, rev);
  }

  JsonObject toDoc() {
    return new JsonObject().put("_id", id()).put("patientId", patientId).put("moduleId", moduleId).put("status", status.wire())
        .put("reason", reason).put("instrument", instrument).put("createdAt", dev.tandem.store.Times.format(createdAt))
        .put("decidedAt", decidedAt == null ? null : dev.tandem.store.Times.format(decidedAt)).put("decidedBy", decidedBy)
        .put("rev", rev);
  }

  static Suggestion fromDoc(JsonObject d) {
    String decided = d.getString("decidedAt");
    return new Suggestion(d.getString("patientId"), d.getString("moduleId"),
        Status.valueOf(d.getString("status").toUpperCase(java.util.Locale.ROOT)), d.getString("reason"), d.getString("instrument"),
        Instant.parse(d.getString("createdAt")), decided == null ? null : Instant.parse(decided), d.getString("decidedBy"),
        d.getLong("rev", 0L));
  }
}

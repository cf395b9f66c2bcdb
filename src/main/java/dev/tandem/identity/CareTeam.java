package dev.tandem.identity;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A patient's care team: a prescriber and/or a therapist, optionally a navigator. Stored one
 * document per patient (keyed by patient id) with a {@code members} array that real MongoDB
 * indexes for "which patients is this clinician on".
 */
public record CareTeam(String patientId, String prescriberId, String therapistId, String navigatorId,
    Instant updatedAt) {

  public List<String> members() {
    List<String> m = new ArrayList<>(3);
    for (String id : new String[] {prescriberId, therapistId, navigatorId}) {
      if (id != null && !m.contains(id)) {
        m.add(id);
      }
    }
    return m;
  }

  public boolean includes(String userId) {
    return Objects.equals(prescriberId, userId) || Objects.equals(therapistId, userId)
        || Objects.equals(navigatorId, userId);
  }

  JsonObject toDoc() {
    return new JsonObject().put("_id", patientId).put("prescriberId", prescriberId).put("therapistId", therapistId)
        .put("navigatorId", navigatorId).put("members", new JsonArray(members())).put("updatedAt", updatedAt.toString());
  }

  static CareTeam fromDoc(JsonObject d) {
    return new CareTeam(d.getString("_id"), d.getString("prescriberId"), d.getString("therapistId"),
        d.getString("navigatorId"), Instant.parse(d.getString("updatedAt")));
  }
}

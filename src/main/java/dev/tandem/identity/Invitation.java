package dev.tandem.identity;

import dev.tandem.store.Times;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** A one-time link on which an invited user (patient or staff) sets a password. Stored hashed. */
public record Invitation(String tokenHash, String userId, String createdBy, Instant createdAt, Instant expiresAt,
    Instant usedAt) {

  JsonObject toDoc() {
    JsonObject d = new JsonObject().put("_id", tokenHash).put("userId", userId).put("createdBy", createdBy)
        .put("createdAt", Times.format(createdAt)).put("expiresAt", Times.format(expiresAt));
    if (usedAt != null) {
      d.put("usedAt", Times.format(usedAt));
    }
    return d;
  }

  static Invitation fromDoc(JsonObject d) {
    String used = d.getString("usedAt");
    return new Invitation(d.getString("_id"), d.getString("userId"), d.getString("createdBy"),
        Instant.parse(d.getString("createdAt")), Instant.parse(d.getString("expiresAt")),
        used == null ? null : Instant.parse(used));
  }
}

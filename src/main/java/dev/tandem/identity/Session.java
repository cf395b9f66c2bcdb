package dev.tandem.identity;

import dev.tandem.store.Times;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;

/**
 * A login. Stored under the SHA-256 of its token (the token itself is never stored); {@code id}
 * is a separate public handle used to list and revoke sessions.
 */
public record Session(String tokenHash, String id, String userId, Role role, Instant createdAt, Instant lastSeenAt,
    Instant absoluteExpiresAt, String userAgent, boolean revoked) {

  public Instant idleExpiresAt(Duration idle) {
    Instant idleEnd = lastSeenAt.plus(idle);
    return idleEnd.isBefore(absoluteExpiresAt) ? idleEnd : absoluteExpiresAt;
  }

  public boolean activeAt(Instant now, Duration idle) {
    return !revoked && now.isBefore(idleExpiresAt(idle));
  }

  public JsonObject toJson(Duration idle, String currentId) {
    return new JsonObject().put("id", id).put("createdAt", createdAt.toString()).put("lastSeenAt", lastSeenAt.toString())
        .put("expiresAt", idleExpiresAt(idle).toString()).put("userAgent", userAgent).put("current", id.equals(currentId));
  }

  JsonObject toDoc() {
    return new JsonObject().put("_id", tokenHash).put("sid", id).put("userId", userId).put("role", role.wire())
        .put("createdAt", createdAt.toString()).put("lastSeenAt", lastSeenAt.toString())
        .put("absoluteExpiresAt", Times.format(absoluteExpiresAt)).put("userAgent", userAgent).put("revoked", revoked);
  }

  static Session fromDoc(JsonObject d) {
    return new Session(d.getString("_id"), d.getString("sid"), d.getString("userId"), Role.fromWire(d.getString("role")),
        Instant.parse(d.getString("createdAt")), Instant.parse(d.getString("lastSeenAt")),
        Instant.parse(d.getString("absoluteExpiresAt")), d.getString("userAgent", ""), d.getBoolean("revoked", false));
  }
}

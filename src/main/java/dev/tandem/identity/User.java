package dev.tandem.identity;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Locale;

/** An account. {@code passwordHash} never leaves the identity feature. */
public record User(String id, String email, String name, Role role, Status status, String passwordHash,
    String preferredLanguage, Instant createdAt, Instant passwordChangedAt) {

  public enum Status {
    ACTIVE, INVITED, DISABLED;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public User withPassword(String hash, Instant at) {
    return new User(id, email, name, role, Status.ACTIVE, hash, preferredLanguage, createdAt, at);
  }

  /** The public view: no password hash. */
  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("email", email).put("name", name).put("role", role.wire())
        .put("status", status.wire()).put("preferredLanguage", preferredLanguage).put("createdAt", createdAt.toString());
  }

  public JsonObject toMember() {
    return new JsonObject().put("id", id).put("name", name).put("role", role.wire());
  }

  JsonObject toDoc() {
    JsonObject d = new JsonObject().put("_id", id).put("email", email).put("name", name).put("role", role.wire())
        .put("status", status.wire()).put("preferredLanguage", preferredLanguage)
        .put("createdAt", createdAt.toString());
    if (passwordHash != null) {
      d.put("passwordHash", passwordHash);
    }
    if (passwordChangedAt != null) {
      d.put("passwordChangedAt", passwordChangedAt.toString());
    }
    return d;
  }

  static User fromDoc(JsonObject d) {
    String changed = d.getString("passwordChangedAt");
    return new User(d.getString("_id"), d.getString("email"), d.getString("name"), Role.fromWire(d.getString("role")),
        Status.valueOf(d.getString("status").toUpperCase(Locale.ROOT)), d.getString("passwordHash"),
        d.getString("preferredLanguage", "en"), Instant.parse(d.getString("createdAt")),
        changed == null ? null : Instant.parse(changed));
  }
}

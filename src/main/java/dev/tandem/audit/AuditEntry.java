package dev.tandem.audit;

import dev.tandem.crypto.Tokens;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * A stored audit record: the event, its sequence number and time, and the hash chaining it to
 * the record before: hash = SHA-256(canonical fields + previous hash).
 */
public record AuditEntry(long seq, String at, AuditEvent event, String prev, String hash) {
  public static final String GENESIS = "0".repeat(64);

  static AuditEntry seal(long seq, String at, AuditEvent e, String prev) {
    return new AuditEntry(seq, at, e, prev, computeHash(seq, at, e, prev));
  }

  static String computeHash(long seq, String at, AuditEvent e, String prev) {
    StringBuilder sb = new StringBuilder();
    // Each field is length-prefixed so no two different entries share a canonical form.
    for (String f : new String[] {Long.toString(seq), at, e.type(), e.actorId(), e.actorRole(), e.patientId(),
        e.subjectId(), e.outcome(), e.ip(), canonicalDetail(e.detail()), prev}) {
      String v = f == null ? "\u0000" : f;
      sb.append(v.length()).append(':').append(v).append(';');
    }
    return HexFormat.of().formatHex(Tokens.sha256(sb.toString().getBytes(StandardCharsets.UTF_8)));
  }

  private static String canonicalDetail(Map<String, String> d) {
    StringBuilder sb = new StringBuilder();
    new TreeMap<>(d).forEach((k, v) -> sb.append(k.length()).append(':').append(k).append('=')
        .append(v == null ? "\u0000" : v.length() + ":" + v).append(','));
    return sb.toString();
  }

  String recomputedHash() {
    return computeHash(seq, at, event, prev);
  }

  public JsonObject toJson() {
    return new JsonObject().put("seq", seq).put("at", at).put("type", event.type()).put("actorId", event.actorId())
        .put("actorRole", event.actorRole()).put("patientId", event.patientId()).put("subjectId", event.subjectId())
        .put("outcome", event.outcome()).put("ip", event.ip()).put("detail", event.detailJson()).put("prev", prev)
        .put("hash", hash);
  }

  JsonObject toDoc() {
    JsonObject d = toJson();
    d.remove("seq");
    d.put("_id", seq);
    return d;
  }

  static AuditEntry fromDoc(JsonObject d) {
    Map<String, String> detail = new TreeMap<>();
    JsonObject dj = d.getJsonObject("detail", new JsonObject());
    for (String k : dj.fieldNames()) {
      Object v = dj.getValue(k);
      detail.put(k, v == null ? null : String.valueOf(v));
    }
    AuditEvent e = new AuditEvent(d.getString("type"), d.getString("actorId"), d.getString("actorRole"),
        d.getString("patientId"), d.getString("subjectId"), d.getString("outcome"), d.getString("ip"), detail);
    return new AuditEntry(((Number) d.getValue("_id")).longValue(), d.getString("at"), e, d.getString("prev"),
        d.getString("hash"));
  }
}

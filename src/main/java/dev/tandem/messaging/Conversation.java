package dev.tandem.messaging;

import dev.tandem.crypto.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * A thread about one patient. PATIENT: the patient and their whole care team. TEAM: the care
 * team only (handoffs, case review), never visible to the patient. DIRECT: two clinicians who
 * share the patient. Ids are derived from the patient (and pair), so every node agrees on them.
 */
public record Conversation(String id, Kind kind, String patientId, List<String> clinicians, long lastSeq,
    String lastMessageAt, String awaitingReplySince, String assigneeId, int keyEpoch, String lastAutoReplyAt) {

  public enum Kind {
    PATIENT, TEAM, DIRECT;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public static String patientThreadId(String patientId) {
    return "p-" + patientId;
  }

  public static String teamThreadId(String patientId) {
    return "t-" + patientId;
  }

  public static String directId(String patientId, String a, String b) {
    TreeSet<String> pair = new TreeSet<>(List.of(a, b));
    String h = HexFormat.of().formatHex(Tokens.sha256(String.join("|", pair).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    return "d-" + patientId + "-" + h.substring(0, 16);
  }

  /** Parses the kind and patient from an id; null when the id is not one of ours. */
  static Conversation skeleton(String id) {
    if (id.startsWith("p-") && id.length() > 2) {
      return new Conversation(id, Kind.PATIENT, id.substring(2), List.of(), 0, null, null, null, 0, null);
    }
    if (id.startsWith("t-") && id.length() > 2) {
      return new Conversation(id, Kind.TEAM, id.substring(2), List.of(), 0, null, null, null, 0, null);
    }
    if (id.startsWith("d-") && id.length() > 19) {
      return new Conversation(id, Kind.DIRECT, id.substring(2, id.length() - 17), List.of(), 0, null, null, null, 0, null);
    }
    return null;
  }

  static Conversation fromDoc(JsonObject d) {
    JsonArray c = d.getJsonArray("clinicians", new JsonArray());
    return new Conversation(d.getString("_id"), Kind.valueOf(d.getString("kind").toUpperCase(Locale.ROOT)),
        d.getString("patientId"), c.stream().map(String::valueOf).toList(), d.getLong("lastSeq", 0L),
        d.getString("lastMessageAt"), d.getString("awaitingReplySince"), d.getString("assigneeId"),
        d.getInteger("keyEpoch", 0), d.getString("lastAutoReplyAt"));
  }
}

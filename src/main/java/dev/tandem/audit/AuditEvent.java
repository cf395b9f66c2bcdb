package dev.tandem.audit;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * Something worth an audit record: a security event or a read or change of patient data.
 * {@code detail} holds short, non-clinical facts (a role, a count, a reason code), never
 * message text, answers or secrets.
 */
public record AuditEvent(String type, String actorId, String actorRole, String patientId, String subjectId,
    String outcome, String ip, Map<String, String> detail) {

  public static final String SUCCESS = "success";
  public static final String FAILURE = "failure";
  public static final String DENIED = "denied";

  public AuditEvent {
    detail = detail == null ? Map.of() : new TreeMap<>(detail);
  }

  public static AuditEvent of(String type, String actorId, String actorRole, String outcome) {
    return new AuditEvent(type, actorId, actorRole, null, null, outcome, null, null);
  }

  public AuditEvent patient(String id) {
    return new AuditEvent(type, actorId, actorRole, id, subjectId, outcome, ip, detail);
  }

  public AuditEvent subject(String id) {
    return new AuditEvent(type, actorId, actorRole, patientId, id, outcome, ip, detail);
  }

  public AuditEvent from(String address) {
    return new AuditEvent(type, actorId, actorRole, patientId, subjectId, outcome, address, detail);
  }

  public AuditEvent with(String key, String value) {
    TreeMap<String, String> d = new TreeMap<>(detail);
    d.put(key, value);
    return new AuditEvent(type, actorId, actorRole, patientId, subjectId, outcome, ip, d);
  }

  JsonObject detailJson() {
    JsonObject o = new JsonObject();
    detail.forEach(o::put);
    return o;
  }
}

package dev.tandem.checkins;

import dev.tandem.audit.AuditEvent;
import dev.tandem.audit.AuditLog;
import dev.tandem.checkins.Instrument.Item;
import dev.tandem.checkins.Instrument.Option;
import dev.tandem.identity.CareTeamService;
import dev.tandem.identity.Caller;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

/**
 * A patient's check-ins as a FHIR R4 Bundle (type collection): a QuestionnaireResponse per
 * response, and for LOINC-coded instruments an Observation panel (e.g. PHQ-9 44249-1) whose
 * hasMember points at one Observation per item and one for the total (44261-6). Written as plain
 * JSON (the structure is small and fixed) so the server does not carry HAPI's ~20 MB of model
 * classes; the tests parse the output with HAPI's R4 parser.
 */
public final class FhirExport {
  static final String LOINC = "http://loinc.org";
  private final CheckinStore store;
  private final Instruments instruments;
  private final CareTeamService careTeams;
  private final NoteCipher cipher;
  private final Timeline timeline;
  private final AuditLog audit;
  private final Clock clock;

  FhirExport(CheckinStore store, Instruments instruments, CareTeamService careTeams, NoteCipher cipher, Timeline timeline, AuditLog audit,
      Clock clock) {
    this.store = store;
    this.instruments = instruments;
    this.careTeams = careTeams;
    this.cipher = cipher;
    this.timeline = timeline;
    this.audit = audit;
    this.clock = clock;
  }

  /** Every response of the patient. 404 when the caller may not see the patient. Audited. */
  public Future<JsonObject> export(Caller c, String patientId) {
    Instant now = clock.instant();
    return careTeams.authorize(c, patientId).compose(team -> store.summary(patientId)).compose(summary -> {
      YearMonth last = YearMonth.from(now.atZone(ZoneOffset.UTC));
      YearMonth first = last;
      JsonObject states = summary == null ? new JsonObject() : summary.getJsonObject("instruments", new JsonObject());
      for (String ins : states.fieldNames()) {
        String f = states.getJsonObject(ins).getString("firstAt");
        if (f != null) {
          YearMonth m = YearMonth.from(Instant.parse(f).atZone(ZoneOffset.UTC));
          first = m.isBefore(first) ? m : first;
        }
      }
      first = first.isBefore(last.minusYears(20)) ? last.minusYears(20) : first;
      return store.buckets(patientId, CheckinStore.months(first, last));
    }).compose(buckets -> {
      List<String> rids = new ArrayList<>();
      buckets.forEach(b -> b.getJsonArray("points").forEach(p -> rids.add(((JsonObject) p).getString("id"))));
      return Future.all(store.responses(rids), cipher.existingKey(patientId));
    }).compose(all -> {
      byte[] dk = all.resultAt(1);
      List<JsonObject> docs = new ArrayList<>(all.<List<JsonObject>>resultAt(0));
      docs.sort(Comparator.comparing(d -> d.getString("answeredAt")));
      JsonArray entries = new JsonArray();
      for (JsonObject d : docs) {
        Instrument ins = instruments.get(d.getString("instrument"));
        if (ins != null) {
          add(entries, patientId, ins, timeline.view(d, dk));
        }
      }
      JsonObject bundle = new JsonObject().put("resourceType", "Bundle").put("id", UUID.randomUUID().toString())
          .put("type", "collection").put("timestamp", now.toString()).put("entry", entries);
      return audit.record(AuditEvent.of("checkins.read", c.userId(), c.role().wire(), AuditEvent.SUCCESS).from(c.ip())
          .patient(patientId).with("view", "fhir").with("responses", Integer.toString(docs.size()))).map(v -> bundle);
    });
  }

  private void add(JsonArray entries, String patientId, Instrument ins, JsonObject r) {
    JsonObject subject = new JsonObject().put("reference", "Patient/" + patientId);
    String at = Instant.parse(r.getString("answeredAt")).toString();
    JsonObject answers = r.getJsonObject("answers");
    JsonArray qrItems = new JsonArray();
    List<JsonObject> itemObs = new ArrayList<>();
    for (Item it : ins.items()) {
      Object v = answers.getValue(it.id());
      if (v == null) {
        continue;
      }
      JsonObject qi = new JsonObject().put("linkId", it.id()).put("text", it.text().get("en"));
      if (it.loinc() != null) {
        qi.put("code", new JsonArray().add(coding(it.loinc(), it.text().get("en"))));
      }
      qi.put("answer", answerValues(it, v));
      qrItems.add(qi);
      if (it.loinc() != null && ins.panelLoinc() != null) {
        JsonObject obs = observation(it.loinc(), it.text().get("en"), subject, at);
        Option o = it.option(v);
        if (o != null && o.code() != null) {
          obs.put("valueCodeableConcept", new JsonObject().put("coding", new JsonArray().add(coding(o.code(), o.label().get("en"))))
              .put("text", o.label().get("en")));
        } else {
          obs.put("valueInteger", ((Number) v).intValue());
        }
        itemObs.add(obs);
      }
    }
    JsonObject qr = new JsonObject().put("resourceType", "QuestionnaireResponse").put("id", UUID.randomUUID().toString())
        .put("identifier", new JsonObject().put("system", "urn:tandem:checkin").put("value", r.getString("id")))
        .put("questionnaire", ins.panelLoinc() != null ? "http://loinc.org/q/" + ins.panelLoinc() : "urn:tandem:instrument:" + ins.id())
        .put("status", "completed").put("subject", subject).put("authored", at).put("item", qrItems);
    entries.add(entry(qr));
    if (ins.panelLoinc() == null || r.getValue("total") == null) {
      return;
    }
    JsonObject total = observation(ins.totalLoinc(), ins.title().get("en") + " total score", subject, at)
        .put("valueInteger", r.getInteger("total"));
    if (r.getString("band") != null) {
      Instrument.Band b = ins.band(r.getInteger("total"));
      total.put("interpretation", new JsonArray().add(new JsonObject().put("text", b == null ? r.getString("band") : b.label().get("en"))));
    }
    JsonArray members = new JsonArray();
    for (JsonObject o : itemObs) {
      members.add(new JsonObject().put("reference", "urn:uuid:" + o.getString("id")));
      entries.add(entry(o));
    }
    members.add(new JsonObject().put("reference", "urn:uuid:" + total.getString("id")));
    entries.add(entry(total));
    JsonObject panel = observation(ins.panelLoinc(), ins.title().get("en"), subject, at).put("hasMember", members)
        .put("derivedFrom", new JsonArray().add(new JsonObject().put("reference", "urn:uuid:" + qr.getString("id"))));
    entries.add(entry(panel));
  }

  private static JsonArray answerValues(Item it, Object v) {
    JsonArray a = new JsonArray();
    switch (it.kind()) {
      case CHOICE, SELECT -> {
        Option o = it.option(v);
        JsonObject coding = o.code() != null ? coding(o.code(), o.label().get("en"))
            : new JsonObject().put("system", "urn:tandem:answer").put("code", String.valueOf(v)).put("display", o.label().get("en"));
        a.add(new JsonObject().put("valueCoding", coding));
      }
      case SCALE -> a.add(new JsonObject().put("valueInteger", ((Number) v).intValue()));
      case NUMBER -> a.add(new JsonObject().put("valueDecimal", ((Number) v).doubleValue()));
      case TEXT -> a.add(new JsonObject().put("valueString", String.valueOf(v)));
      case SIDE_EFFECTS -> ((JsonArray) v).forEach(e -> {
        JsonObject x = (JsonObject) e;
        a.add(new JsonObject().put("valueString", x.getString("effect") + " (" + x.getString("severity") + ")"));
      });
    }
    return a;
  }

  private static JsonObject observation(String code, String text, JsonObject subject, String at) {
    return new JsonObject().put("resourceType", "Observation").put("id", UUID.randomUUID().toString()).put("status", "final")
        .put("category", new JsonArray().add(new JsonObject().put("coding", new JsonArray().add(new JsonObject()
            .put("system", "http://terminology.hl7.org/CodeSystem/observation-category").put("code", "survey").put("display", "Survey")))))
        .put("code", new JsonObject().put("coding", new JsonArray().add(coding(code, text))).put("text", text))
        .put("subject", subject).put("effectiveDateTime", at);
  }

  private static JsonObject coding(String code, String display) {
    return new JsonObject().put("system", LOINC).put("code", code).put("display", display);
  }

  private static JsonObject entry(JsonObject resource) {
    return new JsonObject().put("fullUrl", "urn:uuid:" + resource.getString("id")).put("resource", resource);
  }
}

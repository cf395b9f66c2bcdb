package dev.tandem.checkins;

import dev.tandem.audit.AuditEvent;
import dev.tandem.audit.AuditLog;
import dev.tandem.http.ApiException;
import dev.tandem.http.Ids;
import dev.tandem.identity.CareTeamService;
import dev.tandem.identity.Caller;
import dev.tandem.identity.Role;
import dev.tandem.store.Times;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One patient's course over time: scores and daily values from the month buckets, medication
 * events (recorded by prescribers) and visits (asked of the visits feature over the local event
 * bus, contract "visits.timeline"), in one response, so a clinician can see whether a dose change
 * or a course of therapy was followed by improvement. Every read is audited.
 */
public final class Timeline {
  /** Contract 2: the visits feature answers {patientId, from, to} with a JSON array of visits. */
  public static final String VISITS_ADDRESS = "visits.timeline";
  public static final List<String> MEDICATION_KINDS = List.of("start", "dose-change", "stop");

  private final Vertx vertx;
  private final CheckinStore store;
  private final Instruments instruments;
  private final CareTeamService careTeams;
  private final NoteCipher cipher;
  private final AuditLog audit;
  private final Clock clock;

  Timeline(Vertx vertx, CheckinStore store, Instruments instruments, CareTeamService careTeams, NoteCipher cipher, AuditLog audit,
      Clock clock) {
    this.vertx = vertx;
    this.store = store;
    this.instruments = instruments;
    this.careTeams = careTeams;
    this.cipher = cipher;
    this.audit = audit;
    this.clock = clock;
  }

  /** A medication event as entered by a prescriber. */
  public record MedicationEvent(String kind, String drug, String dose, String reason, Instant at) {
    // at: null means now (by the server's clock).
  }

  /** The last {@code months} months of scores, medication events and visits. 404 when the caller may not see the patient. */
  public Future<JsonObject> trend(Caller c, String patientId, int months) {
    Instant now = clock.instant();
    YearMonth last = YearMonth.from(now.atZone(ZoneOffset.UTC));
    YearMonth first = last.minusMonths(months - 1L);
    Instant from = first.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    return careTeams.authorize(c, patientId).compose(team -> {
      return Future.all(store.buckets(patientId, CheckinStore.months(first, last)), store.medications(patientId), cipher.existingKey(patientId),
          visits(patientId, from, now));
    }).compose(all -> {
      JsonObject series = new JsonObject();
      instruments.all().forEach(ins -> series.put(ins.id(), new JsonArray()));
      // A month may span several bucket documents: points are ordered per instrument as a whole.
      Map<String, List<JsonObject>> points = new HashMap<>();
      for (JsonObject b : all.<List<JsonObject>>resultAt(0)) {
        if (series.containsKey(b.getString("instrument"))) {
          List<JsonObject> pts = points.computeIfAbsent(b.getString("instrument"), k -> new ArrayList<>());
          b.getJsonArray("points").forEach(p -> pts.add((JsonObject) p));
        }
      }
      points.forEach((ins, pts) -> {
        pts.sort(Comparator.comparing(p -> p.getString("at")));
        pts.forEach(series.getJsonArray(ins)::add);
      });
      JsonArray meds = medications(all.resultAt(1), all.resultAt(2), Times.format(from));
      return audit.record(AuditEvent.of("checkins.read", c.userId(), c.role().wire(), AuditEvent.SUCCESS).from(c.ip())
          .patient(patientId).with("view", "trend")).map(v -> new JsonObject().put("patientId", patientId)
              .put("from", Times.format(from)).put("to", Times.format(now)).put("series", series).put("medications", meds)
              .put("visits", all.<JsonArray>resultAt(3)));
    });
  }

  private JsonArray medications(JsonObject doc, byte[] dk, String from) {
    JsonArray out = new JsonArray();
    if (doc == null) {
      return out;
    }
    List<JsonObject> events = new ArrayList<>();
    doc.getJsonArray("events", new JsonArray()).forEach(e -> events.add((JsonObject) e));
    events.sort(Comparator.comparing(e -> e.getString("at")));
    for (JsonObject e : events) {
      // Earlier events still matter (the dose in effect), so all are returned; "from" is for the chart.
      JsonObject v = e.copy();
      v.remove("reasonCt");
      v.put("reason", cipher.open(dk, e.getString("reasonCt"), "med:" + e.getString("id")));
      out.add(v);
    }
    return out;
  }

  /** Visits in the window, or an empty list when the visits feature does not answer. */
  private Future<JsonArray> visits(String patientId, Instant from, Instant to) {
    JsonObject req = new JsonObject().put("patientId", patientId).put("from", Times.format(from)).put("to", Times.format(to));
    return vertx.eventBus().<Object>request(VISITS_ADDRESS, req, new DeliveryOptions().setLocalOnly(true).setSendTimeout(2000))
        .map(m -> m.body() instanceof JsonArray a ? a : new JsonArray()).recover(t -> Future.succeededFuture(new JsonArray()));
  }

  /** Every response of one month (notes decrypted), newest first. Audited. */
  public Future<JsonObject> month(Caller c, String patientId, YearMonth month) {
    return careTeams.authorize(c, patientId).compose(team -> {
      return store.buckets(patientId, List.of(month.toString()));
    }).compose(buckets -> {
      List<String> rids = new ArrayList<>();
      buckets.forEach(b -> b.getJsonArray("points").forEach(p -> rids.add(((JsonObject) p).getString("id"))));
      return Future.all(store.responses(rids), cipher.existingKey(patientId));
    }).compose(all -> {
      byte[] dk = all.resultAt(1);
      List<JsonObject> docs = new ArrayList<>(all.<List<JsonObject>>resultAt(0));
      docs.sort(Comparator.comparing((JsonObject d) -> d.getString("answeredAt")).reversed());
      JsonArray out = new JsonArray();
      for (JsonObject d : docs) {
        out.add(view(d, dk));
      }
      return audit.record(AuditEvent.of("checkins.read", c.userId(), c.role().wire(), AuditEvent.SUCCESS).from(c.ip())
          .patient(patientId).with("view", "month").with("month", month.toString()))
          .map(v -> new JsonObject().put("patientId", patientId).put("month", month.toString()).put("responses", out));
    });
  }

  /** A stored response for the wire: free text decrypted into the answers, no ciphertext. */
  JsonObject view(JsonObject d, byte[] dk) {
    JsonObject answers = d.getJsonObject("answers").copy();
    JsonObject ct = d.getJsonObject("textCt");
    if (ct != null) {
      for (String item : ct.fieldNames()) {
        answers.put(item, cipher.open(dk, ct.getString(item), d.getString("_id") + "/" + item));
      }
    }
    return new JsonObject().put("id", d.getString("_id")).put("clientId", d.getString("clientId"))
        .put("instrument", d.getString("instrument")).put("answeredAt", d.getString("answeredAt"))
        .put("receivedAt", d.getString("receivedAt")).put("enteredBy", d.getString("enteredBy")).put("answers", answers)
        .put("total", d.getValue("total")).put("band", d.getString("band")).put("change", d.getJsonObject("change"))
        .put("alertRules", d.getJsonArray("alertRules"));
  }

  /** Records a medication event; prescribers on the patient's team only (403 for other roles). The reason is encrypted. */
  public Future<JsonObject> addMedication(Caller c, String patientId, MedicationEvent e) {
    if (c.role() != Role.PRESCRIBER) {
      return Future.failedFuture(ApiException.forbidden("Only prescribers record medication events."));
    }
    Instant at = e.at() == null ? clock.instant() : e.at();
    if (at.isAfter(clock.instant().plusSeconds(300))) {
      return Future.failedFuture(ApiException.invalid("at", "must not be in the future"));
    }
    return careTeams.authorize(c, patientId).compose(team -> cipher.key(patientId)).compose(dk -> {
      String id = Ids.newId();
      JsonObject doc = new JsonObject().put("id", id).put("kind", e.kind()).put("drug", e.drug()).put("dose", e.dose())
          .put("at", Times.format(at)).put("recordedBy", c.userId()).put("recordedByName", c.name())
          .put("recordedAt", Times.format(clock.instant()));
      if (e.reason() != null) {
        doc.put("reasonCt", cipher.seal(dk, e.reason(), "med:" + id));
      }
      return store.addMedication(patientId, doc)
          .compose(v -> audit.record(AuditEvent.of("medication.record", c.userId(), c.role().wire(), AuditEvent.SUCCESS)
              .from(c.ip()).patient(patientId).subject(id).with("kind", e.kind())))
          .map(v -> {
            JsonObject out = doc.copy();
            out.remove("reasonCt");
            return new JsonObject().put("event", out.put("reason", e.reason()));
          });
    });
  }
}

package dev.tandem.checkins;

import dev.tandem.audit.AuditEvent;
import dev.tandem.audit.AuditLog;
import dev.tandem.checkins.Instrument.AlertRule;
import dev.tandem.config.CheckinsConfig;
import dev.tandem.crypto.Tokens;
import dev.tandem.http.ApiException;
import dev.tandem.http.Ids;
import dev.tandem.identity.CareTeam;
import dev.tandem.identity.CareTeamService;
import dev.tandem.identity.Caller;
import dev.tandem.identity.IdentityService;
import dev.tandem.store.JsonCopies;
import dev.tandem.store.Times;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Uploads of instrument responses: validated item by item, scored on arrival against the
 * patient's baseline and previous score, stored complete in one unordered insert (idempotent by
 * the client's id), then folded into the per-patient summary and month buckets. An answer that
 * meets an alert rule raises a safety alert and brings the patient crisis resources at once.
 */
public final class CheckinService {
  /** Contract 1: published locally after every newly accepted response (never the free text). */
  public static final String SCORED_ADDRESS = "checkins.scored";
  private static final Set<String> ITEM_FIELDS = Set.of("clientId", "instrument", "answeredAt", "answers");

  private final Vertx vertx;
  private final CheckinStore store;
  private final Instruments instruments;
  private final CareTeamService careTeams;
  private final IdentityService identity;
  private final NoteCipher cipher;
  private final SafetyAlerts alerts;
  private final AuditLog audit;
  private final CheckinsConfig cfg;
  private final String crisisResources;
  private final Clock clock;
  /** Enrolment times (account creation) by patient; they never change. */
  private final Map<String, Instant> enrolled = new HashMap<>();
  /** Patient names for alerts (as of enrolment look-up; alerts are read by the care team). */
  private final Map<String, String> names = new HashMap<>();
  private final CheckinWriter writer;
  final SummaryCache cache;
  /**
   * The last upload of each patient still being processed: uploads of one patient run one after
   * another so each is scored against the one before (this node; see README for clusters).
   */
  private final Map<String, Future<?>> lanes = new HashMap<>();

  CheckinService(Vertx vertx, CheckinStore store, Instruments instruments, CareTeamService careTeams, IdentityService identity,
      NoteCipher cipher, SafetyAlerts alerts, AuditLog audit, CheckinsConfig cfg, String crisisResources, Clock clock) {
    this.vertx = vertx;
    this.store = store;
    this.instruments = instruments;
    this.careTeams = careTeams;
    this.identity = identity;
    this.cipher = cipher;
    this.alerts = alerts;
    this.audit = audit;
    this.cfg = cfg;
    this.crisisResources = crisisResources;
    this.clock = clock;
    // Two groups in flight: uploads for other patients go out while one group is in the store (one
    // patient's uploads are already serialized by its lane, so two groups never touch the same
    // documents). Measured in same-window pairs: +15% single uploads/s (3,018 and 3,346 against 2,601
    // and 2,833), the store's worker no longer waiting on the event loop between groups.
    this.writer = new CheckinWriter(store, 1000, 2);
    this.cache = new SummaryCache(vertx, store);
  }

  /** A validated item of an upload. */
  private record Parsed(int index, String clientId, Instrument instrument, Instant answeredAt, Answers.Valid answers, String docId) {
  }

  /** What happened to one item of an upload. */
  public record ItemResult(int index, String clientId, String status, String reason, JsonObject response) {
    JsonObject toJson() {
      JsonObject o = new JsonObject().put("index", index).put("clientId", clientId).put("status", status);
      if (reason != null) {
        o.put("reason", reason);
      }
      if (response != null) {
        o.put("response", response);
      }
      return o;
    }
  }

  /** The outcome of an upload: per item, and crisis resources when any answer raised an alert. */
  public record Upload(List<ItemResult> items, JsonObject crisis) {
    public JsonObject toJson() {
      JsonArray a = new JsonArray();
      int accepted = 0;
      int dup = 0;
      int rejected = 0;
      for (ItemResult r : items) {
        a.add(r.toJson());
        switch (r.status()) {
          case "accepted" -> accepted++;
          case "duplicate" -> dup++;
          default -> rejected++;
        }
      }
      JsonObject o = new JsonObject().put("results", a).put("accepted", accepted).put("duplicates", dup).put("rejected", rejected);
      if (crisis != null) {
        o.put("crisis", crisis);
      }
      return o;
    }
  }

  public Instruments instruments() {
    return instruments;
  }

  /**
   * Uploads responses for a patient (the patient themselves, or a clinician on the team entering
   * answers given in a visit). Each item is validated fully first; rejected items are reported
   * with the reason and the rest are stored. Fails with 404 when the caller may not see the
   * patient, 400 when the batch is larger than allowed.
   */
  public Future<Upload> upload(Caller c, String patientId, JsonArray items) {
    return upload(c, patientId, items, false);
  }

  /** {@code importing}: demo history, which predates the account; skips the enrolment check. */
  Future<Upload> upload(Caller c, String patientId, JsonArray items, boolean importing) {
    if (items.size() > cfg.maxBatch()) {
      return Future.failedFuture(ApiException.badRequest("batch_too_large", "Upload at most " + cfg.maxBatch() + " responses at once."));
    }
    if (items.isEmpty()) {
      return Future.failedFuture(ApiException.invalid("responses", "must not be empty"));
    }
    return careTeams.authorize(c, patientId).compose(team -> enrolment(patientId).compose(enrol -> {
      Instant now = clock.instant();
      List<ItemResult> results = new ArrayList<>();
      List<Parsed> parsed = new ArrayList<>();
      Map<String, Integer> firstById = new HashMap<>();
      for (int i = 0; i < items.size(); i++) {
        Object raw = items.getValue(i);
        String clientId = raw instanceof JsonObject o && o.getValue("clientId") instanceof String s && Ids.valid(s) ? s : null;
        try {
          Parsed p = parse(i, raw, patientId, importing ? Instant.EPOCH : enrol, now);
          if (firstById.containsKey(p.docId())) {
            results.add(new ItemResult(i, clientId, "duplicate", "same clientId as item " + firstById.get(p.docId()) + " of this batch", null));
            continue;
          }
          firstById.put(p.docId(), i);
          parsed.add(p);
        } catch (Answers.Rejected r) {
          results.add(new ItemResult(i, clientId, "rejected", r.getMessage(), null));
        }
      }
      return serially(patientId, () -> store(c, team, patientId, parsed)).map(stored -> {
        results.addAll(stored.items());
        results.sort(Comparator.comparingInt(ItemResult::index));
        return new Upload(results, stored.crisis());
      });
    }));
  }

  private <T> Future<T> serially(String patientId, java.util.function.Supplier<Future<T>> work) {
    Future<?> before = lanes.get(patientId);
    Promise<T> p = Promise.promise();
    Future<T> mine = p.future();
    lanes.put(patientId, mine);
    Runnable run = () -> {
      try {
        work.get().onComplete(p);
      } catch (RuntimeException e) {
        p.fail(e); // never leave the patient's lane blocked
      }
    };
    if (before == null) {
      run.run();
    } else {
      before.onComplete(x -> run.run());
    }
    return mine.onComplete(x -> lanes.remove(patientId, mine));
  }

  private Future<Instant> enrolment(String patientId) {
    Instant cached = enrolled.get(patientId);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    return identity.user(patientId).map(u -> {
      Instant at = u == null ? Instant.EPOCH : u.createdAt();
      if (enrolled.size() > 100_000) {
        enrolled.clear();
        names.clear();
      }
      enrolled.put(patientId, at);
      if (u != null) {
        names.put(patientId, u.name());
      }
      return at;
    });
  }

  private Parsed parse(int index, Object raw, String patientId, Instant enrol, Instant now) {
    if (!(raw instanceof JsonObject o)) {
      throw new Answers.Rejected("each response must be a JSON object");
    }
    for (String f : o.fieldNames()) {
      if (!ITEM_FIELDS.contains(f)) {
        throw new Answers.Rejected((f.length() > 40 ? f.substring(0, 40) : f) + ": unknown field");
      }
    }
    if (!(o.getValue("clientId") instanceof String clientId) || !Ids.valid(clientId)) {
      throw new Answers.Rejected("clientId: must be 1-64 letters, digits, '-' or '_'");
    }
    Instrument ins = o.getValue("instrument") instanceof String s ? instruments.get(s) : null;
    if (ins == null) {
      throw new Answers.Rejected("instrument: unknown; use one of " + instruments.all().stream().map(Instrument::id).toList());
    }
    if (!(o.getValue("answeredAt") instanceof String at) || at.length() > 40) {
      throw new Answers.Rejected("answeredAt: must be an ISO-8601 time with a zone, e.g. 2026-11-27T09:30:00Z");
    }
    Instant answeredAt;
    try {
      answeredAt = Times.parseOffsetDateTime(at);
    } catch (DateTimeParseException e) {
      throw new Answers.Rejected("answeredAt: must be an ISO-8601 time with a zone, e.g. 2026-11-27T09:30:00Z");
    }
    if (answeredAt.isAfter(now.plus(cfg.clockSkew()))) {
      throw new Answers.Rejected("answeredAt: is in the future");
    }
    if (answeredAt.isBefore(enrol)) {
      throw new Answers.Rejected("answeredAt: is before the patient enrolled");
    }
    Answers.Valid valid = Answers.validate(ins, o.getValue("answers"));
    return new Parsed(index, clientId, ins, answeredAt, valid, patientId + ":" + clientId);
  }

  private record Stored(List<ItemResult> items, JsonObject crisis) {
  }

  private Future<Stored> store(Caller c, CareTeam team, String patientId, List<Parsed> parsed) {
    if (parsed.isEmpty()) {
      return Future.succeededFuture(new Stored(List.of(), null));
    }
    List<String> ids = parsed.stream().map(Parsed::docId).toList();
    boolean anyText = parsed.stream().anyMatch(p -> !p.answers().texts().isEmpty());
    Future<byte[]> key = anyText ? cipher.key(patientId) : Future.succeededFuture(null);
    // A single response skips the look-up: a retry is caught by the primary key on insert. A
    // batch looks first, so that a retried item is never scored as the "previous" of the next.
    Future<List<JsonObject>> known = parsed.size() > 1 ? store.existing(ids) : Future.succeededFuture(List.of());
    return Future.all(known, cache.summary(patientId), key).compose(all -> {
      Map<String, JsonObject> existing = new HashMap<>();
      all.<List<JsonObject>>resultAt(0).forEach(d -> existing.put(d.getString("_id"), d));
      JsonObject summary = all.resultAt(1) == null ? new JsonObject() : all.<JsonObject>resultAt(1);
      // The cached summary is read-only: a shallow copy here, each instrument's state copied when scored.
      JsonObject instrumentStates = summary.getJsonObject("instruments");
      JsonObject states = instrumentStates == null ? new JsonObject() : JsonCopies.shallow(instrumentStates);
      byte[] dk = all.resultAt(2);
      List<ItemResult> results = new ArrayList<>();
      List<Parsed> fresh = new ArrayList<>();
      List<Future<?>> reraise = new ArrayList<>();
      for (Parsed p : parsed) {
        JsonObject old = existing.get(p.docId());
        if (old != null) {
          results.add(new ItemResult(p.index(), p.clientId(), "duplicate", null, brief(old)));
          // A retry after a failure between storing and alerting must still alert (idempotent by id).
          if (!old.getJsonArray("alertRules", new JsonArray()).isEmpty()) {
            reraise.add(alerts.raise(alertFor(patientId, old)));
          }
        } else {
          fresh.add(p);
        }
      }
      fresh.sort(Comparator.comparing(Parsed::answeredAt));
      String received = Times.format(clock.instant());
      List<JsonObject> docs = new ArrayList<>();
      Set<String> touched = new HashSet<>();
      Map<String, String> bucketOf = new HashMap<>();
      for (Parsed p : fresh) {
        docs.add(scoreInto(p, patientId, states, c, received, dk, bucketOf));
        touched.add(p.instrument().id());
      }
      return Future.all(reraise).compose(x -> writer.insert(docs)).compose(dups -> {
        List<JsonObject> inserted = new ArrayList<>();
        List<String> dupIds = new ArrayList<>();
        for (int i = 0; i < docs.size(); i++) {
          if (dups.contains(i)) {
            dupIds.add(docs.get(i).getString("_id"));
          } else {
            inserted.add(docs.get(i));
            results.add(new ItemResult(fresh.get(i).index(), fresh.get(i).clientId(), "accepted", null, brief(docs.get(i))));
          }
        }
        // Duplicates found by the insert are answered (and their alerts re-raised) from what is stored.
        Future<Void> dupAnswers = dupIds.isEmpty() ? Future.succeededFuture() : store.existing(dupIds).compose(stored -> {
          Map<String, JsonObject> byId = new HashMap<>();
          stored.forEach(d -> byId.put(d.getString("_id"), d));
          List<Future<?>> again = new ArrayList<>();
          for (int i = 0; i < docs.size(); i++) {
            if (dups.contains(i)) {
              JsonObject old = byId.getOrDefault(docs.get(i).getString("_id"), docs.get(i));
              results.add(new ItemResult(fresh.get(i).index(), fresh.get(i).clientId(), "duplicate", null, brief(old)));
              if (!old.getJsonArray("alertRules", new JsonArray()).isEmpty()) {
                again.add(alerts.raise(alertFor(patientId, old)));
              }
            }
          }
          return Future.all(again).mapEmpty();
        });
        return dupAnswers.compose(v -> after(c, team, patientId, inserted, states, touched, bucketOf)).map(crisis -> new Stored(results, crisis));
      });
    });
  }

  /** Scores one response against the running state, advances the state, and builds its complete document. */
  private JsonObject scoreInto(Parsed p, String patientId, JsonObject states, Caller c, String received, byte[] dk,
      Map<String, String> bucketOf) {
    Instrument ins = p.instrument();
    JsonObject held = states.getJsonObject(ins.id());
    JsonObject state = held == null ? new JsonObject() : held.copy();
    String at = Times.format(p.answeredAt());
    Scoring.Score score = Scoring.score(ins, p.answers().answers());
    JsonObject latest = state.getJsonObject("latest");
    boolean newest = latest == null || at.compareTo(latest.getString("at")) >= 0;
    JsonObject doc = new JsonObject().put("_id", p.docId()).put("patientId", patientId).put("clientId", p.clientId())
        .put("instrument", ins.id()).put("instrumentVersion", ins.version()).put("answeredAt", at).put("receivedAt", received)
        .put("enteredBy", c.userId()).put("enteredByRole", c.role().wire()).put("answers", p.answers().answers())
        .put("total", score.total()).put("band", score.band());
    List<AlertRule> rules = List.of();
    JsonObject change = null;
    if (ins.scored()) {
      JsonObject base = state.getJsonObject("baseline");
      Integer baseline = base == null ? null : base.getInteger("total");
      // An offline response older than the latest is compared with the baseline only.
      Integer previous = newest && latest != null ? latest.getInteger("total") : null;
      Scoring.Change ch = Scoring.change(ins, score.total(), baseline, previous);
      change = ch.toJson();
      doc.put("change", change);
      rules = Scoring.triggered(ins, p.answers().answers(), score.total(), previous);
      if (base == null) {
        state.put("baseline", new JsonObject().put("total", score.total()).put("at", at).put("responseId", p.docId()));
      }
    } else {
      rules = Scoring.triggered(ins, p.answers().answers(), null, null);
    }
    JsonArray ruleJson = new JsonArray();
    rules.forEach(r -> ruleJson.add(new JsonObject().put("rule", r.describe()).put("severity", r.severity())));
    doc.put("alertRules", ruleJson);
    if (!p.answers().texts().isEmpty()) {
      JsonObject sealed = new JsonObject();
      p.answers().texts().forEach((item, text) -> sealed.put(item, cipher.seal(dk, text, p.docId() + "/" + item)));
      doc.put("textCt", sealed);
    }
    if (newest) {
      if (latest != null) {
        state.put("previous", latest.copy());
      }
      JsonObject l = new JsonObject().put("total", score.total()).put("band", score.band()).put("at", at).put("responseId", p.docId());
      if (change != null) {
        l.put("change", change);
      }
      if (!ins.scored()) {
        l.put("answers", p.answers().answers());
      }
      state.put("latest", l);
    }
    int ordinal = state.getInteger("count", 0);
    bucketOf.put(p.docId(), bucketId(patientId, ins.id(), at.substring(0, 7), ordinal / BUCKET_POINTS));
    state.put("count", ordinal + 1);
    String first = state.getString("firstAt");
    state.put("firstAt", first == null || at.compareTo(first) < 0 ? at : first);
    states.put(ins.id(), state);
    return doc;
  }

  /** After the insert: summary, month buckets, alerts, the scored event, the audit record. */
  private Future<JsonObject> after(Caller c, CareTeam team, String patientId, List<JsonObject> inserted, JsonObject states,
      Set<String> touched, Map<String, String> bucketOf) {
    if (inserted.isEmpty()) {
      return Future.succeededFuture(null);
    }
    JsonObject set = new JsonObject();
    touched.forEach(id -> set.put("instruments." + id, states.getJsonObject(id)));
    String last = inserted.stream().map(d -> d.getString("answeredAt")).max(String::compareTo).orElse(null);
    Map<String, JsonObject> buckets = new LinkedHashMap<>();
    boolean alerted = false;
    List<Future<?>> work = new ArrayList<>();
    for (JsonObject d : inserted) {
      String month = d.getString("answeredAt").substring(0, 7);
      String bid = bucketOf.get(d.getString("_id"));
      buckets.computeIfAbsent(bid, k -> new JsonObject().put("_id", k).put("patientId", patientId)
          .put("instrument", d.getString("instrument")).put("month", month).put("points", new JsonArray()))
          .getJsonArray("points").add(point(d));
      if (!d.getJsonArray("alertRules").isEmpty()) {
        alerted = true;
        work.add(alerts.raise(alertFor(patientId, d)));
      }
    }
    List<io.vertx.ext.mongo.BulkOperation> bucketOps = new ArrayList<>();
    buckets.values().forEach(b -> bucketOps.add(CheckinStore.bucketUpdate(b)));
    work.add(writer.update(List.of(CheckinStore.summaryUpdate(patientId, set, last)), bucketOps)
        .onSuccess(v -> cache.wroteSummary(patientId, set, last)).onFailure(t -> cache.forget(patientId)));
    // The audit append does not depend on the summary update: both go out together (one shared
    // commit wait instead of two in a row).
    work.add(audit.record(AuditEvent.of("checkins.upload", c.userId(), c.role().wire(), AuditEvent.SUCCESS).from(c.ip())
        .patient(patientId).with("accepted", Integer.toString(inserted.size()))));
    boolean crisis = alerted;
    return Future.all(work).map(x -> {
      DeliveryOptions local = new DeliveryOptions().setLocalOnly(true);
      for (JsonObject d : inserted) {
        vertx.eventBus().publish(SCORED_ADDRESS, new JsonObject().put("patientId", patientId).put("instrument", d.getString("instrument"))
            .put("responseId", d.getString("_id")).put("total", d.getInteger("total")).put("band", d.getString("band"))
            .put("answers", d.getJsonObject("answers").copy()).put("answeredAt", d.getString("answeredAt")), local);
      }
      return crisis ? crisisNotice() : null;
    });
  }

  /**
   * Points per trend bucket document at most. A bucket is one month of one instrument, split
   * every 16 responses of that instrument (by the patient's running count), so a $push never
   * rewrites a large document: the embedded store copies and journals the whole document on
   * every update, and a month that received hundreds of uploads made each upload cost in
   * proportion (measured: half of the store's CPU under single uploads). At 64 points the bucket
   * updates still took 3.1 ms of store time per group commit, at 16 0.9 ms (single uploads 676 ->
   * 1,024/s in the same instrumented run). Readers find a month's buckets by {@code patientId}
   * and {@code month}, never by computing ids: a year of daily check-ins is ~24 small documents.
   */
  static final int BUCKET_POINTS = 16;

  static String bucketId(String patientId, String instrument, String month, int chunk) {
    return patientId + "|" + instrument + "|" + month + "|" + chunk;
  }

  private static JsonObject point(JsonObject d) {
    JsonObject p = new JsonObject().put("id", d.getString("_id")).put("at", d.getString("answeredAt"));
    if (d.getValue("total") != null) {
      p.put("total", d.getInteger("total")).put("band", d.getString("band"));
    } else {
      p.put("values", d.getJsonObject("answers"));
    }
    if (d.getJsonObject("textCt") != null) {
      p.put("hasNote", true);
    }
    return p;
  }

  /** A safety alert's document for a response; its id derives from the response, so raising it twice is harmless. */
  private JsonObject alertFor(String patientId, JsonObject response) {
    JsonArray rules = response.getJsonArray("alertRules");
    boolean urgent = rules.stream().anyMatch(r -> "urgent".equals(((JsonObject) r).getString("severity")));
    return new JsonObject().put("id", alertId(response.getString("_id"))).put("patientId", patientId)
        .put("patientName", names.get(patientId)).put("source", "checkin")
        .put("instrument", response.getString("instrument")).put("responseId", response.getString("_id"))
        .put("total", response.getValue("total")).put("rules", rules.copy()).put("answeredAt", response.getString("answeredAt"))
        .put("createdAt", Times.format(clock.instant())).put("severity", urgent ? "urgent" : "high");
  }

  static String alertId(String responseId) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(("alert:" + responseId).getBytes(StandardCharsets.UTF_8));
      return "ci-" + Base64.getUrlEncoder().withoutPadding().encodeToString(h).substring(0, 22);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  JsonObject crisisNotice() {
    return new JsonObject().put("resources", crisisResources)
        .put("message", "Your care team has been alerted. If you are in danger, use the crisis line now.");
  }

  private static JsonObject brief(JsonObject d) {
    return new JsonObject().put("id", d.getString("_id")).put("instrument", d.getString("instrument"))
        .put("answeredAt", d.getString("answeredAt")).put("total", d.getValue("total")).put("band", d.getString("band"))
        .put("change", d.getJsonObject("change")).put("alerted", !d.getJsonArray("alertRules", new JsonArray()).isEmpty());
  }

  // ---- schedules and what is due ----------------------------------------------------------

  /** Assigns (or re-times) an instrument; clinicians on the team only. */
  public Future<JsonObject> assign(Caller c, String patientId, String instrumentId, Integer cadenceDays) {
    Instrument ins = instruments.get(instrumentId);
    if (!c.role().isClinician()) {
      return Future.failedFuture(ApiException.forbidden("Clinicians assign check-ins."));
    }
    return careTeams.authorize(c, patientId).compose(team -> {
      if (ins == null) {
        return Future.failedFuture(ApiException.notFound("instrument"));
      }
      int days = cadenceDays == null ? ins.defaultCadenceDays() : cadenceDays;
      JsonObject sched = new JsonObject().put("cadenceDays", days).put("assignedBy", c.userId())
          .put("assignedAt", Times.format(clock.instant()));
      return store.setSchedule(patientId, ins.id(), sched).onComplete(x -> cache.forget(patientId))
          .compose(v -> audit.record(AuditEvent.of("checkins.assign", c.userId(), c.role().wire(), AuditEvent.SUCCESS).from(c.ip())
              .patient(patientId).subject(ins.id()).with("cadenceDays", Integer.toString(days))))
          .map(v -> new JsonObject().put("instrument", ins.id()).put("cadenceDays", days));
    });
  }

  public Future<Void> unassign(Caller c, String patientId, String instrumentId) {
    if (!c.role().isClinician()) {
      return Future.failedFuture(ApiException.forbidden("Clinicians assign check-ins."));
    }
    return careTeams.authorize(c, patientId).compose(team -> instruments.get(instrumentId) == null
        ? Future.failedFuture(ApiException.notFound("instrument"))
        : store.setSchedule(patientId, instrumentId, null).onComplete(x -> cache.forget(patientId))
            .compose(v -> audit.record(AuditEvent.of("checkins.unassign", c.userId(), c.role().wire(), AuditEvent.SUCCESS)
                .from(c.ip()).patient(patientId).subject(instrumentId))));
  }

  /** The patient's assigned instruments with when each is due and whether it is overdue. */
  public Future<JsonObject> due(Caller c, String patientId) {
    return careTeams.authorize(c, patientId).compose(team -> Future.all(cache.schedule(patientId), cache.summary(patientId)))
        .compose(all -> audit.record(AuditEvent.of("checkins.read", c.userId(), c.role().wire(), AuditEvent.SUCCESS).from(c.ip())
            .patient(patientId).with("view", "due")).map(v -> new JsonObject().put("patientId", patientId)
                .put("due", dueList(all.resultAt(0), all.resultAt(1), clock.instant()))));
  }

  /** Due state per assigned instrument: due from its last response + cadence (or from assignment). Overdue a day later. */
  JsonArray dueList(JsonObject schedules, JsonObject summary, Instant now) {
    JsonArray out = new JsonArray();
    if (schedules == null) {
      return out;
    }
    JsonObject states = summary == null ? new JsonObject() : summary.getJsonObject("instruments", new JsonObject());
    JsonObject assigned = schedules.getJsonObject("instruments", new JsonObject());
    for (String id : new java.util.TreeSet<>(assigned.fieldNames())) {
      Instrument ins = instruments.get(id);
      if (ins == null) {
        continue;
      }
      JsonObject s = assigned.getJsonObject(id);
      int days = s.getInteger("cadenceDays");
      JsonObject latest = states.getJsonObject(id, new JsonObject()).getJsonObject("latest");
      String lastAt = latest == null ? null : latest.getString("at");
      Instant dueAt = lastAt == null ? Instant.parse(s.getString("assignedAt"))
          : Instant.parse(lastAt).atOffset(ZoneOffset.UTC).plusDays(days).minusHours(days == 1 ? 6 : 0).toInstant();
      boolean overdue = now.isAfter(dueAt.plus(java.time.Duration.ofDays(1)));
      out.add(new JsonObject().put("instrument", id).put("title", new JsonObject(Map.copyOf(ins.title()))).put("cadenceDays", days)
          .put("lastAt", lastAt).put("dueAt", Times.format(dueAt)).put("isDue", !now.isBefore(dueAt)).put("overdue", overdue));
    }
    return out;
  }

  /** A fresh random client id (the web page makes its own; demo seeding uses this). */
  static String newClientId() {
    return Tokens.random(12);
  }
}

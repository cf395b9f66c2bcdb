package dev.tandem.visits;

import dev.tandem.audit.AuditEvent;
import dev.tandem.audit.AuditLog;
import dev.tandem.config.VisitsConfig;
import dev.tandem.http.ApiException;
import dev.tandem.identity.Caller;
import dev.tandem.identity.IdentityService;
import dev.tandem.identity.User;
import dev.tandem.store.Times;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Tandem's waiting room and the Jitsi token gate. A patient who opens a visit inside its join
 * window waits; the visit's clinicians see this live ("visit.waiting" on user.&lt;id&gt;) and
 * admit the patient ("visit.admitted") or send a short note ("visit.note"). Only then does the
 * patient get a token. Clinicians get theirs anywhere in the join window. Every token minted and
 * every admission is audited.
 */
public final class WaitingRoom {
  static final int MAX_NOTE = 140;
  private final Vertx vertx;
  private final VisitService visits;
  private final MongoVisitStore store;
  private final JitsiTokens tokens;
  private final IdentityService identity;
  private final AuditLog audit;
  private final VisitsConfig cfg;
  private final Clock clock;

  WaitingRoom(Vertx vertx, VisitService visits, JitsiTokens tokens, IdentityService identity, AuditLog audit, VisitsConfig cfg,
      Clock clock) {
    this.vertx = vertx;
    this.visits = visits;
    this.store = visits.store();
    this.tokens = tokens;
    this.identity = identity;
    this.audit = audit;
    this.cfg = cfg;
    this.clock = clock;
  }

  /** The patient arrives: scheduled → waiting (idempotent while waiting or admitted). 409 outside the window. */
  public Future<JsonObject> arrive(Caller caller, String visitId) {
    return visits.load(caller, visitId).compose(v -> {
      if (!v.patientId().equals(caller.userId())) {
        throw ApiException.forbidden("Only the patient enters the waiting room; clinicians admit.");
      }
      requireOpen(v);
      if (v.status() == VisitStatus.WAITING || v.status() == VisitStatus.IN_PROGRESS) {
        return Future.succeededFuture(v);
      }
      Instant now = clock.instant();
      return store.update(v, new JsonObject().put("status", VisitStatus.WAITING.wire()).put("waitingSince", Times.format(now)),
          VisitService.historyEntry(VisitStatus.WAITING, now, caller.userId()), attendance(caller.userId(), "arrived", now, "tandem"))
          .compose(u -> {
            if (u == null) {
              return Future.failedFuture(VisitService.changed());
            }
            return visits.audited(caller, "visit.arrive", u).map(x -> {
              publishToClinicians(u, new JsonObject().put("type", "visit.waiting").put("visitId", u.id())
                  .put("patientId", u.patientId()).put("patientName", caller.name()).put("visitType", u.type().wire())
                  .put("start", u.start().toString()).put("waitingSince", now.toString()));
              return u;
            });
          });
    }).compose(visits::describe);
  }

  /** Who is waiting for the calling clinician right now, longest wait first. */
  public Future<JsonObject> waiting(Caller caller) {
    return store.waitingFor(caller.userId()).compose(list -> {
      Set<String> ids = new HashSet<>();
      list.forEach(v -> ids.add(v.patientId()));
      return identity.users(ids).map(users -> {
        Map<String, User> byId = users.stream().collect(Collectors.toMap(User::id, Function.identity()));
        Instant now = clock.instant();
        JsonArray out = new JsonArray();
        list.stream().sorted((a, b) -> a.waitingSince().compareTo(b.waitingSince())).forEach(v -> out.add(new JsonObject()
            .put("visitId", v.id()).put("patientId", v.patientId())
            .put("patientName", byId.containsKey(v.patientId()) ? byId.get(v.patientId()).name() : "")
            .put("visitType", v.type().wire()).put("start", v.start().toString()).put("waitingSince", v.waitingSince().toString())
            .put("waitedSeconds", Math.max(0, Duration.between(v.waitingSince(), now).toSeconds()))));
        return out;
      });
    }).compose(out -> audit.record(AuditEvent.of("visit.waiting-list", caller.userId(), caller.role().wire(), AuditEvent.SUCCESS)
        .from(caller.ip()).with("count", Integer.toString(out.size()))).map(x -> new JsonObject().put("waiting", out)));
  }

  /** A clinician of the visit admits the waiting patient: waiting → in-progress. */
  public Future<JsonObject> admit(Caller caller, String visitId) {
    return visits.load(caller, visitId).compose(v -> {
      VisitService.requireClinicianOf(caller, v);
      if (v.status() != VisitStatus.WAITING) {
        throw ApiException.conflict("patient_not_waiting", v.status() == VisitStatus.IN_PROGRESS
            ? "The patient has already been admitted." : "The patient is not in the waiting room.");
      }
      Instant now = clock.instant();
      return store.update(v, new JsonObject().put("status", VisitStatus.IN_PROGRESS.wire()).put("admittedBy", caller.userId()),
          VisitService.historyEntry(VisitStatus.IN_PROGRESS, now, caller.userId()),
          attendance(v.patientId(), "admitted", now, "tandem").put("by", caller.userId()));
    }).compose(u -> {
      if (u == null) {
        return Future.failedFuture(VisitService.changed());
      }
      return audit.record(AuditEvent.of("visit.admit", caller.userId(), caller.role().wire(), AuditEvent.SUCCESS)
          .from(caller.ip()).patient(u.patientId()).subject(u.id())).map(u);
    }).compose(u -> {
      JsonObject e = new JsonObject().put("type", "visit.admitted").put("visitId", u.id()).put("by", caller.name());
      vertx.eventBus().publish("user." + u.patientId(), e);
      publishToClinicians(u, e);
      return visits.describe(u);
    });
  }

  /** A short note to the waiting patient ("running 5 minutes late"). Delivered live only, never stored. */
  public Future<Void> note(Caller caller, String visitId, String text) {
    return visits.load(caller, visitId).compose(v -> {
      VisitService.requireClinicianOf(caller, v);
      if (!(v.status() == VisitStatus.SCHEDULED || v.status() == VisitStatus.WAITING)) {
        throw ApiException.conflict("patient_not_waiting", "Notes go to a patient who has not been admitted yet.");
      }
      vertx.eventBus().publish("user." + v.patientId(), new JsonObject().put("type", "visit.note").put("visitId", v.id())
          .put("from", caller.name()).put("text", text).put("at", clock.instant().toString()));
      return audit.record(AuditEvent.of("visit.note", caller.userId(), caller.role().wire(), AuditEvent.SUCCESS)
          .from(caller.ip()).patient(v.patientId()).subject(v.id()));
    });
  }

  /**
   * A Jitsi token for the caller. Only the visit's participants (others: 404 when they may not
   * see the visit, 403 for a care-team member who is not in it), only inside the join window
   * (409 visit_not_open), and for the patient only after admission (409 not_admitted).
   */
  public Future<JsonObject> token(Caller caller, String visitId) {
    if (!tokens.configured()) {
      return Future.failedFuture(new ApiException(503, "video_not_configured",
          "Video visits are not set up on this server yet (no Jitsi signing key)."));
    }
    return visits.load(caller, visitId).compose(v -> {
      if (!v.isParticipant(caller.userId())) {
        throw ApiException.forbidden("Only the visit's participants can join it.");
      }
      requireOpen(v);
      boolean patient = v.patientId().equals(caller.userId());
      if (patient && v.status() != VisitStatus.IN_PROGRESS) {
        throw ApiException.conflict("not_admitted", "Please wait: your clinician will let you in.");
      }
      return identity.user(caller.userId()).compose(u -> {
        Instant now = clock.instant();
        Instant exp = v.end().plus(cfg.tokenGrace());
        String jwt = tokens.mint(v.room(), new JitsiTokens.Person(u.id(), u.name(), patient ? "" : u.email(), "", !patient), now, exp);
        return audit.record(AuditEvent.of("visit.token", caller.userId(), caller.role().wire(), AuditEvent.SUCCESS)
            .from(caller.ip()).patient(v.patientId()).subject(v.id()).with("moderator", Boolean.toString(!patient))
            .with("expiresAt", exp.toString()))
            .map(x -> new JsonObject().put("visitId", v.id()).put("token", jwt).put("room", v.room())
                .put("domain", cfg.jitsiDomain()).put("scriptUrl", cfg.jitsiOrigin() + "/external_api.js")
                .put("moderator", !patient).put("expiresAt", exp.toString()));
      });
    });
  }

  /** Fails with 409 visit_not_open before the window opens, after it closes, or when the visit is over. */
  void requireOpen(Visit v) {
    Instant now = clock.instant();
    Instant opens = v.start().minus(cfg.opensBefore());
    Instant closes = v.end().plus(cfg.closesAfter());
    if (!v.status().active()) {
      throw ApiException.conflict("visit_closed", "This visit is " + v.status().wire() + ".");
    }
    if (now.isBefore(opens)) {
      throw new ApiException(409, "visit_not_open", "This visit opens at " + opens + ".");
    }
    if (now.isAfter(closes)) {
      throw new ApiException(409, "visit_not_open", "This visit closed at " + closes + ".");
    }
  }

  private void publishToClinicians(Visit v, JsonObject e) {
    for (String id : v.clinicianIds()) {
      vertx.eventBus().publish("user." + id, e);
    }
  }

  static JsonObject attendance(String userId, String event, Instant at, String source) {
    JsonObject o = new JsonObject().put("event", event).put("at", at.toString()).put("source", source);
    if (userId != null) {
      o.put("userId", userId);
    }
    return o;
  }
}

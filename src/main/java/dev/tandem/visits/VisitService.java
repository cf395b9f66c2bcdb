package dev.tandem.visits;

import dev.tandem.audit.AuditEvent;
import dev.tandem.audit.AuditLog;
import dev.tandem.config.VisitsConfig;
import dev.tandem.http.ApiException;
import dev.tandem.http.Ids;
import dev.tandem.identity.CareTeam;
import dev.tandem.identity.CareTeamService;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Booking and the visit lifecycle: book (single or paired), reschedule, cancel, no-show,
 * complete, and reading schedules. Every participant's time is claimed through
 * {@link SlotClaims} before a visit is written, so no one is double-booked even when requests
 * race on several nodes. Reads and changes are audited; visibility follows the care team.
 */
public final class VisitService {
  static final int MAX_MINUTES = 240;
  private final Vertx vertx;
  private final MongoVisitStore store;
  private final SlotClaims claims;
  private final AvailabilityService availability;
  private final CareTeamService careTeams;
  private final IdentityService identity;
  private final AuditLog audit;
  private final VisitsConfig cfg;
  private final Clock clock;

  VisitService(Vertx vertx, MongoVisitStore store, SlotClaims claims, AvailabilityService availability,
      CareTeamService careTeams, IdentityService identity, AuditLog audit, VisitsConfig cfg, Clock clock) {
    this.vertx = vertx;
    this.store = store;
    this.claims = claims;
    this.availability = availability;
    this.careTeams = careTeams;
    this.identity = identity;
    this.audit = audit;
    this.cfg = cfg;
    this.clock = clock;
  }

  // ---- booking ------------------------------------------------------------------------------

  /**
   * Books one visit. Succeeds with the visit; fails with 404 (patient not visible), 400 (bad
   * time, clinician not on the care team), 409 slot_taken or clinician_unavailable.
   */
  public Future<JsonObject> book(Caller caller, VisitRequests.Book req) {
    return careTeams.authorize(caller, req.patientId()).compose(team -> {
      Visit v = newVisit(caller, team, req, null);
      // Once the visit is written, confirming its claims, the audit record and the answer are independent.
      return checkAvailable(List.of(v)).compose(x -> write(List.of(v)))
          .compose(x -> Future.all(confirm(List.of(v)), audited(caller, "visit.book", v), describe(v)))
          .map(all -> {
            notify(v, "visit.changed");
            return all.<JsonObject>resultAt(2);
          });
    });
  }

  /**
   * Books a medication review and a psychotherapy session back to back on one day, all or
   * nothing: if either visit's time is taken for anyone, neither is booked (409).
   */
  public Future<JsonArray> bookPair(Caller caller, VisitRequests.Pair req) {
    return careTeams.authorize(caller, req.patientId()).compose(team -> {
      checkPairShape(req.first(), req.second());
      String pairId = Ids.newId();
      Visit a = newVisit(caller, team, req.first(), pairId);
      Visit b = newVisit(caller, team, req.second(), pairId);
      return checkAvailable(List.of(a, b)).compose(x -> write(List.of(a, b)))
          .compose(x -> Future.all(confirm(List.of(a, b)), audited(caller, "visit.book", a), audited(caller, "visit.book", b),
              describe(a), describe(b)))
          .map(all -> {
            notify(a, "visit.changed");
            notify(b, "visit.changed");
            return new JsonArray().add(all.<JsonObject>resultAt(3)).add(all.<JsonObject>resultAt(4));
          });
    });
  }

  static void checkPairShape(VisitRequests.Book first, VisitRequests.Book second) {
    Set<VisitType> types = Set.of(first.type(), second.type());
    if (!types.equals(Set.of(VisitType.MEDICATION_REVIEW, VisitType.PSYCHOTHERAPY))) {
      throw ApiException.badRequest("invalid_pair", "A pair is one medication-review and one psychotherapy visit.");
    }
    Instant firstEnd = first.start().plus(Duration.ofMinutes(first.durationMinutes()));
    if (!firstEnd.equals(second.start())) {
      throw ApiException.badRequest("invalid_pair", "The second visit must start when the first ends.");
    }
  }

  private Visit newVisit(Caller caller, CareTeam team, VisitRequests.Book req, String pairId) {
    checkTime(req.start(), req.durationMinutes());
    List<String> clinicians = clinicians(team, req.type(), req.clinicianIds());
    Instant now = clock.instant();
    JsonArray history = new JsonArray().add(historyEntry(VisitStatus.SCHEDULED, now, caller.userId()));
    return new Visit(Ids.newId(), req.patientId(), clinicians, req.type(), req.start(), req.durationMinutes(),
        VisitStatus.SCHEDULED, JitsiTokens.newRoom(), pairId, null, 0, history, new JsonArray(), now, caller.userId());
  }

  void checkTime(Instant start, int minutes) {
    if (minutes < 5 || minutes > MAX_MINUTES || minutes % 5 != 0) {
      throw ApiException.invalid("durationMinutes", "must be a multiple of 5 between 5 and " + MAX_MINUTES);
    }
    if (start.getEpochSecond() % 300 != 0 || start.getNano() != 0) {
      throw ApiException.invalid("start", "must fall on a 5-minute mark (e.g. 14:05, not 14:07)");
    }
    if (!start.isAfter(clock.instant())) {
      throw ApiException.invalid("start", "must be in the future");
    }
    if (start.isAfter(clock.instant().plus(Duration.ofDays(400)))) {
      throw ApiException.invalid("start", "must be within the next 400 days");
    }
  }

  /** The visit's clinicians: those the type needs from the team, plus any other team members asked for. */
  static List<String> clinicians(CareTeam team, VisitType type, List<String> asked) {
    LinkedHashSet<String> ids = new LinkedHashSet<>();
    if (type == VisitType.MEDICATION_REVIEW || type == VisitType.JOINT) {
      ids.add(required(team.prescriberId(), "a prescriber"));
    }
    if (type == VisitType.PSYCHOTHERAPY || type == VisitType.JOINT) {
      ids.add(required(team.therapistId(), "a therapist"));
    }
    if (asked != null) {
      for (String id : asked) {
        if (!team.includes(id)) {
          throw ApiException.invalid("clinicianIds", "every clinician must be on the patient's care team");
        }
        ids.add(id);
      }
    }
    if (ids.isEmpty()) {
      throw ApiException.invalid("clinicianIds", "an intake needs at least one clinician from the care team");
    }
    return List.copyOf(ids);
  }

  private static String required(String id, String what) {
    if (id == null) {
      throw ApiException.badRequest("care_team_incomplete", "This visit type needs " + what + " on the patient's care team.");
    }
    return id;
  }

  private Future<Void> checkAvailable(List<Visit> visits) {
    Set<String> clinicians = new HashSet<>();
    visits.forEach(v -> clinicians.addAll(v.clinicianIds()));
    return availability.forClinicians(clinicians).map(hours -> {
      for (Visit v : visits) {
        for (String c : v.clinicianIds()) {
          Availability a = hours.get(c);
          // A clinician who has not set hours can be booked at any time (hours are opt-in).
          if (a != null && !a.covers(v.start(), v.end())) {
            throw ApiException.conflict("clinician_unavailable", "A clinician in this visit is not working at that time.");
          }
        }
      }
      return null;
    });
  }

  /**
   * Claims every slot of every visit, then writes the visits; on any failure nothing stays
   * behind. The claims stay pending until {@link #confirm} (only after the visits exist).
   */
  private Future<Void> write(List<Visit> visits) {
    Future<Void> chain = Future.succeededFuture();
    for (Visit v : visits) {
      chain = chain.compose(x -> claims.claim(v.id(), keys(v)));
    }
    return chain.recover(t -> releaseAll(visits).transform(x -> Future.failedFuture(t)))
        .compose(x -> insertAll(visits));
  }

  private Future<Void> confirm(List<Visit> visits) {
    return Future.all(visits.stream().map(v -> claims.confirm(v.id(), keys(v))).toList()).mapEmpty();
  }

  private Future<Void> insertAll(List<Visit> visits) {
    Future<Void> chain = Future.succeededFuture();
    for (Visit v : visits) {
      chain = chain.compose(x -> store.insert(v));
    }
    return chain.recover(t -> Future.all(visits.stream().map(v -> store.delete(v.id())).toList())
        .transform(x -> releaseAll(visits)).transform(x -> Future.failedFuture(t)));
  }

  private Future<Void> releaseAll(List<Visit> visits) {
    return Future.all(visits.stream().map(v -> claims.release(v.id(), keys(v))).toList()).mapEmpty();
  }

  static List<String> keys(Visit v) {
    return SlotClaims.keys(v.participants(), v.start(), v.end());
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  /** Moves a scheduled visit: claims the new time first, then releases the old; 409 if taken. */
  public Future<JsonObject> reschedule(Caller caller, String visitId, VisitRequests.Reschedule req) {
    return load(caller, visitId).compose(v -> {
      requireClinicianOf(caller, v);
      if (v.status() != VisitStatus.SCHEDULED) {
        throw ApiException.conflict("visit_not_scheduled", "Only a visit that has not started can be moved.");
      }
      checkTime(req.start(), req.durationMinutes());
      Visit moved = new Visit(v.id(), v.patientId(), v.clinicianIds(), v.type(), req.start(), req.durationMinutes(),
          v.status(), v.room(), v.pairId(), null, v.version(), v.history(), v.attendance(), v.createdAt(), v.createdBy());
      List<String> oldKeys = keys(v);
      List<String> newKeys = new ArrayList<>(keys(moved));
      List<String> toClaim = newKeys.stream().filter(k -> !oldKeys.contains(k)).toList();
      List<String> toRelease = oldKeys.stream().filter(k -> !newKeys.contains(k)).toList();
      JsonObject set = new JsonObject().put("start", Times.format(req.start())).put("end", Times.format(moved.end()))
          .put("durationMinutes", req.durationMinutes());
      return checkAvailable(List.of(moved)).compose(x -> claims.claim(v.id(), toClaim))
          .compose(x -> claims.markPending(v.id(), toRelease))
          .compose(x -> store.update(v, set, historyEntry(VisitStatus.SCHEDULED, clock.instant(), caller.userId())
              .put("rescheduledFrom", v.start().toString()), null))
          .compose(updated -> {
            if (updated == null) {
              return claims.release(v.id(), toClaim).compose(x -> claims.confirm(v.id(), toRelease))
                  .transform(x -> Future.failedFuture(changed()));
            }
            return claims.confirm(v.id(), toClaim).compose(x -> claims.release(v.id(), toRelease))
                .compose(x -> audited(caller, "visit.reschedule", updated)).map(x -> updated);
          })
          .compose(updated -> {
            notify(updated, "visit.changed");
            return describe(updated);
          });
    });
  }

  /** Cancels a visit that has not ended; its time is freed for everyone in it. */
  public Future<JsonObject> cancel(Caller caller, String visitId) {
    return load(caller, visitId).compose(v -> {
      if (!v.isParticipant(caller.userId()) && caller.isPatient()) {
        throw ApiException.notFound("visit");
      }
      if (!(v.status() == VisitStatus.SCHEDULED || v.status() == VisitStatus.WAITING)) {
        throw ApiException.conflict("visit_not_cancellable", "This visit has already started or ended.");
      }
      return claims.markPending(v.id(), keys(v)).compose(x -> transition(caller, v, VisitStatus.CANCELLED, new JsonObject()))
          .compose(u -> claims.release(u.id(), keys(u)).map(u));
    }).compose(u -> audited(caller, "visit.cancel", u).map(u)).compose(u -> {
      notify(u, "visit.changed");
      return describe(u);
    });
  }

  /** Marks a visit whose patient never arrived (only once it has started), freeing its time. */
  public Future<JsonObject> noShow(Caller caller, String visitId) {
    return load(caller, visitId).compose(v -> {
      requireClinicianOf(caller, v);
      if (!(v.status() == VisitStatus.SCHEDULED || v.status() == VisitStatus.WAITING)) {
        throw ApiException.conflict("visit_not_open", "Only a visit the patient has not joined can be marked a no-show.");
      }
      if (clock.instant().isBefore(v.start())) {
        throw ApiException.conflict("visit_not_started", "A visit can be marked a no-show only after its start time.");
      }
      // The rest of the hour is free again: the clinicians can see someone else.
      return claims.markPending(v.id(), keys(v)).compose(x -> transition(caller, v, VisitStatus.NO_SHOW, new JsonObject()))
          .compose(u -> claims.release(u.id(), keys(u)).map(u));
    }).compose(u -> audited(caller, "visit.no-show", u).map(u)).compose(u -> {
      notify(u, "visit.changed");
      return describe(u);
    });
  }

  /** Ends a visit in progress. */
  public Future<JsonObject> complete(Caller caller, String visitId) {
    return load(caller, visitId).compose(v -> {
      requireClinicianOf(caller, v);
      if (v.status() != VisitStatus.IN_PROGRESS) {
        throw ApiException.conflict("visit_not_in_progress", "Only a visit in progress can be completed.");
      }
      return transition(caller, v, VisitStatus.COMPLETED, new JsonObject());
    }).compose(u -> audited(caller, "visit.complete", u).map(u)).compose(u -> {
      notify(u, "visit.changed");
      return describe(u);
    });
  }

  Future<Visit> transition(Caller caller, Visit v, VisitStatus to, JsonObject set) {
    return store.update(v, set.copy().put("status", to.wire()), historyEntry(to, clock.instant(), caller.userId()), null)
        .map(u -> {
          if (u == null) {
            throw changed();
          }
          return u;
        });
  }

  static ApiException changed() {
    return ApiException.conflict("visit_changed", "The visit changed meanwhile. Reload and try again.");
  }

  // ---- reading ------------------------------------------------------------------------------

  /** The caller's own visits overlapping [from, to) (as patient or clinician), with names. */
  public Future<JsonObject> mine(Caller caller, Instant from, Instant to) {
    return store.forParticipant(caller.userId(), from, to).compose(this::describeAll)
        .compose(list -> audit.record(AuditEvent.of("visit.list", caller.userId(), caller.role().wire(), AuditEvent.SUCCESS)
            .from(caller.ip()).with("count", Integer.toString(list.size()))).map(x -> new JsonObject().put("visits", list)));
  }

  /** One visit, for the patient or their care team (404 for anyone else). */
  public Future<JsonObject> get(Caller caller, String visitId) {
    return load(caller, visitId).compose(v -> audited(caller, "visit.read", v).map(v)).compose(this::describe);
  }

  /** A patient's visits in [from, to) for the check-ins timeline (contract visits.timeline). No access check: local callers only. */
  Future<JsonArray> timeline(String patientId, Instant from, Instant to) {
    return store.forParticipant(patientId, from, to).map(list -> {
      JsonArray a = new JsonArray();
      list.stream().filter(v -> v.patientId().equals(patientId)).forEach(v -> a.add(v.toTimeline()));
      return a;
    });
  }

  /** Loads a visit the caller may see: the patient or a member of the patient's care team. */
  Future<Visit> load(Caller caller, String visitId) {
    return store.get(visitId).compose(v -> {
      if (v == null) {
        return Future.failedFuture(ApiException.notFound("visit"));
      }
      return careTeams.authorize(caller, v.patientId()).recover(t -> Future.failedFuture(ApiException.notFound("visit")))
          .map(team -> v);
    });
  }

  static void requireClinicianOf(Caller caller, Visit v) {
    if (!v.clinicianIds().contains(caller.userId())) {
      throw ApiException.forbidden("Only the visit's clinicians can do this.");
    }
  }

  Future<JsonObject> describe(Visit v) {
    return describeAll(List.of(v)).map(l -> l.getJsonObject(0));
  }

  private Future<JsonArray> describeAll(List<Visit> visits) {
    Set<String> ids = new HashSet<>();
    visits.forEach(v -> ids.addAll(v.participants()));
    return identity.users(ids).map(users -> {
      Map<String, User> byId = users.stream().collect(Collectors.toMap(User::id, Function.identity()));
      JsonArray out = new JsonArray();
      for (Visit v : visits) {
        JsonArray people = new JsonArray();
        for (String id : v.participants()) {
          User u = byId.get(id);
          people.add(u == null ? new JsonObject().put("id", id) : u.toMember());
        }
        out.add(v.toJson().put("participants", people)
            .put("joinOpensAt", v.start().minus(cfg.opensBefore()).toString())
            .put("joinClosesAt", v.end().plus(cfg.closesAfter()).toString()));
      }
      return out;
    });
  }

  Future<Void> audited(Caller caller, String type, Visit v) {
    return audit.record(AuditEvent.of(type, caller.userId(), caller.role().wire(), AuditEvent.SUCCESS).from(caller.ip())
        .patient(v.patientId()).subject(v.id()).with("status", v.status().wire()));
  }

  /** A live event to every participant ("visit.changed" carries only ids and the new status). */
  void notify(Visit v, String type) {
    JsonObject e = new JsonObject().put("type", type).put("visitId", v.id()).put("status", v.status().wire())
        .put("start", v.start().toString());
    for (String id : v.participants()) {
      vertx.eventBus().publish("user." + id, e);
    }
  }

  static JsonObject historyEntry(VisitStatus status, Instant at, String by) {
    return new JsonObject().put("status", status.wire()).put("at", at.toString()).put("by", by);
  }

  MongoVisitStore store() {
    return store;
  }

  Instant now() {
    return clock.instant();
  }

  Clock clock() {
    return clock;
  }

  /** The visit's .ics file (RFC 5545), for the patient or the care team; audited like a read. */
  public Future<String> calendar(Caller caller, String visitId, String baseUrl) {
    return load(caller, visitId).compose(v -> audited(caller, "visit.calendar", v)
        .map(x -> Calendar.ics(v, clock.instant(), java.net.URI.create(baseUrl).getHost(), baseUrl + "/visits.html")));
  }
}

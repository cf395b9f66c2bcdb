package dev.tandem.identity;

import dev.tandem.audit.AuditEvent;
import dev.tandem.audit.AuditLog;
import dev.tandem.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Care teams and the one authorization check every feature calls before touching patient data:
 * {@link #authorize}. A patient may see only themselves; a clinician only patients whose care
 * team they are on; admins manage accounts and teams but never read clinical content. A caller
 * who may not see a patient gets the same 404 as for a patient that does not exist.
 */
public final class CareTeamService {
  private final CareTeamStore teams;
  private final IdentityService identity;
  private final AuditLog audit;
  private final Clock clock;

  public CareTeamService(CareTeamStore teams, IdentityService identity, AuditLog audit, Clock clock) {
    this.teams = teams;
    this.identity = identity;
    this.audit = audit;
    this.clock = clock;
  }

  /**
   * Succeeds with the patient's care team when {@code caller} may read or change that patient's
   * data; fails with 404 "patient not found" otherwise (also for unknown ids). Denials are
   * audited.
   */
  public Future<CareTeam> authorize(Caller caller, String patientId) {
    return team(patientId).compose(team -> {
      boolean allowed = team != null && switch (caller.role()) {
        case PATIENT -> caller.userId().equals(patientId);
        case PRESCRIBER, THERAPIST, NAVIGATOR -> team.includes(caller.userId());
        case ADMIN -> false;
      };
      if (allowed) {
        return Future.succeededFuture(team);
      }
      return audit.record(AuditEvent.of("access.denied", caller.userId(), caller.role().wire(), AuditEvent.DENIED)
          .from(caller.ip()).patient(team == null ? null : patientId)).compose(v -> Future.failedFuture(ApiException.notFound("patient")));
    });
  }

  /**
   * Care teams change rarely and are read on every message, so they are cached briefly. A change
   * made through this service clears the entry at once; the short lifetime bounds how long a
   * change made by another node takes to apply here.
   */
  private static final java.time.Duration CACHE_FOR = java.time.Duration.ofSeconds(5);
  private final java.util.Map<String, Cached> cache = new java.util.concurrent.ConcurrentHashMap<>();

  private record Cached(CareTeam team, java.time.Instant until) {
  }

  private Future<CareTeam> team(String patientId) {
    java.time.Instant now = clock.instant();
    Cached c = cache.get(patientId);
    if (c != null && now.isBefore(c.until())) {
      return Future.succeededFuture(c.team());
    }
    return teams.forPatient(patientId).map(t -> {
      if (t != null) {
        if (cache.size() > 50_000) {
          cache.clear();
        }
        cache.put(patientId, new Cached(t, now.plus(CACHE_FOR)));
      }
      return t;
    });
  }

  /** The care teams whose patients the caller may see (a patient: their own). */
  public Future<List<CareTeam>> teamsVisibleTo(Caller caller) {
    return switch (caller.role()) {
      case PATIENT -> team(caller.userId()).map(t -> t == null ? List.<CareTeam>of() : List.of(t));
      case PRESCRIBER, THERAPIST, NAVIGATOR -> teams.withMember(caller.userId());
      case ADMIN -> Future.succeededFuture(List.of());
    };
  }

  /** The patients the caller may see: a patient sees only themselves; admins are refused (403). */
  public Future<List<JsonObject>> listPatients(Caller caller) {
    Future<List<CareTeam>> visible = switch (caller.role()) {
      case PATIENT -> teams.forPatient(caller.userId()).map(t -> t == null ? List.of() : List.of(t));
      case PRESCRIBER, THERAPIST, NAVIGATOR -> teams.withMember(caller.userId());
      case ADMIN -> Future.failedFuture(ApiException.forbidden("Admins manage accounts and care teams but do not open patient records."));
    };
    return visible.compose(list -> describe(list, true))
        .compose(rows -> audit.record(IdentityService.event("patient.list", caller).with("count", Integer.toString(rows.size())))
            .map(v -> rows));
  }

  /** One patient's record, audited as a read of that patient's data. 404 when not visible. */
  public Future<JsonObject> patientRecord(Caller caller, String patientId) {
    return authorize(caller, patientId).compose(team -> describe(List.of(team), true)).compose(rows -> {
      if (rows.isEmpty()) {
        return Future.failedFuture(ApiException.notFound("patient"));
      }
      return audit.record(IdentityService.event("patient.read", caller).patient(patientId)).map(v -> rows.get(0));
    });
  }

  public Future<JsonObject> careTeam(Caller caller, String patientId) {
    return authorize(caller, patientId).compose(team -> describe(List.of(team), false))
        .compose(rows -> audit.record(IdentityService.event("careteam.read", caller).patient(patientId))
            .map(v -> rows.get(0).getJsonObject("careTeam")));
  }

  /** Admin view: every team with member names, no clinical content. */
  public Future<List<JsonObject>> allTeams(Caller admin) {
    requireAdmin(admin);
    return teams.all().compose(list -> describe(list, true)).map(rows -> rows.stream().map(r -> r.getJsonObject("careTeam")
        .copy().put("patient", new JsonObject().put("id", r.getString("id")).put("name", r.getString("name"))
            .put("role", "patient").put("status", r.getString("status")))).toList());
  }

  /**
   * Admin: sets a patient's team. Each id must be an active or invited user of the matching
   * role; at least a prescriber or a therapist. Fails with 404 for an unknown patient.
   */
  public Future<JsonObject> setTeam(Caller admin, String patientId, String prescriberId, String therapistId,
      String navigatorId) {
    requireAdmin(admin);
    if (prescriberId == null && therapistId == null) {
      return Future.failedFuture(ApiException.badRequest("care_team_incomplete",
          "A care team needs a prescriber or a therapist."));
    }
    Set<String> ids = new HashSet<>();
    ids.add(patientId);
    for (String id : new String[] {prescriberId, therapistId, navigatorId}) {
      if (id != null) {
        ids.add(id);
      }
    }
    return identity.users(ids).compose(found -> {
      Map<String, User> byId = found.stream().collect(Collectors.toMap(User::id, Function.identity()));
      User patient = byId.get(patientId);
      if (patient == null || patient.role() != Role.PATIENT) {
        return Future.failedFuture(ApiException.notFound("patient"));
      }
      checkMember(byId, prescriberId, Role.PRESCRIBER, "prescriberId");
      checkMember(byId, therapistId, Role.THERAPIST, "therapistId");
      checkMember(byId, navigatorId, Role.NAVIGATOR, "navigatorId");
      return teams.forPatient(patientId).compose(before -> {
        CareTeam team = new CareTeam(patientId, prescriberId, therapistId, navigatorId, clock.instant());
        cache.remove(patientId);
        return teams.put(team).onComplete(x -> cache.remove(patientId)).compose(v -> audit.record(IdentityService.event("careteam.change", admin).patient(patientId)
            .with("before", before == null ? "none" : String.join(",", before.members()))
            .with("after", String.join(",", team.members()))))
            .compose(v -> describe(List.of(team), false)).map(rows -> rows.get(0).getJsonObject("careTeam"));
      });
    });
  }

  /** Used when a clinician invites a patient: the inviter joins the new team in their role's slot. */
  Future<Void> createTeamFor(String patientId, Caller inviter) {
    CareTeam team = new CareTeam(patientId, inviter.role() == Role.PRESCRIBER ? inviter.userId() : null,
        inviter.role() == Role.THERAPIST ? inviter.userId() : null,
        inviter.role() == Role.NAVIGATOR ? inviter.userId() : null, clock.instant());
    return teams.put(team).compose(v -> audit.record(IdentityService.event("careteam.change", inviter).patient(patientId)
        .with("before", "none").with("after", inviter.userId())));
  }

  /** Clinician: invites a patient and puts the inviter on the new care team. */
  public Future<IdentityService.NewInvitation> invitePatient(Caller clinician, String email, String name, String language) {
    if (!clinician.role().isClinician()) {
      return Future.failedFuture(ApiException.forbidden("Only clinicians invite patients."));
    }
    return identity.invite(clinician, email, name, Role.PATIENT, language)
        .compose(inv -> createTeamFor(inv.user().id(), clinician).map(v -> inv));
  }

  private static void checkMember(Map<String, User> byId, String id, Role role, String field) {
    if (id == null) {
      return;
    }
    User u = byId.get(id);
    if (u == null || u.role() != role || u.status() == User.Status.DISABLED) {
      throw ApiException.invalid(field, "must be the id of a " + role.wire() + " account that is not disabled");
    }
  }

  static void requireAdmin(Caller c) {
    if (c.role() != Role.ADMIN) {
      throw ApiException.forbidden("This needs an admin account.");
    }
  }

  /** Joins teams with user names: rows of patient JSON with a careTeam object. */
  private Future<List<JsonObject>> describe(List<CareTeam> list, boolean withPatient) {
    Set<String> ids = new HashSet<>();
    list.forEach(t -> {
      ids.add(t.patientId());
      ids.addAll(t.members());
    });
    return identity.users(ids).map(found -> {
      Map<String, User> byId = found.stream().collect(Collectors.toMap(User::id, Function.identity()));
      return list.stream().filter(t -> byId.containsKey(t.patientId())).map(t -> {
        JsonObject team = new JsonObject().put("patientId", t.patientId())
            .put("prescriber", member(byId, t.prescriberId())).put("therapist", member(byId, t.therapistId()))
            .put("navigator", member(byId, t.navigatorId())).put("updatedAt", t.updatedAt().toString());
        JsonObject row = withPatient ? byId.get(t.patientId()).toJson() : new JsonObject();
        return row.put("careTeam", team);
      }).sorted((a, b) -> String.valueOf(a.getString("name")).compareToIgnoreCase(String.valueOf(b.getString("name")))).toList();
    });
  }

  private static JsonObject member(Map<String, User> byId, String id) {
    User u = id == null ? null : byId.get(id);
    return u == null ? null : u.toMember();
  }
}

package dev.tandem.visits;

import dev.tandem.audit.AuditEvent;
import dev.tandem.audit.AuditLog;
import dev.tandem.http.ApiException;
import dev.tandem.identity.CareTeamService;
import dev.tandem.identity.Caller;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Clinicians' weekly hours and time off (one document per clinician), and paired-slot
 * proposals for patients in combined treatment.
 */
public final class AvailabilityService {
  static final String COLLECTION = "clinicianAvailability";
  private static final Duration STEP = Duration.ofMinutes(15);
  private static final int MAX_PROPOSALS = 24;
  private final MongoClient mongo;
  private final MongoVisitStore visits;
  private final CareTeamService careTeams;
  private final AuditLog audit;
  private final Clock clock;

  AvailabilityService(MongoClient mongo, MongoVisitStore visits, CareTeamService careTeams, AuditLog audit, Clock clock) {
    this.mongo = mongo;
    this.visits = visits;
    this.careTeams = careTeams;
    this.audit = audit;
    this.clock = clock;
  }

  /** Replaces the caller's own hours and time off. */
  public Future<JsonObject> put(Caller caller, Availability a) {
    return mongo.save(COLLECTION, a.toDoc())
        .compose(x -> audit.record(AuditEvent.of("availability.change", caller.userId(), caller.role().wire(), AuditEvent.SUCCESS)
            .from(caller.ip())))
        .map(x -> a.toJson());
  }

  /** A clinician's hours (clinicians only; hours are not patient data), or null when none are set. */
  public Future<JsonObject> get(String clinicianId) {
    return mongo.findOne(COLLECTION, new JsonObject().put("_id", clinicianId), null)
        .map(d -> d == null ? null : Availability.fromDoc(d).toJson());
  }

  Future<Map<String, Availability>> forClinicians(Collection<String> ids) {
    return mongo.find(COLLECTION, new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(new ArrayList<>(ids)))))
        .map(docs -> {
          Map<String, Availability> m = new HashMap<>();
          docs.forEach(d -> m.put(d.getString("_id"), Availability.fromDoc(d)));
          return m;
        });
  }

  /**
   * Proposes back-to-back pairs on {@code date} (in {@code zone}, the viewer's): a medication
   * review directly before or after a psychotherapy session, with the prescriber, the therapist
   * and the patient free and both clinicians inside their hours. Needs both clinicians' hours.
   */
  public Future<JsonObject> proposePairs(Caller caller, String patientId, LocalDate date, ZoneId zone, int medMinutes,
      int therapyMinutes) {
    return careTeams.authorize(caller, patientId).compose(team -> {
      if (team.prescriberId() == null || team.therapistId() == null) {
        throw ApiException.badRequest("not_combined_treatment", "Paired visits need a prescriber and a therapist on the care team.");
      }
      Instant dayStart = date.atStartOfDay(zone).toInstant();
      Instant dayEnd = date.plusDays(1).atStartOfDay(zone).toInstant();
      List<String> people = List.of(patientId, team.prescriberId(), team.therapistId());
      return Future.all(forClinicians(List.of(team.prescriberId(), team.therapistId())),
          visits.forParticipants(people, dayStart, dayEnd)).map(all -> {
            Map<String, Availability> hours = all.resultAt(0);
            List<Visit> busy = all.<List<Visit>>resultAt(1).stream().filter(v -> v.status().active()).toList();
            Availability pres = hours.get(team.prescriberId());
            Availability ther = hours.get(team.therapistId());
            JsonArray out = new JsonArray();
            if (pres != null && ther != null) {
              Instant earliest = clock.instant();
              for (Instant t = dayStart; t.isBefore(dayEnd) && out.size() < MAX_PROPOSALS; t = t.plus(STEP)) {
                if (!t.isAfter(earliest)) {
                  continue;
                }
                propose(out, t, VisitType.MEDICATION_REVIEW, medMinutes, pres, team.prescriberId(), VisitType.PSYCHOTHERAPY,
                    therapyMinutes, ther, team.therapistId(), patientId, busy, dayEnd);
                propose(out, t, VisitType.PSYCHOTHERAPY, therapyMinutes, ther, team.therapistId(), VisitType.MEDICATION_REVIEW,
                    medMinutes, pres, team.prescriberId(), patientId, busy, dayEnd);
              }
            }
            return new JsonObject().put("patientId", patientId).put("date", date.toString()).put("zone", zone.getId())
                .put("hoursSet", pres != null && ther != null).put("proposals", out);
          });
    });
  }

  private static void propose(JsonArray out, Instant t, VisitType firstType, int firstMin, Availability firstHours,
      String firstClin, VisitType secondType, int secondMin, Availability secondHours, String secondClin, String patientId,
      List<Visit> busy, Instant dayEnd) {
    Instant mid = t.plus(Duration.ofMinutes(firstMin));
    Instant end = mid.plus(Duration.ofMinutes(secondMin));
    if (end.isAfter(dayEnd) || !firstHours.covers(t, mid) || !secondHours.covers(mid, end)) {
      return;
    }
    if (busyDuring(busy, List.of(firstClin, patientId), t, mid) || busyDuring(busy, List.of(secondClin, patientId), mid, end)) {
      return;
    }
    out.add(new JsonObject().put("first", slot(firstType, t, firstMin, firstClin)).put("second", slot(secondType, mid, secondMin,
        secondClin)));
  }

  private static boolean busyDuring(List<Visit> busy, List<String> people, Instant from, Instant to) {
    for (Visit v : busy) {
      if (v.start().isBefore(to) && v.end().isAfter(from) && people.stream().anyMatch(v::isParticipant)) {
        return true;
      }
    }
    return false;
  }

  private static JsonObject slot(VisitType type, Instant start, int minutes, String clinician) {
    return new JsonObject().put("type", type.wire()).put("start", start.toString()).put("durationMinutes", minutes)
        .put("clinicianIds", new JsonArray().add(clinician));
  }
}

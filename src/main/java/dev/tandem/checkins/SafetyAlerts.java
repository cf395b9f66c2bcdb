package dev.tandem.checkins;

import dev.tandem.audit.AuditEvent;
import dev.tandem.audit.AuditLog;
import dev.tandem.config.CheckinsConfig;
import dev.tandem.http.ApiException;
import dev.tandem.identity.CareTeam;
import dev.tandem.identity.CareTeamService;
import dev.tandem.identity.Caller;
import dev.tandem.identity.Role;
import dev.tandem.store.Times;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle of every safety alert in {@code safetyAlerts}, whichever feature raised it (a
 * check-in answer here, crisis language in a message in messaging): open → acknowledged by a
 * clinician on the care team with a note. An open alert escalates, once per stage: to the
 * patient's navigator after {@code escalate-to-navigator-after}, then to every team member after
 * {@code escalate-to-team-after}. Live events go to {@code user.<id>}: "safety.alert",
 * "safety.escalated", "safety.acknowledged".
 */
public final class SafetyAlerts {
  private static final Logger LOG = LoggerFactory.getLogger(SafetyAlerts.class);
  private final Vertx vertx;
  private final CheckinStore store;
  private final CareTeamService careTeams;
  private final NoteCipher cipher;
  private final AuditLog audit;
  private final CheckinsConfig cfg;
  private final Clock clock;
  /** How old the in-memory open alerts may get before a read refreshes them (alerts from other nodes). */
  static final long OPEN_ALERTS_REFRESH_MILLIS = 5_000;
  private final OpenAlerts openAlerts;

  SafetyAlerts(Vertx vertx, CheckinStore store, CareTeamService careTeams, NoteCipher cipher, AuditLog audit, CheckinsConfig cfg,
      Clock clock) {
    this.vertx = vertx;
    this.store = store;
    this.careTeams = careTeams;
    this.cipher = cipher;
    this.audit = audit;
    this.cfg = cfg;
    this.clock = clock;
    this.openAlerts = new OpenAlerts(store, OPEN_ALERTS_REFRESH_MILLIS, clock);
    // Crisis-language alerts are stored by messaging.
    vertx.eventBus().<JsonObject>localConsumer(dev.tandem.messaging.MessageService.ALERT_STORED_ADDRESS,
        m -> {
          openAlerts.changed(m.body());
          m.reply(null);
        });
  }

  /** The care team of a patient, without a clinician caller (the system acting for the patient). */
  private Future<CareTeam> team(String patientId) {
    return careTeams.authorize(new Caller(patientId, Role.PATIENT, "", null, "system"), patientId);
  }

  /**
   * Stores an alert (its id makes raising idempotent) and, when it is new, tells every care-team
   * member live. Succeeds with true when this call raised it.
   */
  Future<Boolean> raise(JsonObject alert) {
    String patientId = alert.getString("patientId");
    JsonObject doc = alert.copy().put("_id", alert.getString("id")).put("status", "open").put("escalation", 0);
    doc.remove("id");
    return store.insertAlert(doc).compose(inserted -> {
      if (!inserted) {
        return Future.succeededFuture(false);
      }
      openAlerts.changed(doc);
      return team(patientId).compose(team -> {
        publish(team.members(), new JsonObject().put("type", "safety.alert").put("alert", view(doc)));
        return audit.record(AuditEvent.of("safety.alert", "system", "system", AuditEvent.SUCCESS).patient(patientId)
            .subject(alert.getString("id")).with("source", alert.getString("source", "checkin")));
      }).map(true);
    });
  }

  /** Open alerts of the patients the clinician may see (newest first). */
  public Future<JsonObject> open(Caller c) {
    if (!c.role().isClinician()) {
      return Future.failedFuture(ApiException.forbidden("Safety alerts are for the care team."));
    }
    return careTeams.teamsVisibleTo(c).compose(teams -> openAlerts.of(teams.stream().map(CareTeam::patientId).toList()))
        .map(list -> {
          JsonArray out = new JsonArray();
          list.stream().sorted(NEWEST_FIRST).forEach(a -> out.add(view(a)));
          return new JsonObject().put("alerts", out);
        });
  }

  Future<List<JsonObject>> openFor(Collection<String> patientIds) {
    return openAlerts.of(patientIds);
  }

  /**
   * Acknowledges an open alert with a note (encrypted at rest). Only a clinician on the patient's
   * care team; anyone else gets 404. 409 when it was already acknowledged. Audited.
   */
  public Future<JsonObject> acknowledge(Caller c, String alertId, String note) {
    if (!c.role().isClinician()) {
      return Future.failedFuture(ApiException.notFound("alert"));
    }
    return store.alert(alertId).compose(a -> {
      if (a == null) {
        return Future.failedFuture(ApiException.notFound("alert"));
      }
      String patientId = a.getString("patientId");
      return careTeams.authorize(c, patientId).recover(t -> Future.failedFuture(ApiException.notFound("alert")))
          .compose(team -> cipher.key(patientId).compose(dk -> {
            String now = Times.format(clock.instant());
            JsonObject set = new JsonObject().put("status", "acknowledged").put("acknowledgedAt", now)
                .put("acknowledgedBy", c.userId()).put("acknowledgedByName", c.name())
                .put("noteCt", cipher.seal(dk, note, "alert:" + alertId));
            return store.updateAlertIf(new JsonObject().put("_id", alertId).put("status", "open"), new JsonObject().put("$set", set))
                .compose(updated -> {
                  if (updated == null) {
                    return Future.failedFuture(ApiException.conflict("already_acknowledged", "This alert was already acknowledged."));
                  }
                  openAlerts.changed(updated);
                  JsonObject v = view(updated).put("note", note);
                  publish(team.members(), new JsonObject().put("type", "safety.acknowledged").put("alert", view(updated)));
                  return audit.record(AuditEvent.of("safety.acknowledge", c.userId(), c.role().wire(), AuditEvent.SUCCESS)
                      .from(c.ip()).patient(patientId).subject(alertId)).map(x -> new JsonObject().put("alert", v));
                });
          }));
    });
  }

  /**
   * Escalates every open alert whose time has come (clock-based; tests fix the clock). Each stage
   * is claimed with a conditional update, so two nodes or two runs escalate a stage once.
   * Succeeds with the number of escalations made.
   */
  public Future<Integer> escalateDue() {
    Instant now = clock.instant();
    // The open set in memory (at most the refresh time old for other nodes' alerts); each stage is
    // still claimed with a conditional update on the store.
    return openAlerts.of(null).compose(open -> {
      List<Future<Boolean>> all = new ArrayList<>();
      for (JsonObject a : open) {
        Instant created;
        try {
          created = Instant.parse(a.getString("createdAt"));
        } catch (RuntimeException e) {
          continue;
        }
        Duration age = Duration.between(created, now);
        int target = age.compareTo(cfg.escalateToTeam()) >= 0 ? 2 : age.compareTo(cfg.escalateToNavigator()) >= 0 ? 1 : 0;
        if (target > a.getInteger("escalation", 0)) {
          all.add(escalate(a, target, now));
        }
      }
      return Future.all(all).map(x -> (int) all.stream().filter(f -> Boolean.TRUE.equals(f.result())).count());
    });
  }

  private Future<Boolean> escalate(JsonObject a, int stage, Instant now) {
    String alertId = a.getString("_id");
    JsonObject filter = new JsonObject().put("_id", alertId).put("status", "open").put("$or", new JsonArray()
        .add(new JsonObject().put("escalation", new JsonObject().put("$exists", false)))
        .add(new JsonObject().put("escalation", new JsonObject().put("$lt", stage))));
    JsonObject set = new JsonObject().put("escalation", stage).put("escalatedAt", Times.format(now));
    return store.updateAlertIf(filter, new JsonObject().put("$set", set)).compose(updated -> {
      if (updated == null) {
        return Future.succeededFuture(false);
      }
      openAlerts.changed(updated);
      String patientId = updated.getString("patientId");
      return team(patientId).compose(team -> {
        Set<String> to = new LinkedHashSet<>();
        if (stage == 1 && team.navigatorId() != null) {
          to.add(team.navigatorId());
        } else {
          // Stage 2, or a team without a navigator: everyone on the team.
          to.addAll(team.members());
        }
        publish(to, new JsonObject().put("type", "safety.escalated").put("stage", stage == 1 ? "navigator" : "team")
            .put("alert", view(updated)));
        return audit.record(AuditEvent.of("safety.escalate", "system", "system", AuditEvent.SUCCESS).patient(patientId)
            .subject(alertId).with("stage", stage == 1 ? "navigator" : "team").with("notified", Integer.toString(to.size())));
      }).map(true);
    }).recover(t -> {
      LOG.warn("escalating alert {} failed: {}", alertId, t.toString());
      return Future.succeededFuture(false);
    });
  }

  /** The wire view: no ciphertext; "escalation" as the stage name. */
  /** Alert documents by creation time, newest first (times are fixed-width, so text order is time order). */
  static final java.util.Comparator<JsonObject> NEWEST_FIRST =
      (a, b) -> b.getString("createdAt", "").compareTo(a.getString("createdAt", ""));

  static JsonObject view(JsonObject doc) {
    JsonObject v = doc.copy();
    v.put("id", v.remove("_id"));
    v.remove("noteCt");
    int stage = doc.getInteger("escalation", 0);
    v.put("escalation", stage == 0 ? "none" : stage == 1 ? "navigator" : "team");
    return v;
  }

  private void publish(Collection<String> userIds, JsonObject event) {
    for (String u : userIds) {
      vertx.eventBus().publish("user." + u, event);
    }
  }
}

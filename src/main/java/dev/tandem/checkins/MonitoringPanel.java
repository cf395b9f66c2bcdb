package dev.tandem.checkins;

import dev.tandem.audit.AuditEvent;
import dev.tandem.audit.AuditLog;
import dev.tandem.http.ApiException;
import dev.tandem.identity.CareTeam;
import dev.tandem.identity.CareTeamService;
import dev.tandem.identity.Caller;
import dev.tandem.identity.IdentityService;
import dev.tandem.identity.User;
import dev.tandem.messaging.ConversationDirectory;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The remote-monitoring panel: a clinician's patients ordered by need (open safety alerts, then
 * reliable deterioration, then overdue check-ins, then unread messages). Reads only documents
 * keyed by patient id (summaries, schedules; held in memory by {@link SummaryCache}) plus open
 * alerts and messaging's unread counts, so it stays fast however many check-ins each patient has.
 */
public final class MonitoringPanel {
  private final CheckinService checkins;
  private final SafetyAlerts alerts;
  private final CareTeamService careTeams;
  private final IdentityService identity;
  private final ConversationDirectory conversations;
  private final AuditLog audit;
  private final Clock clock;

  MonitoringPanel(CheckinService checkins, SafetyAlerts alerts, CareTeamService careTeams, IdentityService identity,
      ConversationDirectory conversations, AuditLog audit, Clock clock) {
    this.checkins = checkins;
    this.alerts = alerts;
    this.careTeams = careTeams;
    this.identity = identity;
    this.conversations = conversations;
    this.audit = audit;
    this.clock = clock;
  }

  /** Open alerts listed per patient (newest first); {@code openAlerts} counts them all. */
  static final int ALERTS_SHOWN = 3;

  /** Clinicians only (403 otherwise). Audited as one read listing the patients shown. */
  public Future<JsonObject> panel(Caller c) {
    if (!c.role().isClinician()) {
      return Future.failedFuture(ApiException.forbidden("The monitoring panel is for the care team."));
    }
    Instant now = clock.instant();
    return careTeams.teamsVisibleTo(c).compose(teams -> {
      List<String> ids = teams.stream().map(CareTeam::patientId).toList();
      List<Future<?>> parts = List.of(checkins.cache.summaries(ids), checkins.cache.schedules(ids), alerts.openFor(ids), names(ids),
          unread(c, now));
      return Future.all(parts).map(all -> build(ids, all.resultAt(0), all.resultAt(1), all.resultAt(2), all.resultAt(3),
              all.resultAt(4), now));
    }).compose(rows -> audit.record(AuditEvent.of("checkins.read", c.userId(), c.role().wire(), AuditEvent.SUCCESS).from(c.ip())
        .with("view", "monitoring").with("patients", Integer.toString(rows.size())))
        .map(v -> new JsonObject().put("generatedAt", now.toString()).put("patients", rows)));
  }

  private JsonArray build(List<String> ids, Map<String, JsonObject> sum, Map<String, JsonObject> sched, List<JsonObject> open,
      Map<String, String> names, Map<String, Long> unread, Instant now) {
    Map<String, List<JsonObject>> alertsBy = new HashMap<>();
    open.forEach(a -> alertsBy.computeIfAbsent(a.getString("patientId"), k -> new ArrayList<>()).add(a));
    List<JsonObject> rows = new ArrayList<>();
    for (String id : ids) {
      JsonObject s = sum.get(id);
      JsonObject states = s == null || s.getJsonObject("instruments") == null ? new JsonObject() : s.getJsonObject("instruments");
      JsonObject latest = new JsonObject();
      boolean deteriorating = false;
      for (String ins : states.fieldNames()) {
        JsonObject st = states.getJsonObject(ins);
        JsonObject l = st.getJsonObject("latest");
        if (l == null) {
          continue;
        }
        JsonObject entry = new JsonObject().put("at", l.getString("at"));
        if (l.getValue("total") != null) {
          JsonObject ch = l.getJsonObject("change", new JsonObject());
          boolean worse = "deteriorated".equals(ch.getString("reliableFromBaseline")) || "deteriorated".equals(ch.getString("reliableFromPrevious"));
          deteriorating |= worse;
          JsonObject prev = st.getJsonObject("previous");
          Integer pt = prev == null ? null : prev.getInteger("total");
          int total = l.getInteger("total");
          entry.put("total", total).put("band", l.getString("band")).put("previous", pt).put("reliableDeterioration", worse)
              .put("response", ch.getBoolean("response", false)).put("remission", ch.getBoolean("remission", false))
              .put("trend", pt == null ? "none" : total < pt ? "improving" : total > pt ? "worsening" : "stable");
        } else {
          entry.put("values", l.getJsonObject("answers"));
        }
        latest.put(ins, entry);
      }
      JsonArray due = checkins.dueList(sched.get(id), s, now);
      JsonArray overdue = new JsonArray();
      due.forEach(d -> {
        if (((JsonObject) d).getBoolean("overdue")) {
          overdue.add(((JsonObject) d).getString("instrument"));
        }
      });
      String last = s == null ? null : s.getString("lastCheckinAt");
      List<JsonObject> pa = alertsBy.getOrDefault(id, List.of());
      // The newest few only (the count stays exact): a patient can have dozens open, and all of
      // them made both the response and the page unwieldy. The home page's Alerts panel lists all.
      JsonArray alertViews = new JsonArray();
      pa.stream().sorted(SafetyAlerts.NEWEST_FIRST).limit(ALERTS_SHOWN).forEach(a -> alertViews.add(SafetyAlerts.view(a)));
      rows.add(new JsonObject().put("patientId", id).put("name", names.get(id)).put("openAlerts", pa.size()).put("alerts", alertViews)
          .put("reliableDeterioration", deteriorating).put("overdue", overdue).put("unreadMessages", unread.getOrDefault(id, 0L))
          .put("latest", latest).put("lastCheckinAt", last)
          .put("daysSinceCheckin", last == null ? null : Duration.between(Instant.parse(last), now).toDays()));
    }
    rows.sort(Comparator.comparingInt(MonitoringPanel::tier).thenComparing(r -> -r.getInteger("openAlerts"))
        .thenComparing(r -> -r.getLong("unreadMessages"))
        .thenComparing(r -> r.getLong("daysSinceCheckin") == null ? Long.MIN_VALUE : -r.getLong("daysSinceCheckin"))
        .thenComparing(r -> String.valueOf(r.getString("name"))));
    JsonArray out = new JsonArray();
    for (JsonObject r : rows) {
      out.add(r.put("needs", switch (tier(r)) {
        case 0 -> "safety-alert";
        case 1 -> "deterioration";
        case 2 -> "overdue";
        case 3 -> "unread";
        default -> "none";
      }));
    }
    return out;
  }

  private static int tier(JsonObject r) {
    if (r.getInteger("openAlerts") > 0) {
      return 0;
    }
    if (r.getBoolean("reliableDeterioration")) {
      return 1;
    }
    if (!r.getJsonArray("overdue").isEmpty()) {
      return 2;
    }
    return r.getLong("unreadMessages") > 0 ? 3 : 4;
  }

  // ---- the panel's inputs from other features ---------------------------------------------

  /**
   * Unread message counts per patient for this clinician, from messaging's directory. Listing
   * every conversation of hundreds of patients is the panel's most expensive input, so the last
   * answer is served while it is younger than {@link #UNREAD_FRESH} and refreshed in the
   * background while younger than {@link #UNREAD_MAX}; older, the panel waits for a fresh one.
   * Safety alerts and scores are never served from this cache.
   */
  static final Duration UNREAD_FRESH = Duration.ofSeconds(5);
  static final Duration UNREAD_MAX = Duration.ofSeconds(60);
  private final Map<String, Stamped<Map<String, Long>>> unreadBy = new HashMap<>();
  private final Map<String, Future<Map<String, Long>>> unreadLoading = new HashMap<>();
  private final Map<String, Stamped<String>> nameBy = new HashMap<>();
  private static final Duration NAMES_FOR = Duration.ofMinutes(5);

  private record Stamped<T>(T value, Instant at) {
  }

  private Future<Map<String, Long>> unread(Caller c, Instant now) {
    Stamped<Map<String, Long>> s = unreadBy.get(c.userId());
    Duration age = s == null ? null : Duration.between(s.at(), now);
    if (s != null && age.compareTo(UNREAD_MAX) < 0) {
      if (age.compareTo(UNREAD_FRESH) >= 0) {
        loadUnread(c, now);
      }
      return Future.succeededFuture(s.value());
    }
    return loadUnread(c, now);
  }

  private Future<Map<String, Long>> loadUnread(Caller c, Instant now) {
    Future<Map<String, Long>> running = unreadLoading.get(c.userId());
    if (running != null) {
      return running;
    }
    Future<Map<String, Long>> f = conversations.list(c).map(convs -> {
      Map<String, Long> unread = new HashMap<>();
      convs.getJsonArray("conversations", new JsonArray()).forEach(o -> {
        JsonObject x = (JsonObject) o;
        unread.merge(x.getString("patientId"), x.getLong("unread", 0L), Long::sum);
      });
      if (unreadBy.size() > 10_000) {
        unreadBy.clear();
      }
      unreadBy.put(c.userId(), new Stamped<>(unread, now));
      return unread;
    });
    unreadLoading.put(c.userId(), f);
    return f.onComplete(x -> unreadLoading.remove(c.userId()));
  }

  /** Patient names (they rarely change; kept a few minutes). */
  private Future<Map<String, String>> names(List<String> ids) {
    Instant now = clock.instant();
    Map<String, String> out = new HashMap<>();
    List<String> missing = new ArrayList<>();
    for (String id : ids) {
      Stamped<String> s = nameBy.get(id);
      if (s != null && Duration.between(s.at(), now).compareTo(NAMES_FOR) < 0) {
        out.put(id, s.value());
      } else {
        missing.add(id);
      }
    }
    if (missing.isEmpty()) {
      return Future.succeededFuture(out);
    }
    return identity.users(missing).map(users -> {
      if (nameBy.size() > 100_000) {
        nameBy.clear();
      }
      for (User u : users) {
        out.put(u.id(), u.name());
        nameBy.put(u.id(), new Stamped<>(u.name(), now));
      }
      return out;
    });
  }
}

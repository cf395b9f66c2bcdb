package dev.tandem.checkins;

import dev.tandem.identity.Caller;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Demo check-in history, seeded through the same services the API uses: schedules, about 60 days
 * of daily check-ins and fortnightly PHQ-9/GAD-7 per demo patient with distinct courses (Ana
 * improving after a sertraline dose change, Chloe reliably worse, David overdue, Eve with an
 * open safety alert), and Ana's medication start and dose change.
 */
final class DemoCheckins {
  private static final Logger LOG = LoggerFactory.getLogger(DemoCheckins.class);
  private static final int DAYS = 60;
  private final Checkins f;
  private final Clock clock;

  DemoCheckins(Checkins f, Clock clock) {
    this.f = f;
    this.clock = clock;
  }

  /** {@code who}: demo key (ana, rivera, ...) to caller. */
  Future<Void> seed(Map<String, Caller> who, boolean withHistory) {
    Caller rivera = who.get("rivera");
    Caller okafor = who.get("okafor");
    Instant today = clock.instant().truncatedTo(ChronoUnit.DAYS);
    Future<Void> chain = Future.succeededFuture();
    Object[][] plan = plan(rivera, okafor);
    for (Object[] p : plan) {
      Caller patient = who.get((String) p[0]);
      Caller clinician = (Caller) p[1];
      chain = chain.compose(v -> schedule(clinician, patient.userId()));
    }
    if (withHistory) {
      historyLater(who, plan, today);
    }
    Caller ana = who.get("ana");
    return chain.compose(v -> f.timeline.addMedication(rivera, ana.userId(), new Timeline.MedicationEvent("start", "Sertraline", "50 mg daily",
        "Major depressive episode; first-line SSRI.", today.minus(Duration.ofDays(56)).plus(Duration.ofHours(15)))))
        .compose(v -> f.timeline.addMedication(rivera, ana.userId(), new Timeline.MedicationEvent("dose-change", "Sertraline",
            "100 mg daily", "Partial response at 4 weeks, tolerating well.", today.minus(Duration.ofDays(28)).plus(Duration.ofHours(15)))))
        .mapEmpty();
  }

  /**
   * The ~60 days of history (about 400 responses per patient) load a few seconds after start-up,
   * so they never compete with it.
   */
  private void historyLater(Map<String, Caller> who, Object[][] plan, Instant today) {
    f.vertx().setTimer(3000, id -> loadHistory(who, plan, today)
        .onFailure(t -> LOG.warn("demo check-in history not loaded: {}", t.toString())));
  }

  private Future<Void> loadHistory(Map<String, Caller> who, Object[][] plan, Instant today) {
    Future<Void> history = Future.succeededFuture();
    for (Object[] p : plan) {
      Caller patient = who.get((String) p[0]);
      history = history.compose(v -> history(patient, (String) p[0], today, (Integer) p[2], (Integer) p[3], (Integer) p[4]));
    }
    return history;
  }

  /**
   * A later start of a demo clinic (called 3 s after it): the history loads 3 s after the first
   * start, so a server stopped sooner never had it. It loads now when the last patient it reaches
   * (Eve) has no daily check-in; the uploads are idempotent by their client ids, so a partial
   * load completes.
   */
  Future<Void> resumeHistory(Map<String, Caller> who) {
    Object[][] plan = plan(who.get("rivera"), who.get("okafor"));
    Caller last = who.get((String) plan[plan.length - 1][0]);
    if (last == null) {
      return Future.succeededFuture();
    }
    return f.checkins.cache.summary(last.userId()).map(summary -> {
      JsonObject instruments = summary.getJsonObject("instruments");
      return instruments == null || instruments.getJsonObject("daily") == null;
    }).compose(missing -> missing ? loadHistory(who, plan, clock.instant().truncatedTo(ChronoUnit.DAYS)) : Future.succeededFuture());
  }

  /** PHQ-9 course per patient: {key, clinician, start, end, days since the last check-in}; daily mood follows it. */
  private static Object[][] plan(Caller rivera, Caller okafor) {
    return new Object[][] {
        {"ana", rivera, 17, 7, 0}, {"ben", rivera, 8, 7, 0}, {"chloe", rivera, 5, 16, 0}, {"david", okafor, 12, 10, 5},
        {"eve", rivera, 14, 15, 0}};
  }

  private Future<Void> schedule(Caller clinician, String patientId) {
    return f.checkins.assign(clinician, patientId, "phq-9", 14).compose(v -> f.checkins.assign(clinician, patientId, "gad-7", 14))
        .compose(v -> f.checkins.assign(clinician, patientId, "daily", 1)).mapEmpty();
  }

  private Future<Void> history(Caller patient, String key, Instant today, int phqStart, int phqEnd, int stoppedDaysAgo) {
    Random rnd = new Random(key.hashCode());
    JsonArray all = new JsonArray();
    for (int d = DAYS; d >= stoppedDaysAgo + 1; d--) {
      double progress = (DAYS - d) / (double) DAYS;
      int phq = (int) Math.round(phqStart + (phqEnd - phqStart) * progress + rnd.nextGaussian());
      Instant at = today.minus(Duration.ofDays(d)).plus(Duration.ofHours(20)).plus(Duration.ofMinutes(rnd.nextInt(90)));
      if (rnd.nextInt(10) > 0) { // a missed day now and then
        all.add(daily(key, d, at, phq, rnd));
      }
      if (d % 14 == 0) {
        boolean lastOfEve = "eve".equals(key) && d == 14;
        all.add(scale("phq-9", key, d, at.plusSeconds(60), 9, Math.max(0, Math.min(27, phq)), lastOfEve, rnd));
        all.add(scale("gad-7", key, d, at.plusSeconds(120), 7, Math.max(0, Math.min(21, phq * 3 / 4)), false, rnd));
      }
    }
    int size = Math.min(100, f.cfg.maxBatch());
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < all.size(); i += size) {
      JsonArray part = new JsonArray(new ArrayList<>(all.getList().subList(i, Math.min(all.size(), i + size))));
      chain = chain.compose(v -> f.checkins.upload(patient, patient.userId(), part, true).mapEmpty());
    }
    return chain;
  }

  private static JsonObject daily(String key, int d, Instant at, int phq, Random rnd) {
    int mood = clamp(10 - phq / 2 + rnd.nextInt(3) - 1, 0, 10);
    int anxiety = clamp(phq / 3 + rnd.nextInt(3), 0, 10);
    JsonObject answers = new JsonObject().put("mood", mood).put("anxiety", anxiety).put("sleep-hours", 5 + rnd.nextInt(8) / 2.0)
        .put("medication", rnd.nextInt(8) == 0 ? "partly" : "yes");
    JsonArray effects = new JsonArray();
    if ("ana".equals(key) && d < 28 && d > 14 && rnd.nextBoolean()) {
      effects.add(new JsonObject().put("effect", "restlessness").put("severity", "mild"));
    }
    answers.put("side-effects", effects);
    if (d == 3) {
      answers.put("note", "ana".equals(key) ? "Mornings are easier now. Walked to the market twice this week."
          : "Busy week at work, slept badly on Tuesday.");
    }
    return new JsonObject().put("clientId", "demo-" + key + "-daily-" + d).put("instrument", "daily").put("answeredAt", at.toString())
        .put("answers", answers);
  }

  private static JsonObject scale(String instrument, String key, int d, Instant at, int items, int total, boolean item9, Random rnd) {
    int[] v = new int[items];
    int left = total - (item9 ? 1 : 0);
    if (item9) {
      v[items - 1] = 1;
    }
    // Spread the total over the items (item 9 stays 0 unless asked), at most 3 each.
    int spread = "phq-9".equals(instrument) ? items - 1 : items;
    while (left > 0) {
      int i = rnd.nextInt(spread);
      if (v[i] < 3) {
        v[i]++;
        left--;
      }
    }
    JsonObject answers = new JsonObject();
    String prefix = "phq-9".equals(instrument) ? "phq9-" : "gad7-";
    for (int i = 0; i < items; i++) {
      answers.put(prefix + (i + 1), v[i]);
    }
    return new JsonObject().put("clientId", "demo-" + key + "-" + instrument + "-" + d).put("instrument", instrument)
        .put("answeredAt", at.toString()).put("answers", answers);
  }

  private static int clamp(int v, int lo, int hi) {
    return Math.max(lo, Math.min(hi, v));
  }
}

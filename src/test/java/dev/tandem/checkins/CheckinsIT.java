package dev.tandem.checkins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ca.uhn.fhir.context.FhirContext;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Filters;
import dev.tandem.testing.LiveSocket;
import dev.tandem.testing.Http;
import dev.tandem.testing.MutableClock;
import dev.tandem.testing.TestTandem;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.bson.Document;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Check-ins through the real server, WebSocket and embedded store: uploads (single, batch,
 * idempotent, validated), scoring and change rules, safety alerts live to the care team, their
 * acknowledgement and escalation on a fixed clock, the trend with medication events and visits,
 * the monitoring panel, FHIR export parsed back with HAPI, and who may do what.
 */
@ExtendWith(VertxExtension.class)
class CheckinsIT {
  static TestTandem tandem;
  static MongoClient mongo;
  static Vertx vertx;

  record Who(String id, String token, Http http) {
  }

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    tandem = TestTandem.start(v, Map.of("identity.session.idle-timeout", "1d", "identity.session.absolute-lifetime", "30d",
        "identity.password.argon2-memory-kib", "1024", "identity.password.argon2-iterations", "1", "checkins.max-batch", "10"),
        Files.createTempDirectory("tandem-checkins"), MutableClock.startingNow());
    mongo = MongoClients.create(tandem.mongoUri());
  }

  @AfterAll
  static void stop() {
    mongo.close();
    tandem.close();
  }

  static Who login(String key) {
    JsonObject r = tandem.client().post("/api/v1/auth/login", new JsonObject().put("email", key + "@tandem-demo.org")
        .put("password", TestTandem.DEMO_PASSWORD).put("client", "app")).expect(200).json();
    return new Who(r.getJsonObject("user").getString("id"), r.getString("token"), tandem.client().withBearer(r.getString("token")));
  }

  /** Moves the clock and signs rivera in again (sessions expire across long jumps). */
  static Who advanceAndLogin(Duration d, String key) {
    tandem.clock().advance(d);
    return login(key);
  }

  static String now() {
    return tandem.clock().instant().toString();
  }

  static JsonObject phq9(String clientId, int[] v) {
    JsonObject a = new JsonObject();
    for (int i = 0; i < 9; i++) {
      a.put("phq9-" + (i + 1), v[i]);
    }
    return new JsonObject().put("clientId", clientId).put("instrument", "phq-9").put("answeredAt", now()).put("answers", a);
  }

  /** PHQ-9 answers adding to {@code total} with item 9 as given. */
  static int[] phq(int total, int item9) {
    int[] v = new int[9];
    v[8] = item9;
    int left = total - item9;
    for (int i = 0; i < 8 && left > 0; i++) {
      v[i] = Math.min(3, left);
      left -= v[i];
    }
    return v;
  }

  static JsonObject daily(String clientId, String answeredAt, String note) {
    JsonObject a = new JsonObject().put("mood", 6).put("anxiety", 4).put("sleep-hours", 7).put("medication", "yes")
        .put("side-effects", new JsonArray());
    if (note != null) {
      a.put("note", note);
    }
    return new JsonObject().put("clientId", clientId).put("instrument", "daily").put("answeredAt", answeredAt).put("answers", a);
  }

  static String cid() {
    return "t-" + UUID.randomUUID();
  }

  /** A new patient invited by rivera (care team: rivera only), with no check-ins yet. */
  static String freshPatient(Who rivera) {
    String email = "ci-" + UUID.randomUUID().toString().substring(0, 8) + "@tandem-demo.org";
    return rivera.http().post("/api/v1/patients", new JsonObject().put("email", email).put("name", "Test Patient"))
        .expect(201).json().getJsonObject("patient").getString("id");
  }

  static Predicate<JsonObject> alertOf(String patientId, String type) {
    return e -> type.equals(e.getString("type")) && e.getJsonObject("alert") != null
        && patientId.equals(e.getJsonObject("alert").getString("patientId"));
  }

  // ---- uploads -----------------------------------------------------------------------------

  @Test
  void aResponseIsScoredOnArrivalAndARetryWithTheSameClientIdIsADuplicate() {
    Who ben = login("ben");
    String id = cid();
    JsonObject body = phq9(id, phq(7, 0));
    JsonObject first = ben.http().post("/api/v1/patients/" + ben.id() + "/checkins", body).expect(201).json();
    assertEquals("accepted", first.getString("status"));
    assertEquals(7, first.getJsonObject("response").getInteger("total"));
    assertEquals("mild", first.getJsonObject("response").getString("band"));
    assertNull(first.getValue("crisis"));
    JsonObject again = ben.http().post("/api/v1/patients/" + ben.id() + "/checkins", body).expect(200).json();
    assertEquals("duplicate", again.getString("status"));
    assertEquals(7, again.getJsonObject("response").getInteger("total"));
    assertEquals(1, mongo.getDatabase("tandem").getCollection("checkinResponses").countDocuments(Filters.eq("clientId", id)));
  }

  @Test
  void aBatchMixingGoodDuplicateAndBadItemsAnswersPerItemAndStoresOnlyTheGoodOnes() {
    Who chloe = login("chloe");
    String path = "/api/v1/patients/" + chloe.id() + "/checkins";
    String stored = cid();
    chloe.http().post(path, daily(stored, now(), null)).expect(201);
    String good1 = cid();
    String good2 = cid();
    JsonObject badMood = daily(cid(), now(), null);
    badMood.getJsonObject("answers").put("mood", 11);
    JsonArray batch = new JsonArray()
        .add(daily(good1, now(), null))
        .add(daily(stored, now(), null))
        .add(badMood)
        .add(daily(cid(), tandem.clock().instant().plus(Duration.ofHours(1)).toString(), null))
        .add(daily(cid(), "2001-01-01T00:00:00Z", null))
        .add(daily(good2, now(), null).put("instrument", "phq-10"))
        .add(daily(good1, now(), null))
        .add(new JsonObject().put("clientId", new JsonObject().put("$gt", "")))
        .add(daily(good2, now(), null));
    JsonObject r = chloe.http().post(path, new JsonObject().put("responses", batch)).expect(200).json();
    JsonArray res = r.getJsonArray("results");
    assertEquals(9, res.size());
    String[] expected = {"accepted", "duplicate", "rejected", "rejected", "rejected", "rejected", "duplicate", "rejected", "accepted"};
    for (int i = 0; i < expected.length; i++) {
      assertEquals(i, res.getJsonObject(i).getInteger("index"));
      assertEquals(expected[i], res.getJsonObject(i).getString("status"), "item " + i + ": " + res.getJsonObject(i));
    }
    assertTrue(res.getJsonObject(2).getString("reason").startsWith("answers.mood"));
    assertTrue(res.getJsonObject(3).getString("reason").contains("future"));
    assertTrue(res.getJsonObject(4).getString("reason").contains("before the patient enrolled"));
    assertTrue(res.getJsonObject(5).getString("reason").startsWith("instrument"));
    assertTrue(res.getJsonObject(7).getString("reason").startsWith("clientId"));
    assertEquals(2, r.getInteger("accepted"));
    var coll = mongo.getDatabase("tandem").getCollection("checkinResponses");
    assertEquals(1, coll.countDocuments(Filters.eq("_id", chloe.id() + ":" + good1)));
    assertEquals(1, coll.countDocuments(Filters.eq("_id", chloe.id() + ":" + good2)));
    assertEquals(1, coll.countDocuments(Filters.eq("_id", chloe.id() + ":" + stored)));
    // Every stored response is complete.
    Document d = coll.find(Filters.eq("_id", chloe.id() + ":" + good2)).first();
    assertEquals("daily", d.getString("instrument"));
    assertNotNull(d.get("answers"));
  }

  @Test
  void aBatchLargerThanTheLimitOrAMalformedBodyIsRefusedAndWritesNothing() {
    Who david = login("david");
    String path = "/api/v1/patients/" + david.id() + "/checkins";
    JsonArray big = new JsonArray();
    String marker = cid();
    for (int i = 0; i < 11; i++) {
      big.add(daily(marker + "-" + i, now(), null));
    }
    assertEquals("batch_too_large", david.http().post(path, new JsonObject().put("responses", big)).expect(400).errorCode());
    assertEquals(0, mongo.getDatabase("tandem").getCollection("checkinResponses").countDocuments(Filters.regex("clientId", "^" + marker)));
    assertEquals(400, david.http().send("POST", path, "{not json", Map.of("Content-Type", "application/json")).status());
    assertEquals(400, david.http().send("POST", path, "[1,2]", Map.of("Content-Type", "application/json")).status());
    assertEquals(400, david.http().post(path, new JsonObject().put("responses", "x")).status());
    assertEquals("invalid_response", david.http().post(path, daily(cid(), now(), null).put("extra", 1)).expect(400).errorCode());
    assertEquals(400, david.http().post(path, new JsonObject().put("clientId", new JsonObject().put("$gt", ""))).status());
  }

  @Test
  void aNoteIsEncryptedAtRestAndReadBackByTheCareTeamAndTheScoredEventNeverCarriesIt() throws Exception {
    Who eve = login("eve");
    Who okafor = login("okafor");
    String id = cid();
    java.util.concurrent.CompletableFuture<JsonObject> scored = new java.util.concurrent.CompletableFuture<>();
    MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(CheckinService.SCORED_ADDRESS, m -> {
      if ((eve.id() + ":" + id).equals(m.body().getString("responseId"))) {
        scored.complete(m.body());
      }
    });
    try {
      String note = "Secret sentence " + UUID.randomUUID();
      eve.http().post("/api/v1/patients/" + eve.id() + "/checkins", daily(id, now(), note)).expect(201);
      Document raw = mongo.getDatabase("tandem").getCollection("checkinResponses").find(Filters.eq("_id", eve.id() + ":" + id)).first();
      assertFalse(raw.toJson().contains("Secret sentence"), "the note is not stored in clear");
      assertFalse(((Document) raw.get("answers")).containsKey("note"));
      String month = tandem.clock().instant().toString().substring(0, 7);
      JsonArray list = okafor.http().get("/api/v1/patients/" + eve.id() + "/checkins?month=" + month).expect(200).json()
          .getJsonArray("responses");
      JsonObject mine = list.stream().map(o -> (JsonObject) o).filter(o -> o.getString("clientId").equals(id)).findFirst().orElseThrow();
      assertEquals(note, mine.getJsonObject("answers").getString("note"));
      JsonObject ev = scored.get(5, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals("daily", ev.getString("instrument"));
      assertEquals(eve.id(), ev.getString("patientId"));
      assertEquals(6, ev.getJsonObject("answers").getInteger("mood"));
      assertFalse(ev.getJsonObject("answers").containsKey("note"));
      assertFalse(ev.encode().contains("Secret sentence"));
      assertNull(ev.getValue("total"));
      Instant.parse(ev.getString("answeredAt"));
    } finally {
      consumer.unregister();
    }
  }

  // ---- change rules through the API --------------------------------------------------------

  @Test
  void changeIsJudgedAgainstBaselineAndPreviousScore() {
    Who rivera = login("rivera");
    String p = freshPatient(rivera);
    String path = "/api/v1/patients/" + p + "/checkins";
    tandem.clock().advance(Duration.ofMinutes(1));
    JsonObject r1 = rivera.http().post(path, phq9(cid(), phq(20, 0))).expect(201).json().getJsonObject("response");
    assertEquals("severe", r1.getString("band"));
    assertNull(r1.getJsonObject("change").getString("reliableFromPrevious"));
    rivera = advanceAndLogin(Duration.ofDays(14), "rivera");
    JsonObject r2 = rivera.http().post(path, phq9(cid(), phq(16, 0))).expect(201).json().getJsonObject("response").getJsonObject("change");
    assertEquals("none", r2.getString("reliableFromPrevious")); // 20 -> 16: 4 points
    assertFalse(r2.getBoolean("response"));
    rivera = advanceAndLogin(Duration.ofDays(14), "rivera");
    JsonObject r3 = rivera.http().post(path, phq9(cid(), phq(10, 0))).expect(201).json().getJsonObject("response").getJsonObject("change");
    assertEquals("improved", r3.getString("reliableFromPrevious")); // 16 -> 10
    assertEquals("improved", r3.getString("reliableFromBaseline")); // 20 -> 10
    assertTrue(r3.getBoolean("response")); // 50% of 20
    assertFalse(r3.getBoolean("remission"));
    rivera = advanceAndLogin(Duration.ofDays(14), "rivera");
    JsonObject r4 = rivera.http().post(path, phq9(cid(), phq(4, 0))).expect(201).json().getJsonObject("response").getJsonObject("change");
    assertTrue(r4.getBoolean("remission"));
    assertEquals(20, r4.getInteger("baseline"));
    assertEquals(10, r4.getInteger("previous"));
    rivera = advanceAndLogin(Duration.ofDays(14), "rivera");
    JsonObject r5 = rivera.http().post(path, phq9(cid(), phq(9, 0))).expect(201).json();
    assertEquals("deteriorated", r5.getJsonObject("response").getJsonObject("change").getString("reliableFromPrevious"));
    assertNotNull(r5.getJsonObject("crisis"), "a rise of 5 points raises an alert and shows crisis resources");
  }

  // ---- safety alerts -----------------------------------------------------------------------

  @Test
  void phq9Item9AboveZeroAlertsEveryOnlineCareTeamMemberWithinASecondAndShowsThePatientCrisisResources() {
    Who ana = login("ana");
    Who rivera = login("rivera");
    Who okafor = login("okafor");
    Who lee = login("lee");
    try (LiveSocket rs = LiveSocket.connect(tandem.port(), rivera.token(), "rivera");
        LiveSocket os = LiveSocket.connect(tandem.port(), okafor.token(), "okafor");
        LiveSocket ls = LiveSocket.connect(tandem.port(), lee.token(), "lee");
        LiveSocket as = LiveSocket.connect(tandem.port(), ana.token(), "ana")) {
      long t0 = System.nanoTime();
      JsonObject r = ana.http().post("/api/v1/patients/" + ana.id() + "/checkins", phq9(cid(), phq(9, 1))).expect(201).json();
      JsonObject crisis = r.getJsonObject("crisis");
      assertNotNull(crisis, "the patient sees crisis resources at once");
      assertTrue(crisis.getString("resources").contains("988"));
      for (LiveSocket s : List.of(rs, os, ls)) {
        Duration left = Duration.ofSeconds(1).minusNanos(System.nanoTime() - t0);
        JsonObject alert = s.await(alertOf(ana.id(), "safety.alert"), left.isNegative() ? Duration.ZERO : left).getJsonObject("alert");
        assertEquals("checkin", alert.getString("source"));
        assertEquals("Ana García", alert.getString("patientName"));
        assertEquals("urgent", alert.getString("severity"));
        assertEquals("open", alert.getString("status"));
        assertEquals(r.getJsonObject("response").getString("id"), alert.getString("responseId"));
      }
      // The patient does not receive the team's alert (barrier: a later event reaches ana's socket).
      rivera.http().post("/api/v1/conversations/p-" + ana.id() + "/messages", new JsonObject().put("clientId", cid()).put("body", "Hi Ana"));
      as.await(e -> "message".equals(e.getString("type")), Duration.ofSeconds(5));
      assertEquals(0, as.count(e -> "safety.alert".equals(e.getString("type"))));
      // It stays open until acknowledged: listed for the team.
      JsonArray open = lee.http().get("/api/v1/safety-alerts").expect(200).json().getJsonArray("alerts");
      assertTrue(open.stream().anyMatch(o -> ((JsonObject) o).getString("responseId", "").equals(r.getJsonObject("response").getString("id"))));
    }
  }

  @Test
  void anAlertReachesOnlyThePatientsOwnCareTeam() {
    Who chloe = login("chloe"); // team: rivera only
    Who rivera = login("rivera");
    Who okafor = login("okafor");
    try (LiveSocket rs = LiveSocket.connect(tandem.port(), rivera.token(), "rivera");
        LiveSocket os = LiveSocket.connect(tandem.port(), okafor.token(), "okafor")) {
      chloe.http().post("/api/v1/patients/" + chloe.id() + "/checkins", phq9(cid(), phq(12, 2))).expect(201);
      rs.await(alertOf(chloe.id(), "safety.alert"), Duration.ofSeconds(2));
      // Barrier for okafor: an alert of a patient okafor is on (ben) arrives after chloe's would have.
      Who ben = login("ben");
      ben.http().post("/api/v1/patients/" + ben.id() + "/checkins", phq9(cid(), phq(12, 1))).expect(201);
      os.await(alertOf(ben.id(), "safety.alert"), Duration.ofSeconds(2));
      assertEquals(0, os.count(alertOf(chloe.id(), "safety.alert")));
    }
  }

  @Test
  void anAlertIsAcknowledgedOnceWithANoteByAClinicianOnTheTeamAndAudited() {
    Who ben = login("ben"); // team: rivera, okafor
    Who rivera = login("rivera");
    Who okafor = login("okafor");
    Who lee = login("lee"); // not on ben's team
    JsonObject r = ben.http().post("/api/v1/patients/" + ben.id() + "/checkins", phq9(cid(), phq(6, 1))).expect(201).json();
    String alertId = CheckinService.alertId(r.getJsonObject("response").getString("id"));
    String path = "/api/v1/safety-alerts/" + alertId + "/acknowledge";
    assertEquals(403, ben.http().post(path, new JsonObject().put("note", "x")).status(), "patients do not acknowledge");
    assertEquals(404, lee.http().post(path, new JsonObject().put("note", "x")).status(), "off the team: as if it did not exist");
    assertEquals(404, rivera.http().post("/api/v1/safety-alerts/nope/acknowledge", new JsonObject().put("note", "x")).status());
    assertEquals(400, rivera.http().post(path, new JsonObject().put("note", "  ")).status(), "a note is required");
    assertEquals(400, rivera.http().post(path, new JsonObject()).status());
    try (LiveSocket os = LiveSocket.connect(tandem.port(), okafor.token(), "okafor")) {
      JsonObject ack = rivera.http().post(path, new JsonObject().put("note", "Called Ben; safe, plan agreed.")).expect(200).json()
          .getJsonObject("alert");
      assertEquals("acknowledged", ack.getString("status"));
      assertEquals(rivera.id(), ack.getString("acknowledgedBy"));
      assertEquals("Called Ben; safe, plan agreed.", ack.getString("note"));
      os.await(e -> "safety.acknowledged".equals(e.getString("type")) && alertId.equals(e.getJsonObject("alert").getString("id")),
          Duration.ofSeconds(2));
    }
    assertEquals("already_acknowledged", okafor.http().post(path, new JsonObject().put("note", "me too")).expect(409).errorCode());
    Document stored = mongo.getDatabase("tandem").getCollection("safetyAlerts").find(Filters.eq("_id", alertId)).first();
    assertFalse(stored.toJson().contains("plan agreed"), "the acknowledgement note is encrypted at rest");
    assertEquals(1, mongo.getDatabase("tandem").getCollection("audit").countDocuments(Filters.and(Filters.eq("type", "safety.acknowledge"),
        Filters.eq("subjectId", alertId))));
    JsonArray open = rivera.http().get("/api/v1/safety-alerts").expect(200).json().getJsonArray("alerts");
    assertTrue(open.stream().noneMatch(o -> alertId.equals(((JsonObject) o).getString("id"))));
  }

  @Test
  void anUnacknowledgedAlertEscalatesToTheNavigatorThenToEveryoneOncePerStage() {
    Who eve = login("eve"); // team: rivera, okafor, lee (navigator)
    Who rivera = login("rivera");
    Who lee = login("lee");
    SafetyAlerts alerts = tandem.app().checkins().alerts;
    // Earlier tests' alerts are escalated out of the way first, so this one's events stand alone.
    tandem.clock().advance(Duration.ofHours(1));
    alerts.escalateDue().toCompletionStage().toCompletableFuture().join();
    try (LiveSocket rs = LiveSocket.connect(tandem.port(), rivera.token(), "rivera");
        LiveSocket ls = LiveSocket.connect(tandem.port(), lee.token(), "lee")) {
      JsonObject r = eve.http().post("/api/v1/patients/" + eve.id() + "/checkins", phq9(cid(), phq(10, 2))).expect(201).json();
      String alertId = CheckinService.alertId(r.getJsonObject("response").getString("id"));
      Predicate<JsonObject> escalated = e -> "safety.escalated".equals(e.getString("type"))
          && alertId.equals(e.getJsonObject("alert").getString("id"));
      tandem.clock().advance(Duration.ofMinutes(14));
      alerts.escalateDue().toCompletionStage().toCompletableFuture().join();
      tandem.clock().advance(Duration.ofMinutes(2)); // 16 minutes: the navigator
      alerts.escalateDue().toCompletionStage().toCompletableFuture().join();
      JsonObject nav = ls.await(escalated, Duration.ofSeconds(2));
      assertEquals("navigator", nav.getString("stage"));
      tandem.clock().advance(Duration.ofMinutes(15)); // 31 minutes: everyone
      alerts.escalateDue().toCompletionStage().toCompletableFuture().join();
      assertEquals("team", rs.await(escalated, Duration.ofSeconds(2)).getString("stage"));
      assertEquals("team", ls.await(e -> escalated.test(e) && "team".equals(e.getString("stage")), Duration.ofSeconds(2)).getString("stage"));
      assertEquals(0, alerts.escalateDue().toCompletionStage().toCompletableFuture().join(), "each stage happens once");
      assertEquals(1, rs.count(escalated), "the prescriber was not part of the navigator stage");
      assertEquals(2, ls.count(escalated));
      Document stored = mongo.getDatabase("tandem").getCollection("safetyAlerts").find(Filters.eq("_id", alertId)).first();
      assertEquals(2, stored.getInteger("escalation"));
      assertEquals("open", stored.getString("status"));
    }
  }

  @Test
  void aCrisisAlertFromMessagingJoinsTheSameLifecycle() {
    Who david = login("david"); // team: okafor, lee
    Who okafor = login("okafor");
    JsonObject sent = david.http().post("/api/v1/conversations/p-" + david.id() + "/messages",
        new JsonObject().put("clientId", cid()).put("body", "I want to kill myself")).expect(201).json();
    assertNotNull(sent.getJsonObject("crisis"));
    JsonObject alert = okafor.http().get("/api/v1/safety-alerts").expect(200).json().getJsonArray("alerts").stream()
        .map(o -> (JsonObject) o).filter(a -> "message".equals(a.getString("source")) && david.id().equals(a.getString("patientId")))
        .findFirst().orElseThrow();
    JsonObject ack = okafor.http().post("/api/v1/safety-alerts/" + alert.getString("id") + "/acknowledge",
        new JsonObject().put("note", "Spoke with David.")).expect(200).json().getJsonObject("alert");
    assertEquals("acknowledged", ack.getString("status"));
  }

  // ---- schedules, trend, panel, FHIR -------------------------------------------------------

  @Test
  void anAssignedInstrumentIsDueAtOnceOverdueADayLaterAndNotDueAfterAnAnswer() {
    Who rivera = login("rivera");
    String p = freshPatient(rivera);
    String base = "/api/v1/patients/" + p + "/checkins";
    rivera.http().put(base + "/schedules/gad-7", new JsonObject().put("cadenceDays", 7)).expect(200);
    JsonObject due = rivera.http().get(base + "/due").expect(200).json().getJsonArray("due").getJsonObject(0);
    assertEquals("gad-7", due.getString("instrument"));
    assertTrue(due.getBoolean("isDue"));
    assertFalse(due.getBoolean("overdue"));
    rivera = advanceAndLogin(Duration.ofDays(2), "rivera");
    assertTrue(rivera.http().get(base + "/due").expect(200).json().getJsonArray("due").getJsonObject(0).getBoolean("overdue"));
    JsonObject a = new JsonObject();
    for (int i = 1; i <= 7; i++) {
      a.put("gad7-" + i, 1);
    }
    rivera.http().post(base, new JsonObject().put("clientId", cid()).put("instrument", "gad-7").put("answeredAt", now()).put("answers", a))
        .expect(201);
    JsonObject after = rivera.http().get(base + "/due").expect(200).json().getJsonArray("due").getJsonObject(0);
    assertFalse(after.getBoolean("isDue"));
    assertFalse(after.getBoolean("overdue"));
    assertEquals(400, rivera.http().put(base + "/schedules/gad-7", new JsonObject().put("cadenceDays", 0)).status());
    assertEquals(404, rivera.http().put(base + "/schedules/nope", new JsonObject()).status());
    rivera.http().delete(base + "/schedules/gad-7").expect(204);
    assertEquals(0, rivera.http().get(base + "/due").expect(200).json().getJsonArray("due").size());
  }

  @Test
  void theTrendComesBackWithMedicationEventsAndVisits() {
    Who rivera = login("rivera");
    String p = freshPatient(rivera);
    String riveraId = rivera.id();
    // A real visit through the visits feature (contract 2), on a weekday inside Dr. Rivera's demo hours.
    java.time.LocalDate day = java.time.LocalDate.now(tandem.clock().withZone(java.time.ZoneOffset.UTC)).plusDays(1);
    while (day.getDayOfWeek() == java.time.DayOfWeek.SATURDAY || day.getDayOfWeek() == java.time.DayOfWeek.SUNDAY) {
      day = day.plusDays(1);
    }
    String start = day.atTime(15, 0).toInstant(java.time.ZoneOffset.UTC).toString();
    rivera.http().post("/api/v1/visits", new JsonObject().put("patientId", p).put("type", "intake").put("start", start)
        .put("durationMinutes", 30).put("clinicianIds", new JsonArray().add(riveraId))).expect(201);
    try {
      tandem.clock().advance(Duration.ofMinutes(1));
      rivera.http().post("/api/v1/patients/" + p + "/medications", new JsonObject().put("kind", "start").put("drug", "Sertraline")
          .put("dose", "50 mg").put("reason", "Depression")).expect(201);
      rivera.http().post("/api/v1/patients/" + p + "/checkins", phq9(cid(), phq(14, 0))).expect(201);
      rivera = advanceAndLogin(Duration.ofDays(14), "rivera");
      rivera.http().post("/api/v1/patients/" + p + "/checkins", phq9(cid(), phq(8, 0))).expect(201);
      JsonObject t = rivera.http().get("/api/v1/patients/" + p + "/checkins/trend").expect(200).json();
      JsonArray phq = t.getJsonObject("series").getJsonArray("phq-9");
      assertEquals(2, phq.size());
      assertEquals(14, phq.getJsonObject(0).getInteger("total"));
      assertEquals(8, phq.getJsonObject(1).getInteger("total"));
      JsonObject med = t.getJsonArray("medications").getJsonObject(0);
      assertEquals("Sertraline", med.getString("drug"));
      assertEquals("Depression", med.getString("reason"));
      JsonObject visit = t.getJsonArray("visits").getJsonObject(0);
      assertEquals("intake", visit.getString("type"));
      assertEquals(start, java.time.Instant.parse(visit.getString("start")).toString());
    } finally {
      tandem.clock().advance(Duration.ZERO);
    }
    JsonObject t = rivera.http().get("/api/v1/patients/" + p + "/checkins/trend?months=3").expect(200).json();
    assertEquals(1, t.getJsonArray("visits").size());
    assertEquals(400, rivera.http().get("/api/v1/patients/" + p + "/checkins/trend?months=0").status());
    assertEquals(1, mongo.getDatabase("tandem").getCollection("audit").countDocuments(Filters.and(Filters.eq("type", "medication.record"),
        Filters.eq("patientId", p))));
  }

  @Test
  void aBusyMonthIsStoredInSmallTrendBucketsAndReadBackWholeAndInOrder() {
    Who rivera = login("rivera");
    String p = freshPatient(rivera);
    Instant enrolled = tandem.clock().instant();
    int n = 150;
    try {
      rivera = advanceAndLogin(Duration.ofMinutes(n + 5), "rivera");
      String path = "/api/v1/patients/" + p + "/checkins";
      // Batches (this suite allows 10 per request), the newest answers first: offline uploads arrive out of order.
      for (int b = n / 10 - 1; b >= 0; b--) {
        JsonArray batch = new JsonArray();
        for (int i = b * 10; i < (b + 1) * 10; i++) {
          batch.add(daily("busy-" + i, enrolled.plus(Duration.ofMinutes(i + 1)).toString(), null));
        }
        assertEquals(10, rivera.http().post(path, new JsonObject().put("responses", batch)).expect(200).json().getInteger("accepted"));
      }
      // Single uploads on top, in the same month.
      for (int i = n; i < n + 3; i++) {
        rivera.http().post(path, daily("busy-" + i, enrolled.plus(Duration.ofMinutes(i + 1)).toString(), null)).expect(201);
      }
      int total = n + 3;
      List<Document> buckets = mongo.getDatabase("tandem").getCollection("checkinTrends").find(Filters.eq("patientId", p))
          .into(new java.util.ArrayList<>());
      int stored = 0;
      for (Document b : buckets) {
        int size = b.getList("points", Document.class).size();
        assertTrue(size <= CheckinService.BUCKET_POINTS, "a bucket holds " + size + " points");
        stored += size;
      }
      assertEquals(total, stored);
      assertTrue(buckets.size() >= 3, "a busy month spans several buckets: " + buckets.size());
      JsonArray series = rivera.http().get(path + "/trend").expect(200).json().getJsonObject("series").getJsonArray("daily");
      assertEquals(total, series.size());
      for (int i = 0; i < total; i++) {
        assertEquals(p + ":busy-" + i, series.getJsonObject(i).getString("id"), "point " + i + " in answer order");
      }
      java.util.Set<String> months = new java.util.TreeSet<>();
      for (int i = 0; i < total; i++) {
        months.add(enrolled.plus(Duration.ofMinutes(i + 1)).toString().substring(0, 7));
      }
      int listed = 0;
      for (String m : months) {
        listed += rivera.http().get(path + "?month=" + m).expect(200).json().getJsonArray("responses").size();
      }
      assertEquals(total, listed);
    } finally {
      tandem.clock().advance(Duration.ZERO);
    }
  }

  @Test
  void onlyPrescribersRecordMedicationEventsAndTheInputIsValidated() {
    Who rivera = login("rivera");
    Who okafor = login("okafor");
    Who ana = login("ana");
    String path = "/api/v1/patients/" + ana.id() + "/medications";
    JsonObject ok = new JsonObject().put("kind", "dose-change").put("drug", "Sertraline").put("dose", "150 mg");
    assertEquals(403, okafor.http().post(path, ok).status());
    assertEquals(403, ana.http().post(path, ok).status());
    assertEquals(400, rivera.http().post(path, ok.copy().put("kind", "pause")).status());
    assertEquals(400, rivera.http().post(path, ok.copy().remove("dose") == null ? ok : new JsonObject().put("kind", "start").put("drug", "X")).status());
    assertEquals(400, rivera.http().post(path, ok.copy().put("drug", new JsonObject().put("$gt", ""))).status());
    assertEquals(400, rivera.http().post(path, ok.copy().put("at", "yesterday")).status());
    assertEquals(201, rivera.http().post(path, new JsonObject().put("kind", "stop").put("drug", "Sertraline")).status());
  }

  @Test
  void thePanelCountsEveryOpenAlertButListsOnlyTheNewest() {
    Who rivera = login("rivera");
    Who chloe = login("chloe");
    java.util.function.Supplier<JsonObject> row = () -> rivera.http().get("/api/v1/monitoring").expect(200).json()
        .getJsonArray("patients").stream().map(o -> (JsonObject) o).filter(r -> chloe.id().equals(r.getString("patientId")))
        .findFirst().orElseThrow();
    int before = row.get().getInteger("openAlerts");
    for (int i = 0; i < 4; i++) {
      tandem.clock().advance(java.time.Duration.ofMinutes(1));
      chloe.http().post("/api/v1/patients/" + chloe.id() + "/checkins", phq9(cid(), phq(12, 1))).expect(201);
    }
    JsonObject after = row.get();
    assertEquals(before + 4, after.getInteger("openAlerts"));
    JsonArray shown = after.getJsonArray("alerts");
    assertEquals(MonitoringPanel.ALERTS_SHOWN, shown.size());
    assertEquals(dev.tandem.store.Times.format(tandem.clock().instant()), shown.getJsonObject(0).getString("createdAt"),
        "newest first: " + shown);
    assertTrue(shown.getJsonObject(1).getString("createdAt").compareTo(shown.getJsonObject(0).getString("createdAt")) < 0);
  }

  @Test
  void anAlertWrittenByAnotherNodeReachesThePanelWithinTheRefreshTimeAndLeavesOnAcknowledgement() {
    // The panel and the Alerts list read open alerts from memory; this node's writes apply at
    // once, another node's (here: a plain MongoDB client) once the set is older than the refresh
    // time by the service clock (the test's clock, moved by hand: no waiting).
    Who rivera = login("rivera");
    String p = freshPatient(rivera);
    java.util.function.Supplier<JsonObject> row = () -> rivera.http().get("/api/v1/monitoring").expect(200).json()
        .getJsonArray("patients").stream().map(o -> (JsonObject) o).filter(r -> p.equals(r.getString("patientId")))
        .findFirst().orElseThrow();
    assertEquals(0, row.get().getInteger("openAlerts"));
    String id = "elsewhere-" + UUID.randomUUID();
    mongo.getDatabase("tandem").getCollection("safetyAlerts").insertOne(new Document("_id", id).append("patientId", p)
        .append("patientName", "Test Patient").append("source", "checkin").append("instrument", "phq-9").append("total", 12)
        .append("rules", List.of()).append("createdAt", now()).append("severity", "urgent").append("status", "open")
        .append("escalation", 0));
    assertEquals(0, row.get().getInteger("openAlerts"), "within the refresh time the panel serves what it read");
    tandem.clock().advance(Duration.ofMillis(SafetyAlerts.OPEN_ALERTS_REFRESH_MILLIS + 1));
    JsonObject refreshed = row.get();
    assertEquals(1, refreshed.getInteger("openAlerts"), "older than the refresh time: read again");
    assertEquals(id, refreshed.getJsonArray("alerts").getJsonObject(0).getString("id"));
    rivera.http().post("/api/v1/safety-alerts/" + id + "/acknowledge", new JsonObject().put("note", "Called; safe.")).expect(200);
    assertEquals(0, row.get().getInteger("openAlerts"), "acknowledged on this node: gone at once");
    assertFalse(rivera.http().get("/api/v1/safety-alerts").expect(200).json().getJsonArray("alerts").stream()
        .anyMatch(o -> id.equals(((JsonObject) o).getString("id"))));
  }

  @Test
  void theMonitoringPanelOrdersPatientsByNeed() {
    Who rivera = login("rivera");
    Who chloe = login("chloe");
    chloe.http().post("/api/v1/patients/" + chloe.id() + "/checkins", phq9(cid(), phq(10, 1))).expect(201);
    JsonArray rows = rivera.http().get("/api/v1/monitoring").expect(200).json().getJsonArray("patients");
    List<String> order = List.of("safety-alert", "deterioration", "overdue", "unread", "none");
    int last = 0;
    for (Object o : rows) {
      JsonObject row = (JsonObject) o;
      int tier = order.indexOf(row.getString("needs"));
      assertTrue(tier >= last, "ordered by need: " + rows);
      last = tier;
    }
    JsonObject c = rows.stream().map(o -> (JsonObject) o).filter(r -> chloe.id().equals(r.getString("patientId"))).findFirst().orElseThrow();
    assertEquals("safety-alert", c.getString("needs"));
    assertTrue(c.getInteger("openAlerts") >= 1);
    assertEquals(10, c.getJsonObject("latest").getJsonObject("phq-9").getInteger("total"));
    assertNotNull(c.getLong("daysSinceCheckin"));
    // lee sees only lee's patients (ana, david, eve).
    Who lee = login("lee");
    JsonArray leeRows = lee.http().get("/api/v1/monitoring").expect(200).json().getJsonArray("patients");
    assertTrue(leeRows.stream().noneMatch(o -> chloe.id().equals(((JsonObject) o).getString("patientId"))));
    assertEquals(403, chloe.http().get("/api/v1/monitoring").status());
  }

  @Test
  void theFhirExportParsesWithHapiAndCarriesLoincCodedTotalsAndPanels() {
    Who rivera = login("rivera");
    String p = freshPatient(rivera);
    tandem.clock().advance(Duration.ofMinutes(1));
    rivera.http().post("/api/v1/patients/" + p + "/checkins", phq9(cid(), new int[] {1, 2, 3, 0, 1, 2, 0, 1, 0})).expect(201);
    JsonObject g = new JsonObject();
    for (int i = 1; i <= 7; i++) {
      g.put("gad7-" + i, 2);
    }
    rivera.http().post("/api/v1/patients/" + p + "/checkins", new JsonObject().put("clientId", cid()).put("instrument", "gad-7")
        .put("answeredAt", now()).put("answers", g)).expect(201);
    Http.Response r = rivera.http().get("/api/v1/patients/" + p + "/checkins/fhir").expect(200);
    assertTrue(r.header("Content-Type").startsWith("application/fhir+json"));
    Bundle b = FhirContext.forR4().newJsonParser().parseResource(Bundle.class, r.text());
    assertEquals(Bundle.BundleType.COLLECTION, b.getType());
    List<QuestionnaireResponse> qrs = b.getEntry().stream().map(Bundle.BundleEntryComponent::getResource)
        .filter(x -> x instanceof QuestionnaireResponse).map(x -> (QuestionnaireResponse) x).toList();
    assertEquals(2, qrs.size());
    QuestionnaireResponse phqQr = qrs.stream().filter(q -> q.getQuestionnaire().endsWith("44249-1")).findFirst().orElseThrow();
    assertEquals(QuestionnaireResponse.QuestionnaireResponseStatus.COMPLETED, phqQr.getStatus());
    assertEquals(9, phqQr.getItem().size());
    assertEquals("LA6571-9", phqQr.getItem().get(2).getAnswerFirstRep().getValueCoding().getCode()); // item 3 = 3
    List<Observation> obs = b.getEntry().stream().map(Bundle.BundleEntryComponent::getResource).filter(x -> x instanceof Observation)
        .map(x -> (Observation) x).toList();
    Observation phqTotal = find(obs, "44261-6");
    assertEquals(10, phqTotal.getValueIntegerType().getValue()); // 1+2+3+0+1+2+0+1+0
    Observation phqPanel = find(obs, "44249-1");
    assertEquals(10, phqPanel.getHasMember().size(), "nine items and the total");
    assertTrue(phqPanel.getHasMember().stream().anyMatch(ref -> ref.getReference().endsWith(phqTotal.getIdElement().getIdPart())));
    assertEquals("http://loinc.org", phqTotal.getCode().getCodingFirstRep().getSystem());
    assertEquals("LA6568-5", find(obs, "44260-8").getValueCodeableConcept().getCodingFirstRep().getCode()); // item 9 = 0
    assertEquals(14, find(obs, "70274-6").getValueIntegerType().getValue());
    assertEquals(8, find(obs, "69737-5").getHasMember().size());
    assertEquals("Patient/" + p, phqTotal.getSubject().getReference());
  }

  private static Observation find(List<Observation> obs, String loinc) {
    return obs.stream().filter(o -> loinc.equals(o.getCode().getCodingFirstRep().getCode())).findFirst().orElseThrow();
  }

  // ---- authorization -----------------------------------------------------------------------

  @Test
  void nobodyOutsideTheCareTeamReadsOrWritesAPatientsCheckInsAndTheRefusalLooksLikeNotFound() {
    Who ana = login("ana");
    Who ben = login("ben");
    Who rivera = login("rivera");
    Who okafor = login("okafor");
    Who admin = login("admin");
    Who david = login("david");
    String[] reads = {"/checkins/trend", "/checkins/due", "/checkins/fhir", "/checkins"};
    for (String r : reads) {
      assertEquals(200, ana.http().get("/api/v1/patients/" + ana.id() + r).status(), r);
      assertEquals(200, okafor.http().get("/api/v1/patients/" + ana.id() + r).status(), r);
      Http.Response unknown = rivera.http().get("/api/v1/patients/nobody" + r);
      for (Http.Response refused : List.of(ben.http().get("/api/v1/patients/" + ana.id() + r),
          rivera.http().get("/api/v1/patients/" + david.id() + r), admin.http().get("/api/v1/patients/" + ana.id() + r))) {
        assertEquals(404, refused.status(), r);
        assertEquals(unknown.text(), refused.text(), "a refusal looks like an unknown patient: " + r);
      }
      assertEquals(401, tandem.client().get("/api/v1/patients/" + ana.id() + r).status());
    }
    String marker = cid();
    assertEquals(404, ben.http().post("/api/v1/patients/" + ana.id() + "/checkins", daily(marker, now(), null)).status());
    assertEquals(404, rivera.http().post("/api/v1/patients/" + david.id() + "/checkins", daily(marker, now(), null)).status());
    assertEquals(0, mongo.getDatabase("tandem").getCollection("checkinResponses").countDocuments(Filters.eq("clientId", marker)));
    assertEquals(403, ana.http().put("/api/v1/patients/" + ana.id() + "/checkins/schedules/phq-9", new JsonObject()).status());
    assertEquals(404, rivera.http().put("/api/v1/patients/" + david.id() + "/checkins/schedules/phq-9", new JsonObject()).status());
    assertEquals(403, admin.http().get("/api/v1/monitoring").status());
    assertEquals(403, admin.http().get("/api/v1/safety-alerts").status());
    assertEquals(200, ana.http().get("/api/v1/checkins/instruments").status());
    long reads0 = mongo.getDatabase("tandem").getCollection("audit").countDocuments(Filters.and(Filters.eq("type", "checkins.read"),
        Filters.eq("patientId", ana.id()), Filters.eq("actorId", okafor.id())));
    assertTrue(reads0 >= 4, "every read of a patient's check-ins is audited");
  }
}

package dev.tandem.visits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import dev.tandem.testing.Http;
import dev.tandem.testing.MutableClock;
import dev.tandem.testing.TestTandem;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Booking through the real HTTP server and embedded store: no double booking under concurrent
 * requests, paired booking all or nothing, hours and time off (DST-correct), reschedule and
 * cancel freeing exactly the right time, privacy, bad input, the slot-claim sweeper and the
 * visits.timeline contract. The clock is fixed at Wednesday 2026-12-02 08:00 in New York; each
 * test uses its own day so they do not interfere.
 */
@ExtendWith(VertxExtension.class)
class VisitBookingIT {
  static final Instant NOW = Instant.parse("2026-12-02T13:00:00Z");
  static TestTandem tandem;
  static MongoClient mongo;
  static Member rivera;
  static Member okafor;
  static Member ana;
  static Member ben;
  static Member chloe;
  static Member david;
  static Member eve;
  static Member admin;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    tandem = TestTandem.start(vertx, Map.of("identity.password.argon2-memory-kib", "1024", "identity.password.argon2-iterations", "1"),
        Files.createTempDirectory("visits"), new MutableClock(NOW));
    mongo = MongoClients.create(tandem.mongoUri());
    rivera = Member.login(tandem, "rivera");
    okafor = Member.login(tandem, "okafor");
    ana = Member.login(tandem, "ana");
    ben = Member.login(tandem, "ben");
    chloe = Member.login(tandem, "chloe");
    david = Member.login(tandem, "david");
    eve = Member.login(tandem, "eve");
    admin = Member.login(tandem, "admin");
  }

  @AfterAll
  static void stop() {
    mongo.close();
    tandem.close();
  }

  static MongoCollection<Document> collection(String name) {
    return mongo.getDatabase("tandem").getCollection(name);
  }

  static List<JsonObject> visitsOf(Member who, String from, String to) {
    JsonArray a = who.http().get("/api/v1/visits?from=" + from + "&to=" + to).expect(200).array("visits");
    List<JsonObject> out = new ArrayList<>();
    a.forEach(o -> out.add((JsonObject) o));
    return out;
  }

  @Test
  void manyConcurrentBookingsForOneSlotLetExactlyOneWin() throws Exception {
    // Twelve requests for Dr. Rivera at Monday 10:00 New York, for four different patients at once.
    List<Member> patients = List.of(ana, ben, chloe, eve);
    int n = 12;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Http.Response>> results = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Member p = patients.get(i % patients.size());
      Callable<Http.Response> c = () -> {
        go.await();
        return rivera.book(p.id(), "medication-review", "2026-12-07T15:00:00Z", 30);
      };
      results.add(pool.submit(c));
    }
    go.countDown();
    List<Http.Response> done = new ArrayList<>();
    for (Future<Http.Response> f : results) {
      done.add(f.get(60, TimeUnit.SECONDS));
    }
    pool.shutdown();
    List<Http.Response> won = done.stream().filter(r -> r.status() == 201).toList();
    assertEquals(1, won.size(), () -> "statuses: " + done.stream().map(Http.Response::status).toList());
    for (Http.Response r : done) {
      if (r.status() != 201) {
        assertEquals(409, r.status(), r.text());
        assertEquals("slot_taken", r.errorCode());
      }
    }
    // Only the winner's claims remain: 2 people x 6 five-minute slots, all naming the winning visit.
    String winner = won.get(0).json().getJsonObject("visit").getString("id");
    List<Document> claims = collection("visitSlots").find(new Document("slot", new Document("$gte", "2026-12-07T15:00")
        .append("$lt", "2026-12-07T15:30"))).into(new ArrayList<>());
    assertEquals(12, claims.size(), claims::toString);
    assertTrue(claims.stream().allMatch(d -> winner.equals(d.getString("visitId")) && !d.getBoolean("pending")), claims::toString);
    assertEquals(1, visitsOf(rivera, "2026-12-07T00:00:00Z", "2026-12-08T00:00:00Z").size());
  }

  @Test
  void aPairIsBookedAllOrNothing() {
    // Sam Okafor is busy with David at 10:30, so a 10:00 review + 10:30 therapy for Ben must book neither.
    okafor.book(david.id(), "psychotherapy", "2026-12-08T15:30:00Z", 50).expect(201);
    Http.Response refused = rivera.http().post("/api/v1/visits/pairs", pair(ben, "2026-12-08T15:00:00Z", "2026-12-08T15:30:00Z"));
    refused.expect(409);
    assertEquals("slot_taken", refused.errorCode());
    assertTrue(visitsOf(ben, "2026-12-08T00:00:00Z", "2026-12-09T00:00:00Z").isEmpty(), "no half-booked pair");
    // Dr. Rivera's 10:00 claim was rolled back: another patient can have it.
    rivera.book(chloe.id(), "medication-review", "2026-12-08T15:00:00Z", 30).expect(201);

    // Later the same day both are free: the pair is booked, sharing a pair id.
    JsonArray both = rivera.http().post("/api/v1/visits/pairs", pair(ben, "2026-12-08T17:00:00Z", "2026-12-08T17:30:00Z"))
        .expect(201).array("visits");
    assertEquals(2, both.size());
    assertEquals(both.getJsonObject(0).getString("pairId"), both.getJsonObject(1).getString("pairId"));
    assertEquals(List.of(rivera.id()), both.getJsonObject(0).getJsonArray("clinicianIds").getList());
    assertEquals(List.of(okafor.id()), both.getJsonObject(1).getJsonArray("clinicianIds").getList());
    assertEquals(2, visitsOf(ben, "2026-12-08T00:00:00Z", "2026-12-09T00:00:00Z").size());

    // A pair with a gap, or of the wrong types, is refused before anything is claimed.
    Http.Response gap = rivera.http().post("/api/v1/visits/pairs", pair(ben, "2026-12-08T19:00:00Z", "2026-12-08T19:45:00Z"));
    assertEquals(400, gap.status());
    assertEquals("invalid_pair", gap.errorCode());
  }

  private static JsonObject pair(Member patient, String reviewStart, String therapyStart) {
    return new JsonObject().put("patientId", patient.id())
        .put("first", new JsonObject().put("type", "medication-review").put("start", reviewStart).put("durationMinutes", 30))
        .put("second", new JsonObject().put("type", "psychotherapy").put("start", therapyStart).put("durationMinutes", 50));
  }

  @Test
  void proposalsPutTheTwoVisitsBackToBackInsideBothCliniciansHoursAcrossDaylightSaving() {
    okafor.book(ana.id(), "psychotherapy", "2026-12-10T15:00:00Z", 50).expect(201); // Thursday 10:00 New York
    JsonObject p = rivera.http().get("/api/v1/visits/proposals?patientId=" + ben.id()
        + "&date=2026-12-10&zone=America/New_York").expect(200).json();
    assertTrue(p.getBoolean("hoursSet"));
    JsonArray list = p.getJsonArray("proposals");
    assertFalse(list.isEmpty());
    ZoneId ny = ZoneId.of("America/New_York");
    for (Object o : list) {
      JsonObject first = ((JsonObject) o).getJsonObject("first");
      JsonObject second = ((JsonObject) o).getJsonObject("second");
      Instant s1 = Instant.parse(first.getString("start"));
      Instant s2 = Instant.parse(second.getString("start"));
      Instant end = s2.plusSeconds(60L * second.getInteger("durationMinutes"));
      assertEquals(s1.plusSeconds(60L * first.getInteger("durationMinutes")), s2, "back to back");
      assertEquals(Set.of("medication-review", "psychotherapy"), Set.of(first.getString("type"), second.getString("type")));
      assertFalse(LocalTime.ofInstant(s1, ny).isBefore(LocalTime.of(9, 0)), o.toString());
      assertFalse(LocalTime.ofInstant(end, ny).isAfter(LocalTime.of(17, 0)), o.toString());
      // Okafor's 10:00-10:50 with Ana is never offered to Ben.
      Instant therapy = first.getString("type").equals("psychotherapy") ? s1 : s2;
      Instant therapyEnd = therapy.plusSeconds(60L * 50);
      assertFalse(therapy.isBefore(Instant.parse("2026-12-10T15:50:00Z"))
          && therapyEnd.isAfter(Instant.parse("2026-12-10T15:00:00Z")), o.toString());
    }
    assertEquals("2026-12-10T14:00:00Z", list.getJsonObject(0).getJsonObject("first").getString("start"), "09:00 EST");
    // In summer 09:00 New York is 13:00 UTC: hours are wall-clock times in the clinician's zone.
    JsonObject summer = rivera.http().get("/api/v1/visits/proposals?patientId=" + ben.id()
        + "&date=2027-06-15&zone=America/New_York").expect(200).json();
    assertEquals("2027-06-15T13:00:00Z", summer.getJsonArray("proposals").getJsonObject(0).getJsonObject("first").getString("start"));
    // A patient with only a prescriber is not in combined treatment.
    assertEquals("not_combined_treatment", rivera.http().get("/api/v1/visits/proposals?patientId=" + chloe.id()).errorCode());
  }

  @Test
  void bookingOutsideHoursOrDuringTimeOffIsRefused() {
    Http.Response late = rivera.book(ben.id(), "medication-review", "2026-12-11T23:00:00Z", 30); // 18:00 New York
    assertEquals(409, late.status());
    assertEquals("clinician_unavailable", late.errorCode());
    Http.Response weekend = rivera.book(ben.id(), "medication-review", "2026-12-12T15:00:00Z", 30); // Saturday
    assertEquals("clinician_unavailable", weekend.errorCode());
    // Okafor takes Monday 14 December off.
    JsonObject hours = okafor.http().get("/api/v1/availability/" + okafor.id()).expect(200).json().getJsonObject("availability");
    okafor.http().put("/api/v1/availability", new JsonObject().put("zone", hours.getString("zone")).put("weekly", hours.getJsonObject("weekly"))
        .put("timeOff", new JsonArray().add(new JsonObject().put("start", "2026-12-14T05:00:00Z").put("end", "2026-12-15T05:00:00Z"))))
        .expect(200);
    Http.Response off = okafor.book(david.id(), "psychotherapy", "2026-12-14T16:00:00Z", 50);
    assertEquals("clinician_unavailable", off.errorCode());
    okafor.book(david.id(), "psychotherapy", "2026-12-15T16:00:00Z", 50).expect(201);
    assertEquals("invalid_field", okafor.http().put("/api/v1/availability", new JsonObject().put("zone", "Mars/Olympus")
        .put("weekly", new JsonObject())).errorCode());
  }

  @Test
  void rescheduleClaimsTheNewTimeFirstAndFreesOnlyTheOld() {
    String id = rivera.book(ben.id(), "medication-review", "2026-12-16T15:00:00Z", 30).expect(201).json()
        .getJsonObject("visit").getString("id");
    rivera.book(chloe.id(), "medication-review", "2026-12-16T16:00:00Z", 30).expect(201);
    Http.Response clash = rivera.http().post("/api/v1/visits/" + id + "/reschedule",
        new JsonObject().put("start", "2026-12-16T16:00:00Z").put("durationMinutes", 30));
    assertEquals("slot_taken", clash.errorCode());
    assertEquals("2026-12-16T15:00:00Z", rivera.http().get("/api/v1/visits/" + id).expect(200).json().getJsonObject("visit")
        .getString("start"), "a failed move leaves the visit where it was");
    // Move 15 minutes later, overlapping its own old time.
    JsonObject moved = rivera.http().post("/api/v1/visits/" + id + "/reschedule",
        new JsonObject().put("start", "2026-12-16T15:15:00Z").put("durationMinutes", 30)).expect(200).json().getJsonObject("visit");
    assertEquals("2026-12-16T15:15:00Z", moved.getString("start"));
    rivera.book(eve.id(), "medication-review", "2026-12-16T15:00:00Z", 15).expect(201); // the freed quarter hour
    assertEquals("slot_taken", rivera.book(eve.id(), "medication-review", "2026-12-16T15:30:00Z", 15).errorCode());
    // The patient may not move it; an off-team clinician cannot even see it.
    assertEquals(403, ben.http().post("/api/v1/visits/" + id + "/reschedule",
        new JsonObject().put("start", "2026-12-16T18:00:00Z").put("durationMinutes", 30)).status());
  }

  @Test
  void cancellingFreesTheTimeAndNoShowWaitsForTheStart() {
    String id = rivera.book(ben.id(), "medication-review", "2026-12-17T15:00:00Z", 30).expect(201).json()
        .getJsonObject("visit").getString("id");
    assertEquals("visit_not_started", rivera.http().post("/api/v1/visits/" + id + "/no-show", null).errorCode());
    JsonObject cancelled = ben.http().post("/api/v1/visits/" + id + "/cancel", null).expect(200).json().getJsonObject("visit");
    assertEquals("cancelled", cancelled.getString("status"));
    assertEquals(List.of("scheduled", "cancelled"), cancelled.getJsonArray("history").stream()
        .map(h -> ((JsonObject) h).getString("status")).toList());
    assertEquals(409, ben.http().post("/api/v1/visits/" + id + "/cancel", null).status());
    rivera.book(chloe.id(), "medication-review", "2026-12-17T15:00:00Z", 30).expect(201);
  }

  @Test
  void onlyThePatientAndTheCareTeamSeeAVisit() {
    String id = rivera.book(chloe.id(), "medication-review", "2026-12-18T15:00:00Z", 30).expect(201).json()
        .getJsonObject("visit").getString("id");
    chloe.http().get("/api/v1/visits/" + id).expect(200);
    for (Member stranger : List.of(okafor, ben, admin)) {
      Http.Response r = stranger.http().get("/api/v1/visits/" + id);
      assertEquals(404, r.status(), stranger.key());
      assertEquals("not_found", r.errorCode());
      assertEquals(404, stranger.http().get("/api/v1/visits/" + id + "/calendar.ics").status());
    }
    assertEquals(404, okafor.book(chloe.id(), "intake", "2026-12-18T17:00:00Z", 30).status(), "not on chloe's team");
    assertEquals(403, ana.book(ana.id(), "intake", "2026-12-18T17:00:00Z", 30).status(), "patients do not book");
    assertEquals(401, tandem.client().get("/api/v1/visits").status());
    assertEquals(404, rivera.http().get("/api/v1/visits/no-such-visit").status());
  }

  @Test
  void badInputIsRefusedWithAClearMessageAndWritesNothing() {
    long before = collection("visits").countDocuments();
    long claimsBefore = collection("visitSlots").countDocuments();
    Object[][] cases = {
        {new JsonObject().put("patientId", ben.id()).put("type", "medication-review").put("start", "2026-12-21T15:07:00Z")
            .put("durationMinutes", 30), "start"},
        {new JsonObject().put("patientId", ben.id()).put("type", "medication-review").put("start", "2026-11-30T15:00:00Z")
            .put("durationMinutes", 30), "start"},
        {new JsonObject().put("patientId", new JsonObject().put("$gt", "")).put("type", "intake").put("start", "2026-12-21T15:00:00Z")
            .put("durationMinutes", 30), "patientId"},
        {new JsonObject().put("patientId", ben.id()).put("type", "intake").put("start", "2026-12-21T15:00:00Z")
            .put("durationMinutes", "30"), "durationMinutes"},
        {new JsonObject().put("patientId", ben.id()).put("type", "intake").put("start", "2026-12-21T15:00:00Z")
            .put("durationMinutes", 33), "durationMinutes"},
        {new JsonObject().put("patientId", ben.id()).put("type", "massage").put("start", "2026-12-21T15:00:00Z")
            .put("durationMinutes", 30), "type"},
        {new JsonObject().put("patientId", ben.id()).put("type", "intake").put("start", "tomorrow")
            .put("durationMinutes", 30), "start"},
        {new JsonObject().put("patientId", ben.id()).put("type", "intake").put("start", "2026-12-21T15:00:00Z")
            .put("durationMinutes", 30).put("room", "mine"), "room"},
        {new JsonObject().put("patientId", ben.id()).put("type", "intake").put("start", "2026-12-21T15:00:00Z")
            .put("durationMinutes", 30).put("clinicianIds", new JsonArray().add(david.id())), "clinicianIds"},
    };
    for (Object[] c : cases) {
      Http.Response r = rivera.http().post("/api/v1/visits", c[0]);
      assertEquals(400, r.status(), c[0] + " → " + r.text());
      assertTrue(r.json().getJsonObject("error").getString("message").startsWith((String) c[1]), r.text());
    }
    Http.Response malformed = rivera.http().send("POST", "/api/v1/visits", "{\"patientId\":", Map.of("Content-Type", "application/json"));
    assertEquals("invalid_json", malformed.errorCode());
    assertEquals(415, rivera.http().send("POST", "/api/v1/visits", "patientId=x", Map.of("Content-Type",
        "application/x-www-form-urlencoded")).status());
    assertEquals("invalid_range", rivera.http().get("/api/v1/visits?from=2026-12-01T00:00:00Z&to=2027-06-01T00:00:00Z").errorCode());
    assertEquals(before, collection("visits").countDocuments());
    assertEquals(claimsBefore, collection("visitSlots").countDocuments());
  }

  @Test
  void theSweeperSettlesClaimsLeftPendingByACrashAgainstTheStoredVisit() throws Exception {
    String real = rivera.book(ben.id(), "medication-review", "2026-12-22T15:00:00Z", 30).expect(201).json()
        .getJsonObject("visit").getString("id");
    MongoCollection<Document> slots = collection("visitSlots");
    String longAgo = "2026-12-02T12:00:00.000000000Z";
    // A crash between claiming and writing a visit leaves pending claims of a visit that does not exist.
    String ghostKey = rivera.id() + "|2026-12-22T18:00:00.000000000Z";
    slots.insertOne(new Document("_id", ghostKey).append("visitId", "ghost").append("userId", rivera.id())
        .append("slot", "2026-12-22T18:00:00.000000000Z").append("pending", true).append("pendingSince", longAgo)
        .append("createdAt", longAgo));
    // A crash during a move leaves the real visit with a pending claim inside its time (keep) and one outside it (drop).
    String insideKey = ben.id() + "|2026-12-22T15:00:00.000000000Z";
    slots.updateOne(new Document("_id", insideKey), new Document("$set", new Document("pending", true).append("pendingSince", longAgo)));
    String strayKey = ben.id() + "|2026-12-22T19:00:00.000000000Z";
    slots.insertOne(new Document("_id", strayKey).append("visitId", real).append("userId", ben.id())
        .append("slot", "2026-12-22T19:00:00.000000000Z").append("pending", true).append("pendingSince", longAgo)
        .append("createdAt", longAgo));
    assertEquals("slot_taken", rivera.book(ben.id(), "medication-review", "2026-12-22T18:00:00Z", 30).errorCode());

    int released = tandem.app().visits().sweep().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(2, released);
    assertEquals(0, slots.countDocuments(new Document("_id", ghostKey)));
    assertEquals(0, slots.countDocuments(new Document("_id", strayKey)));
    Document kept = slots.find(new Document("_id", insideKey)).first();
    assertNotNull(kept);
    assertEquals(real, kept.getString("visitId"));
    assertFalse(kept.getBoolean("pending"));
    rivera.book(ben.id(), "medication-review", "2026-12-22T18:00:00Z", 30).expect(201);
    assertEquals("slot_taken", rivera.book(chloe.id(), "medication-review", "2026-12-22T15:00:00Z", 30).errorCode(),
        "the real visit still holds its time");
    // Claims being released right now are not touched before the grace period.
    assertEquals(0, tandem.app().visits().sweep().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
  }

  @Test
  void theTimelineServiceAnswersThePatientsVisitsForTheCheckinsFeature(Vertx vertx) throws Exception {
    rivera.book(eve.id(), "joint", "2026-12-23T15:00:00Z", 60).expect(201);
    JsonArray a = vertx.eventBus().<JsonArray>request("visits.timeline", new JsonObject()
        .put("patientId", eve.id()).put("from", "2026-12-23T00:00:00Z").put("to", "2026-12-24T00:00:00Z"))
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).body();
    assertNotNull(a);
    assertEquals(1, a.size());
    JsonObject v = a.getJsonObject(0);
    assertEquals(Set.of("visitId", "type", "start", "durationMinutes", "status", "clinicianIds"), v.fieldNames());
    assertEquals("joint", v.getString("type"));
    assertEquals("2026-12-23T15:00:00Z", v.getString("start"));
    assertEquals(60, v.getInteger("durationMinutes"));
    assertEquals("scheduled", v.getString("status"));
    assertEquals(Set.of(rivera.id(), okafor.id()), v.getJsonArray("clinicianIds").stream().map(String::valueOf).collect(Collectors.toSet()));
  }
}

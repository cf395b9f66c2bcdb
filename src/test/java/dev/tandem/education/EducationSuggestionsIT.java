package dev.tandem.education;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.testing.Http;
import dev.tandem.testing.TestTandem;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Contract 1 from the consumer's side: {@code checkins.scored} events published on the
 * server's own event bus (the test's Vertx runs the server) raise suggestions the care team
 * confirms or dismisses.
 */
@ExtendWith(VertxExtension.class)
class EducationSuggestionsIT {
  static TestTandem tandem;
  static Vertx vertx;
  static final Map<String, String> IDS = new HashMap<>();
  static final AtomicInteger SEQ = new AtomicInteger();

  @BeforeAll
  static void start(Vertx v) {
    vertx = v;
    // The demo's check-in history would feed real checkins.scored events into the rules under test.
    tandem = TestTandem.start(v, Map.of("identity.password.argon2-memory-kib", "1024", "identity.password.argon2-iterations", "1",
        "demo.checkin-history", "false"));
    for (Object o : tandem.signedIn("admin").get("/api/v1/admin/users").expect(200).array("users")) {
      JsonObject u = (JsonObject) o;
      IDS.put(u.getString("email").replace("@tandem-demo.org", ""), u.getString("id"));
    }
  }

  @AfterAll
  static void stop() {
    tandem.close();
  }

  static JsonObject scored(String patient, String instrument, Integer total, JsonObject answers) {
    return new JsonObject().put("patientId", IDS.get(patient)).put("instrument", instrument)
        .put("responseId", "r" + SEQ.incrementAndGet()).put("total", total).put("band", null).put("answers", answers)
        .put("answeredAt", Instant.now().plusSeconds(SEQ.get()).toString());
  }

  /**
   * Delivers an event on the check-ins feature's address and waits until the engine has applied
   * it (the engine answers requests), so what a test then reads is settled: no sleeping.
   */
  static void publish(Object event) {
    try {
      vertx.eventBus().request(SuggestionEngine.ADDRESS, event).toCompletionStage().toCompletableFuture()
          .get(10, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the suggestion engine did not apply the event", e);
    }
  }

  static List<String> suggested(Http clinician, String patient) {
    return clinician.get("/api/v1/patients/" + IDS.get(patient) + "/education").expect(200).json().getJsonArray("suggestions")
        .stream().map(o -> ((JsonObject) o).getString("moduleId")).toList();
  }

  @Test
  void aGad7OfTenSuggestsTheAnxietyModuleOnceAndConfirmingAssignsIt() {
    Http rivera = tandem.signedIn("rivera");
    publish(scored("eve", "gad-7", 9, new JsonObject()));
    assertFalse(suggested(rivera, "eve").contains("calming-anxiety"), "9 is below the threshold");
    publish(scored("eve", "gad-7", 12, new JsonObject()));
    assertTrue(suggested(rivera, "eve").contains("calming-anxiety"));
    publish(scored("eve", "gad-7", 15, new JsonObject()));
    assertEquals(1, suggested(rivera, "eve").stream().filter("calming-anxiety"::equals).count(), "not repeated while open");
    JsonObject s = rivera.get("/api/v1/patients/" + IDS.get("eve") + "/education").expect(200).json().getJsonArray("suggestions")
        .stream().map(o -> (JsonObject) o).filter(o -> "calming-anxiety".equals(o.getString("moduleId"))).findFirst().orElseThrow();
    assertEquals("GAD-7 total 10 or more", s.getString("reason"));

    // The patient never sees suggestions and cannot confirm them.
    Http eve = tandem.signedIn("eve");
    assertFalse(eve.get("/api/v1/patients/" + IDS.get("eve") + "/education").expect(200).json().containsKey("suggestions"));
    eve.post("/api/v1/patients/" + IDS.get("eve") + "/education/suggestions/calming-anxiety/confirm", new JsonObject()).expect(403);
    tandem.signedIn("okafor").post("/api/v1/patients/" + IDS.get("chloe") + "/education/suggestions/calming-anxiety/confirm",
        new JsonObject()).expect(404);

    JsonObject confirmed = rivera.post("/api/v1/patients/" + IDS.get("eve") + "/education/suggestions/calming-anxiety/confirm",
        new JsonObject().put("note", "Let's practise this together.")).expect(201).json();
    assertTrue(confirmed.getJsonObject("assignment").getBoolean("fromSuggestion"));
    assertFalse(suggested(rivera, "eve").contains("calming-anxiety"));
    JsonArray assigned = eve.get("/api/v1/patients/" + IDS.get("eve") + "/education").expect(200).json().getJsonArray("assignments");
    assertTrue(assigned.stream().anyMatch(o -> "calming-anxiety".equals(((JsonObject) o).getString("moduleId"))));
    rivera.post("/api/v1/patients/" + IDS.get("eve") + "/education/suggestions/calming-anxiety/confirm", new JsonObject()).expect(404);

    // While assigned, another high score raises nothing.
    publish(scored("eve", "gad-7", 18, new JsonObject()));
    assertFalse(suggested(rivera, "eve").contains("calming-anxiety"));
  }

  @Test
  void aDismissedSuggestionStaysQuietUntilTheQuietPeriodEnds() {
    Http okafor = tandem.signedIn("okafor");
    publish(scored("david", "phq-9", 14, new JsonObject()));
    assertTrue(suggested(okafor, "david").contains("behavioral-activation"));
    tandem.signedIn("lee").post("/api/v1/patients/" + IDS.get("david") + "/education/suggestions/behavioral-activation/dismiss", null)
        .expect(204);
    assertFalse(suggested(okafor, "david").contains("behavioral-activation"));
    publish(scored("david", "phq-9", 16, new JsonObject()));
    assertFalse(suggested(okafor, "david").contains("behavioral-activation"), "dismissed: quiet for education.resuggest-after");
    tandem.clock().advance(java.time.Duration.ofDays(31));
    publish(scored("david", "phq-9", 16, new JsonObject()));
    okafor = tandem.signedIn("okafor"); // the old session ended with the month that passed
    assertTrue(suggested(okafor, "david").contains("behavioral-activation"));
  }

  @Test
  void aBurstOfCheckInsForOnePatientIsCountedInFull() throws Exception {
    // An app syncing six weeks of offline check-ins at once: the only three short nights are among
    // the last seven, so losing any one of those events would lose the suggestion.
    Http rivera = tandem.signedIn("rivera");
    List<io.vertx.core.Future<?>> applied = new java.util.ArrayList<>();
    for (int day = 0; day < 42; day++) {
      double hours = day == 35 || day == 38 || day == 41 ? 5 : 8;
      applied.add(vertx.eventBus().request(SuggestionEngine.ADDRESS, scored("ana", "daily", null,
          new JsonObject().put("sleep-hours", hours).put("medication", "yes"))));
    }
    assertTrue(io.vertx.core.Future.all(applied).toCompletionStage().toCompletableFuture().get(20,
        java.util.concurrent.TimeUnit.SECONDS).succeeded());
    assertTrue(suggested(rivera, "ana").contains("sleep-habits"),
        "three short nights among the last seven of a burst suggest the sleep module");
  }

  @Test
  void shortSleepOnThreeOfTheLastSevenDailyCheckInsSuggestsTheSleepModule() {
    Http rivera = tandem.signedIn("rivera");
    publish(scored("chloe", "daily", null, new JsonObject().put("sleep-hours", 5).put("mood", 5).put("medication", "yes")));
    publish(scored("chloe", "daily", null, new JsonObject().put("sleep-hours", 7.5).put("medication", "yes")));
    JsonObject again = scored("chloe", "daily", null, new JsonObject().put("sleep-hours", 4.5).put("medication", "yes"));
    publish(again);
    publish(again); // a duplicate delivery counts once
    assertFalse(suggested(rivera, "chloe").contains("sleep-habits"), "two short nights are not enough");
    publish(scored("chloe", "daily", null, new JsonObject().put("sleep-hours", 5.5).put("medication", "yes")));
    assertTrue(suggested(rivera, "chloe").contains("sleep-habits"));
    assertFalse(suggested(rivera, "chloe").contains("antidepressant-basics"), "medication was taken");
  }

  @Test
  void aRuleHistoryChangedElsewhereIsReadAgainNeverOverwritten() {
    // The engine keeps the history it last wrote, to skip the read on the next check-in. Another
    // node (here: a plain MongoDB client) adds two short nights meanwhile; the next check-in must
    // count them, not write over them from the remembered copy.
    Http rivera = tandem.signedIn("rivera");
    String ben = rivera.post("/api/v1/patients", new JsonObject().put("email", "sleep-" + SEQ.incrementAndGet() + "@tandem-demo.org")
        .put("name", "Sleep Test")).expect(201).json().getJsonObject("patient").getString("id");
    IDS.put("sleep-test", ben);
    publish(scored("sleep-test", "daily", null, new JsonObject().put("sleep-hours", 5).put("medication", "yes")));
    try (com.mongodb.client.MongoClient mongo = com.mongodb.client.MongoClients.create(tandem.mongoUri())) {
      com.mongodb.client.MongoCollection<org.bson.Document> signals = mongo.getDatabase("tandem").getCollection("educationSignals");
      org.bson.Document history = signals.find(com.mongodb.client.model.Filters.regex("_id", "^" + ben + ":sleep-habits:")).first();
      assertTrue(history != null, "the first short night was kept");
      List<org.bson.Document> hits = new java.util.ArrayList<>(history.getList("hits", org.bson.Document.class));
      for (int i = 0; i < 2; i++) {
        hits.add(new org.bson.Document("responseId", "elsewhere-" + i).append("at", Instant.now().plusSeconds(100 + i).toString())
            .append("hit", true));
      }
      long rev = ((Number) history.get("rev")).longValue();
      assertEquals(1, signals.updateOne(com.mongodb.client.model.Filters.eq("_id", history.getString("_id")),
          new org.bson.Document("$set", new org.bson.Document("hits", hits).append("rev", rev + 1))).getModifiedCount());
      assertFalse(suggested(rivera, "sleep-test").contains("sleep-habits"));
      JsonObject third = scored("sleep-test", "daily", null, new JsonObject().put("sleep-hours", 5).put("medication", "yes"));
      publish(third.put("answeredAt", Instant.now().plusSeconds(200).toString()));
      assertTrue(suggested(rivera, "sleep-test").contains("sleep-habits"), "four short nights counted: two were written elsewhere");
      List<org.bson.Document> kept = signals.find(com.mongodb.client.model.Filters.eq("_id", history.getString("_id"))).first()
          .getList("hits", org.bson.Document.class);
      assertTrue(kept.stream().anyMatch(h -> "elsewhere-1".equals(h.getString("responseId"))), "the other writer's hits survive");
    }
  }

  @Test
  void aMissedOrPartlyTakenMedicationSuggestsTheAntidepressantModule() {
    Http okafor = tandem.signedIn("okafor");
    publish(scored("eve", "daily", null, new JsonObject().put("sleep-hours", 8).put("medication", "partly")));
    assertTrue(suggested(okafor, "eve").contains("antidepressant-basics"));
  }

  @Test
  void malformedOrForeignEventsAreIgnored() {
    Http rivera = tandem.signedIn("rivera");
    List<String> before = suggested(rivera, "ben");
    publish(new JsonObject().put("patientId", new JsonObject().put("$gt", "")).put("instrument", "gad-7").put("total", 20));
    publish(new JsonObject().put("patientId", IDS.get("rivera")).put("instrument", "gad-7").put("total", 20));
    publish(scored("ben", "gad-7", null, new JsonObject()));
    publish(scored("ben", "daily", null, new JsonObject().put("sleep-hours", "lots").put("medication", 3)));
    publish("not json");
    assertEquals(before, suggested(rivera, "ben"));
  }
}

package dev.tandem.education;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import dev.tandem.testing.Http;
import dev.tandem.testing.TestTandem;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Education through the real server and store: who may assign and see what, the reading
 * flow, language fallback, encrypted notes, audit, and bad input.
 */
@ExtendWith(VertxExtension.class)
class EducationIT {
  static TestTandem tandem;
  static MongoClient mongo;
  static final Map<String, String> IDS = new HashMap<>();

  @BeforeAll
  static void start(Vertx vertx) {
    // Without the demo's check-in history: it loads a few seconds after start and its suggestions
    // would land in the middle of the "refused requests changed nothing" store comparisons.
    tandem = TestTandem.start(vertx, Map.of("identity.password.argon2-memory-kib", "1024", "identity.password.argon2-iterations", "1",
        "demo.checkin-history", "false"));
    mongo = MongoClients.create(tandem.mongoUri());
    for (Object o : tandem.signedIn("admin").get("/api/v1/admin/users").expect(200).array("users")) {
      JsonObject u = (JsonObject) o;
      IDS.put(u.getString("email").replace("@tandem-demo.org", ""), u.getString("id"));
    }
  }

  @AfterAll
  static void stop() {
    mongo.close();
    tandem.close();
  }

  static String base(String patient) {
    return "/api/v1/patients/" + IDS.get(patient) + "/education";
  }

  static JsonObject assignment(JsonObject overview, String moduleId) {
    return overview.getJsonArray("assignments").stream().map(o -> (JsonObject) o)
        .filter(a -> moduleId.equals(a.getString("moduleId"))).findFirst().orElse(null);
  }

  static String today(int plusDays) {
    return LocalDate.now(tandem.clock().withZone(ZoneOffset.UTC)).plusDays(plusDays).toString();
  }

  static JsonObject rightAnswers(String moduleId) {
    JsonObject a = new JsonObject();
    tandem.app().education().library.require(moduleId).english().check().forEach(q -> a.put(q.id(), q.answer()));
    return a;
  }

  @Test
  void theDemoClinicHasAssignmentsForAnaAndBenWithOneCompleted() {
    JsonObject ana = tandem.signedIn("ana").get(base("ana")).expect(200).json();
    assertEquals(2, ana.getJsonArray("assignments").size());
    assertEquals(1L, ana.getLong("done"));
    assertEquals("completed", assignment(ana, "calming-anxiety").getJsonObject("progress").getString("stage"));
    assertEquals("es", assignment(ana, "antidepressant-basics").getString("language"), "Ana reads in Spanish");
    assertNull(ana.getJsonArray("suggestions"), "patients do not see suggestions");
    assertEquals(2, tandem.signedIn("ben").get(base("ben")).expect(200).json().getJsonArray("assignments").size());
  }

  @Test
  void onlyTheCareTeamAssignsAndAssigningTwiceIsIdempotent() {
    Http rivera = tandem.signedIn("rivera");
    JsonObject body = new JsonObject().put("moduleId", "thought-records").put("note", "Try one record a day.").put("dueDate", today(7));
    Http.Response first = rivera.post(base("chloe") + "/assignments", body).expect(201);
    assertTrue(first.json().getBoolean("created"));
    assertEquals("Try one record a day.", first.json().getJsonObject("assignment").getString("note"));
    Http.Response again = rivera.post(base("chloe") + "/assignments", body.copy().put("note", "Updated note")).expect(200);
    assertFalse(again.json().getBoolean("created"));
    JsonObject chloe = tandem.signedIn("chloe").get(base("chloe")).expect(200).json();
    assertEquals(1, chloe.getJsonArray("assignments").stream()
        .filter(a -> "thought-records".equals(((JsonObject) a).getString("moduleId"))).count(), "one assignment per module");
    assertEquals("Updated note", assignment(chloe, "thought-records").getString("note"));

    // Off the team, another patient, the patient, an admin: refused, and nothing changes.
    List<String> before = snapshot();
    JsonObject other = new JsonObject().put("moduleId", "sleep-habits");
    Http.Response offTeam = tandem.signedIn("okafor").post(base("chloe") + "/assignments", other).expect(404);
    Http.Response ghost = tandem.signedIn("okafor").post("/api/v1/patients/nosuchpatient/education/assignments", other).expect(404);
    assertEquals(offTeam.text(), ghost.text(), "off-team looks exactly like an unknown patient");
    tandem.signedIn("chloe").post(base("chloe") + "/assignments", other).expect(403);
    tandem.signedIn("admin").post(base("chloe") + "/assignments", other).expect(403);
    tandem.signedIn("okafor").delete(base("chloe") + "/assignments/thought-records").expect(404);
    tandem.client().post(base("chloe") + "/assignments", other).expect(401);
    assertEquals(before, snapshot(), "refused requests changed nothing");

    // Reading: another patient and an admin get 404 like an unknown patient.
    tandem.signedIn("ben").get(base("chloe")).expect(404);
    tandem.signedIn("admin").get(base("chloe")).expect(404);
    tandem.signedIn("lee").get(base("chloe")).expect(404);

    // Unassign: gone from both views, audited.
    rivera.delete(base("chloe") + "/assignments/thought-records").expect(204);
    assertNull(assignment(tandem.signedIn("chloe").get(base("chloe")).expect(200).json(), "thought-records"));
    rivera.delete(base("chloe") + "/assignments/thought-records").expect(404);
    assertTrue(audited("education.unassign", IDS.get("chloe")));
  }

  @Test
  void theNoteIsEncryptedAtRestAndBoundToItsRecord() {
    String secret = "Remember the panic on the bus last Tuesday";
    tandem.signedIn("okafor").post(base("david") + "/assignments", new JsonObject().put("moduleId", "calming-anxiety")
        .put("note", secret)).expect(201);
    Document doc = mongo.getDatabase("tandem").getCollection("educationAssignments")
        .find(new Document("_id", IDS.get("david") + ":calming-anxiety")).first();
    assertNotNull(doc);
    assertFalse(doc.toJson().contains("panic"), "no plaintext in the store");
    assertNotNull(doc.getString("noteCt"));
    assertEquals(secret, assignment(tandem.signedIn("david").get(base("david")).expect(200).json(), "calming-anxiety").getString("note"));

    // Moved onto another record, the ciphertext does not decrypt (associated data binds it).
    tandem.signedIn("okafor").post(base("david") + "/assignments", new JsonObject().put("moduleId", "sleep-habits")).expect(201);
    mongo.getDatabase("tandem").getCollection("educationAssignments").updateOne(
        new Document("_id", IDS.get("david") + ":sleep-habits"), new Document("$set", new Document("noteCt", doc.getString("noteCt"))));
    JsonObject moved = assignment(tandem.signedIn("david").get(base("david")).expect(200).json(), "sleep-habits");
    assertNull(moved.getString("note"));
  }

  @Test
  void aPatientReadsToTheEndAnswersTheCheckAndTheClinicianSeesIt() {
    Http rivera = tandem.signedIn("rivera");
    rivera.post(base("eve") + "/assignments", new JsonObject().put("moduleId", "video-visit-ready").put("dueDate", today(3))).expect(201);
    Http eve = tandem.signedIn("eve");
    String path = base("eve") + "/assignments/video-visit-ready/progress";
    JsonObject module = eve.get("/api/v1/education/modules/video-visit-ready").expect(200).json().getJsonObject("module");
    assertEquals("en", module.getString("language"));
    assertFalse(module.getBoolean("fallback"));
    assertFalse(module.getJsonArray("check").getJsonObject(0).containsKey("answer"), "the reader is not handed the answers");

    assertEquals("in-progress", eve.post(path, new JsonObject().put("event", "opened")).expect(200).json()
        .getJsonObject("assignment").getJsonObject("progress").getString("stage"));
    eve.post(path, new JsonObject().put("event", "position").put("position", 60)).expect(200);
    JsonObject back = eve.post(path, new JsonObject().put("event", "position").put("position", 20)).expect(200).json();
    assertEquals(60, back.getJsonObject("assignment").getJsonObject("progress").getInteger("position"), "progress never goes backwards");

    // The care team watches; they cannot record the patient's reading.
    rivera.post(path, new JsonObject().put("event", "read-to-end")).expect(403);

    eve.post(path, new JsonObject().put("event", "read-to-end")).expect(200);
    JsonObject wrong = new JsonObject().put("q1", "b").put("q2", "b");
    JsonObject checked = eve.post(path, new JsonObject().put("event", "check").put("answers", wrong)).expect(200).json();
    JsonArray results = checked.getJsonArray("results");
    assertEquals(2, results.size());
    assertFalse(results.getJsonObject(0).getBoolean("correct"));
    assertTrue(results.getJsonObject(1).getBoolean("correct"));
    assertFalse(results.getJsonObject(0).getString("explanation").isBlank());
    JsonObject progress = checked.getJsonObject("assignment").getJsonObject("progress");
    assertEquals("completed", progress.getString("stage"));
    assertEquals(1, progress.getInteger("checkCorrect"));
    eve.post(path, new JsonObject().put("event", "helpful").put("helpful", true)).expect(200);

    JsonObject seen = assignment(rivera.get(base("eve")).expect(200).json(), "video-visit-ready");
    assertEquals("completed", seen.getJsonObject("progress").getString("stage"));
    assertEquals(new JsonObject().put("q1", "b").put("q2", "b"), seen.getJsonObject("progress").getJsonObject("answers"));
    assertEquals(Boolean.TRUE, seen.getJsonObject("progress").getBoolean("helpful"));
    assertEquals(100, seen.getJsonObject("progress").getInteger("position"));
    assertTrue(audited("education.complete", IDS.get("eve")));
    assertTrue(audited("education.assign", IDS.get("eve")));

    // Another read-to-end changes nothing; completion stays.
    String completedAt = progress.getString("completedAt");
    assertEquals(completedAt, eve.post(path, new JsonObject().put("event", "read-to-end")).expect(200).json()
        .getJsonObject("assignment").getJsonObject("progress").getString("completedAt"));
    // Progress on something not assigned, or someone else's, is not found.
    eve.post(base("eve") + "/assignments/safety-plan/progress", new JsonObject().put("event", "opened")).expect(404);
    tandem.signedIn("ben").post(path, new JsonObject().put("event", "opened")).expect(404);
  }

  @Test
  void aSpanishReaderGetsSpanishAndAMissingLanguageFallsBackToEnglishWithANotice() {
    Http ana = tandem.signedIn("ana");
    JsonObject es = ana.get("/api/v1/education/modules/sleep-habits").expect(200).json().getJsonObject("module");
    assertEquals("es", es.getString("language"));
    assertEquals("Hábitos de sueño que ayudan", es.getString("title"));
    assertFalse(es.getBoolean("fallback"));
    JsonObject fr = ana.get("/api/v1/education/modules/sleep-habits?lang=fr").expect(200).json().getJsonObject("module");
    assertEquals("en", fr.getString("language"));
    assertEquals("fr", fr.getString("requestedLanguage"));
    assertTrue(fr.getBoolean("fallback"));
    ana.get("/api/v1/education/modules/sleep-habits?lang=french").expect(400);
    assertEquals(8, ana.get("/api/v1/education/modules").expect(200).array("modules").size());
  }

  @Test
  void moduleImagesAreServedOnlyFromTheModuleFolder() {
    Http ben = tandem.signedIn("ben");
    Http.Response img = ben.get("/api/v1/education/modules/calming-anxiety/assets/breathing.svg").expect(200);
    assertEquals("image/svg+xml", img.header("Content-Type"));
    assertTrue(img.header("Content-Security-Policy").contains("sandbox"));
    ben.get("/api/v1/education/modules/calming-anxiety/assets/..%2Fsafety-plan%2Fen.md").expect(404);
    ben.get("/api/v1/education/modules/calming-anxiety/assets/en.md").expect(404);
    ben.get("/api/v1/education/modules/safety-plan/assets/breathing.svg").expect(404);
    ben.get("/api/v1/education/modules/nosuch/assets/breathing.svg").expect(404);
    tandem.client().get("/api/v1/education/modules/calming-anxiety/assets/breathing.svg").expect(401);
  }

  @Test
  void badInputIsRefusedWithA400AndChangesNothing() {
    Http rivera = tandem.signedIn("rivera");
    String assign = base("eve") + "/assignments";
    List<String> before = snapshot();
    for (JsonObject bad : List.of(new JsonObject().put("moduleId", new JsonObject().put("$gt", "")),
        new JsonObject().put("moduleId", "no-such-module"), new JsonObject(), new JsonObject().put("moduleId", 7),
        new JsonObject().put("moduleId", "sleep-habits").put("dueDate", "tomorrow"),
        new JsonObject().put("moduleId", "sleep-habits").put("dueDate", "1999-01-01"),
        new JsonObject().put("moduleId", "sleep-habits").put("note", "x".repeat(1001)),
        new JsonObject().put("moduleId", "sleep-habits").put("note", new JsonObject().put("$ne", null)),
        new JsonObject().put("moduleId", "sleep-habits").put("extra", true))) {
      Http.Response r = rivera.post(assign, bad);
      assertEquals(400, r.status(), bad + " → " + r.text());
      assertNotNull(r.errorCode());
    }
    assertEquals(400, rivera.send("POST", assign, "{not json", Map.of("Content-Type", "application/json")).status());
    Http ana = tandem.signedIn("ana");
    String progress = base("ana") + "/assignments/antidepressant-basics/progress";
    for (JsonObject bad : List.of(new JsonObject().put("event", "teleport"), new JsonObject().put("event", "position").put("position", 101),
        new JsonObject().put("event", "position").put("position", "50"), new JsonObject().put("event", "check").put("answers", "q1=a"),
        new JsonObject().put("event", "check").put("answers", new JsonObject().put("q1", "a")),
        new JsonObject().put("event", "check").put("answers", new JsonObject().put("q1", "z").put("q2", "a").put("q3", "a")),
        new JsonObject().put("event", "check").put("answers", new JsonObject().put("q1", new JsonObject().put("$gt", "")).put("q2", "a").put("q3", "a")),
        new JsonObject().put("event", "helpful").put("helpful", "yes"), new JsonObject().put("event", "opened").put("position", 3))) {
      Http.Response r = ana.post(progress, bad);
      assertEquals(400, r.status(), bad + " → " + r.text());
    }
    assertEquals(before, snapshot(), "bad input changed nothing");
  }

  @Test
  void aBrokenModuleStopsTheServerFromStartingAndNamesTheFile(Vertx vertx, @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws java.io.IOException {
    java.nio.file.Path m = java.nio.file.Files.createDirectories(dir.resolve("broken"));
    java.nio.file.Files.writeString(m.resolve("en.md"), "---\nid: broken\ntitle: Broken\n---\nNo summary, no check.\n");
    IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> TestTandem.start(vertx, Map.of("education.content-dir", dir.toString())));
    assertTrue(e.getMessage().contains("education.content-dir") && e.getMessage().contains("en.md"), e.getMessage());
  }

  /** Every education document, in a fixed order. */
  static List<String> snapshot() {
    List<String> all = new java.util.ArrayList<>();
    for (String c : List.of("educationAssignments", "educationSuggestions", "educationSignals", "educationKeys")) {
      mongo.getDatabase("tandem").getCollection(c).find().sort(new Document("_id", 1)).forEach(d -> all.add(c + " " + d.toJson()));
    }
    return all;
  }

  static boolean audited(String type, String patientId) {
    return mongo.getDatabase("tandem").getCollection("audit").find(new Document("type", type).append("patientId", patientId)).first() != null;
  }
}

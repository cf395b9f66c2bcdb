package dev.tandem.messaging;

import static dev.tandem.messaging.LiveClient.message;
import static dev.tandem.messaging.LiveClient.messageIn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import dev.tandem.crypto.Envelope;
import dev.tandem.testing.Http;
import dev.tandem.testing.MutableClock;
import dev.tandem.testing.TestTandem;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Who may see which conversation; encryption at rest seen from a plain MongoDB client;
 * tampered ciphertext; master key rotation under traffic; erasure; auditing of reads; bad input.
 */
@ExtendWith(VertxExtension.class)
class MessagingSecurityIT {
  static TestTandem tandem;
  static MongoClient mongo;
  static MongoDatabase db;
  static MongoCollection<Document> messages;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    tandem = TestTandem.start(vertx, Map.of(), Files.createTempDirectory("tandem-msg-sec"),
        new MutableClock(Instant.parse("2026-11-25T15:00:00Z")));
    mongo = MongoClients.create(tandem.mongoUri());
    db = mongo.getDatabase("tandem");
    messages = db.getCollection("messages");
  }

  @AfterAll
  static void stop() {
    mongo.close();
    tandem.close();
  }

  private static Http.Response sendRaw(Device d, String conv, Object body) {
    return d.http.post("/api/v1/conversations/" + conv + "/messages", body);
  }

  // ---- authorization -------------------------------------------------------------------------

  /** What the caller gets for a conversation id that does not exist. */
  private static String unknownBody(Device d, String unknownId) {
    Http.Response r = d.historyResponse(unknownId, null).expect(404);
    assertEquals("not_found", r.errorCode());
    return r.text();
  }

  /** Reading, sending and marking read all answer exactly like an unknown conversation; nothing is stored. */
  private static void assertInvisible(Device d, String conv, String unknownId) {
    String unknown = unknownBody(d, unknownId);
    long before = messages.countDocuments(Filters.eq("conversationId", conv));
    assertEquals(unknown, d.historyResponse(conv, null).expect(404).text(), d.key + " reads " + conv);
    assertEquals(unknown, d.historyResponse(conv, "after=0").expect(404).text(), d.key + " catches up on " + conv);
    assertEquals(unknown, d.send(conv, Device.cid("probe"), "let me in").expect(404).text(), d.key + " sends to " + conv);
    assertEquals(unknown, d.read(conv, 1).expect(404).text(), d.key + " marks " + conv + " read");
    assertEquals(before, messages.countDocuments(Filters.eq("conversationId", conv)), "nothing stored");
    assertFalse(d.conversationIds().contains(conv), conv + " is not in " + d.key + "'s list");
  }

  @Test
  void aPatientCannotReadOrWriteAnotherPatientsThread() {
    Device ana = Device.login(tandem, "ana");
    Device ben = Device.login(tandem, "ben");
    ana.say(Device.patientThread(ana), "something private");
    assertInvisible(ben, Device.patientThread(ana), "p-" + "doesnotexist0000");
    assertInvisible(ben, Device.teamThread(ana), "t-" + "doesnotexist0000");
    assertEquals(List.of("p-" + ben.userId), ben.conversationIds(), "a patient lists only their own patient thread");
  }

  @Test
  void aClinicianOffTheCareTeamCannotReadThePatientsThreads() {
    Device david = Device.login(tandem, "david");
    Device rivera = Device.login(tandem, "rivera");
    Device okafor = Device.login(tandem, "okafor");
    JsonObject m = david.say(Device.patientThread(david), "for my therapist");
    assertInvisible(rivera, Device.patientThread(david), "p-doesnotexist0000");
    assertInvisible(rivera, Device.teamThread(david), "t-doesnotexist0000");
    // Control: his therapist reads it.
    assertEquals(m.getString("id"), okafor.history(Device.patientThread(david), null).stream()
        .map(o -> ((JsonObject) o).getString("id")).filter(m.getString("id")::equals).findFirst().orElse(null));
  }

  @Test
  void aPatientNeverSeesTheTeamThreadAboutThem() {
    Device ana = Device.login(tandem, "ana");
    Device okafor = Device.login(tandem, "okafor");
    Device rivera = Device.login(tandem, "rivera");
    try (LiveClient as = ana.live()) {
      JsonObject note = okafor.say(Device.teamThread(ana), "Handoff: ana may need a sooner med review.");
      assertTrue(rivera.history(Device.teamThread(ana), null).stream()
          .anyMatch(o -> note.getString("id").equals(((JsonObject) o).getString("id"))), "the team reads it");
      assertInvisible(ana, Device.teamThread(ana), "t-doesnotexist0000");
      assertTrue(ana.conversationIds().contains(Device.patientThread(ana)));
      assertTrue(ana.conversationIds().stream().noneMatch(id -> !id.startsWith("p-")), "only the patient thread is listed");
      JsonObject own = ana.conversation(Device.patientThread(ana));
      for (String internal : List.of("awaitingReplySince", "assigneeId", "assigneeName")) {
        assertFalse(own.containsKey(internal), "a patient does not see the team's triage field " + internal);
      }
      // Nor does the note reach her socket.
      JsonObject barrier = rivera.say(Device.patientThread(ana), "See you Thursday.");
      as.await(message(barrier.getString("id")));
      assertEquals(0, as.count(messageIn(Device.teamThread(ana))));
    }
  }

  @Test
  void adminsGetNoClinicalContent() {
    Device admin = Device.login(tandem, "admin");
    Device ana = Device.login(tandem, "ana");
    String conv = Device.patientThread(ana);
    ana.say(conv, "not for the admin");
    assertEquals("forbidden", admin.http.get("/api/v1/conversations").expect(403).errorCode());
    assertEquals("forbidden", admin.http.get("/api/v1/inbox").expect(403).errorCode());
    String unknown = unknownBody(admin, "p-doesnotexist0000");
    assertEquals(unknown, admin.historyResponse(conv, null).expect(404).text());
    assertEquals(unknown, admin.historyResponse(Device.teamThread(ana), null).expect(404).text());
    long before = messages.countDocuments();
    assertEquals(404, admin.send(conv, Device.cid("admin"), "hello").status());
    assertEquals(before, messages.countDocuments());
  }

  @Test
  void aDirectThreadIsVisibleOnlyToItsTwoClinicians() {
    Device rivera = Device.login(tandem, "rivera");
    Device okafor = Device.login(tandem, "okafor");
    Device lee = Device.login(tandem, "lee");
    Device ana = Device.login(tandem, "ana");
    Device david = Device.login(tandem, "david");
    JsonObject direct = rivera.http.post("/api/v1/conversations/direct",
        new JsonObject().put("patientId", ana.userId).put("clinicianId", okafor.userId)).expect(200).json().getJsonObject("conversation");
    String conv = direct.getString("id");
    assertEquals("direct", direct.getString("kind"));
    assertEquals(ana.userId, direct.getString("patientId"));
    assertTrue(conv.matches("d-" + ana.userId + "-[0-9a-f]{16}"), conv);
    assertEquals(conv, okafor.http.post("/api/v1/conversations/direct", new JsonObject().put("patientId", ana.userId)
        .put("clinicianId", rivera.userId)).expect(200).json().getJsonObject("conversation").getString("id"), "one thread per pair");

    JsonObject m = rivera.say(conv, "Between us: I am thinking of changing her dose.");
    assertEquals(m.getString("id"), okafor.history(conv, null).getJsonObject(0).getString("id"));
    assertTrue(okafor.conversationIds().contains(conv));
    assertTrue(rivera.conversationIds().contains(conv));

    String unknownDirect = "d-" + ana.userId + "-0000000000000000";
    assertInvisible(lee, conv, unknownDirect);
    assertInvisible(ana, conv, unknownDirect);
    // Not about a patient outside the caller's teams, nor with someone off the team, nor for patients.
    assertEquals(404, rivera.http.post("/api/v1/conversations/direct", new JsonObject().put("patientId", david.userId)
        .put("clinicianId", okafor.userId)).status());
    assertEquals(400, okafor.http.post("/api/v1/conversations/direct", new JsonObject().put("patientId", david.userId)
        .put("clinicianId", rivera.userId)).status());
    assertEquals(403, ana.http.post("/api/v1/conversations/direct", new JsonObject().put("patientId", ana.userId)
        .put("clinicianId", rivera.userId)).status());
  }

  // ---- encryption at rest ----------------------------------------------------------------------

  /** Every document of every collection of every database, as JSON text. */
  private static String wholeDatabase() {
    StringBuilder sb = new StringBuilder();
    for (String name : mongo.listDatabaseNames()) {
      MongoDatabase d = mongo.getDatabase(name);
      for (String coll : d.listCollectionNames()) {
        for (Document doc : d.getCollection(coll).find()) {
          sb.append(name).append('.').append(coll).append(' ').append(doc.toJson()).append('\n');
        }
      }
    }
    return sb.toString();
  }

  @Test
  void messageTextNeverReachesTheDatabaseInPlaintext() throws IOException {
    Device ana = Device.login(tandem, "ana");
    Device rivera = Device.login(tandem, "rivera");
    Device okafor = Device.login(tandem, "okafor");
    String secret = "pineapple-larch-7731";
    List<String> bodies = List.of(secret + " is my safe word, please keep it private",
        "Réponse: " + secret + " — ñ, ü, 日本語",
        "team note: " + secret + " mentioned today",
        "direct: " + secret);
    ana.say(Device.patientThread(ana), bodies.get(0));
    try (LiveClient s = ana.live()) {
      JsonObject ok = s.request(new JsonObject().put("type", "send").put("conversationId", Device.patientThread(ana))
          .put("clientId", Device.cid("rest")).put("body", bodies.get(1)));
      assertEquals("send.ok", ok.getString("type"), ok::encode);
    }
    okafor.say(Device.teamThread(ana), bodies.get(2));
    String direct = rivera.http.post("/api/v1/conversations/direct", new JsonObject().put("patientId", ana.userId)
        .put("clinicianId", okafor.userId)).expect(200).json().getJsonObject("conversation").getString("id");
    rivera.say(direct, bodies.get(3));
    // Reading it back audits the read; that must not copy the text either.
    assertTrue(rivera.history(Device.patientThread(ana), null).stream().anyMatch(o -> bodies.get(0).equals(((JsonObject) o).getString("body"))));

    String dump = wholeDatabase();
    assertTrue(dump.contains("conversationKeys"), "the dump covers the messaging collections");
    assertFalse(dump.contains(secret), "plaintext found in the database");
    assertFalse(dump.toLowerCase().contains(secret.toLowerCase()), "plaintext found in the database");
    for (String b : bodies) {
      assertFalse(dump.contains(Base64.getEncoder().encodeToString(b.getBytes(StandardCharsets.UTF_8))), "base64 of a body");
      assertFalse(dump.contains(HexFormat.of().formatHex(b.getBytes(StandardCharsets.UTF_8))), "hex of a body");
    }

    // Messages hold only base64 ciphertext, no body.
    List<Document> ours = messages.find(Filters.in("conversationId", Device.patientThread(ana), Device.teamThread(ana), direct))
        .into(new ArrayList<>());
    assertTrue(ours.size() >= 4);
    for (Document d : ours) {
      assertNull(d.get("body"), "no body field");
      assertTrue(d.get("ct") instanceof String, "ct is a string: " + d.toJson());
      byte[] ct = Base64.getDecoder().decode(d.getString("ct"));
      assertTrue(ct.length >= 1 + 12 + 16, "nonce, ciphertext and tag");
    }

    // Data keys are stored only wrapped: the unwrapped key appears nowhere, in no encoding.
    Envelope envelope = new Envelope(tandem.app().keyManager());
    List<Document> keys = db.getCollection("conversationKeys").find().into(new ArrayList<>());
    assertFalse(keys.isEmpty());
    for (Document k : keys) {
      assertEquals(Set.of("_id", "conversationId", "epoch", "patientId", "wrapped", "version"), k.keySet(), k.toJson());
      byte[] wrapped = Base64.getDecoder().decode(k.getString("wrapped"));
      assertEquals(4 + 40, wrapped.length, "version + RFC 3394 wrapped 256-bit key");
      byte[] dk = envelope.unwrap(wrapped, k.getString("_id"));
      assertFalse(dump.contains(Base64.getEncoder().encodeToString(dk)), "an unwrapped data key (base64) is in the database");
      assertFalse(dump.toLowerCase().contains(HexFormat.of().formatHex(dk)), "an unwrapped data key (hex) is in the database");
    }
    // Nor the master key.
    Path keyFile = tandem.dataDir().resolve("keys").resolve("master.key");
    assertTrue(Files.exists(keyFile), keyFile.toString());
    for (String line : Files.readAllLines(keyFile)) {
      if (!line.isBlank() && !line.startsWith("#")) {
        assertFalse(dump.contains(line.substring(line.indexOf(':') + 1).trim()), "master key in the database");
      }
    }
    // And not on disk in the store's files either.
    byte[] needle = secret.getBytes(StandardCharsets.UTF_8);
    try (Stream<Path> files = Files.walk(tandem.dataDir())) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        assertFalse(contains(Files.readAllBytes(f), needle), "plaintext in " + f);
      }
    }
  }

  private static boolean contains(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  // ---- tampering ------------------------------------------------------------------------------

  private static Map<String, JsonObject> byId(JsonArray page) {
    Map<String, JsonObject> m = new LinkedHashMap<>();
    page.forEach(o -> m.put(((JsonObject) o).getString("id"), (JsonObject) o));
    return m;
  }

  private static void assertTampered(JsonObject m) {
    assertEquals("tampered", m.getString("status"), m::encode);
    assertTrue(m.containsKey("body") && m.getValue("body") == null, () -> "no text for a tampered message: " + m.encode());
  }

  private static void assertOk(JsonObject m, String body) {
    assertEquals("ok", m.getString("status"), m::encode);
    assertEquals(body, m.getString("body"));
  }

  private static List<JsonObject> chloeSays(Device chloe, String conv, int n, String prefix) {
    List<JsonObject> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(chloe.say(conv, prefix + " " + i));
    }
    return out;
  }

  @Test
  void aCiphertextWithAFlippedByteComesBackAsTamperedNotAsText() {
    Device chloe = Device.login(tandem, "chloe");
    Device rivera = Device.login(tandem, "rivera");
    String conv = Device.patientThread(chloe);
    List<JsonObject> sent = chloeSays(chloe, conv, 4, "flip");
    for (int victim : new int[] {1, 2}) {
      String id = sent.get(victim).getString("id");
      byte[] ct = Base64.getDecoder().decode(messages.find(Filters.eq("_id", id)).first().getString("ct"));
      // Message 1: a byte in the middle of the ciphertext; message 2: the format byte in front.
      int at = victim == 1 ? ct.length / 2 : 0;
      ct[at] ^= 0x01;
      messages.updateOne(Filters.eq("_id", id), Updates.set("ct", Base64.getEncoder().encodeToString(ct)));
    }
    for (Device reader : List.of(rivera, chloe)) {
      Map<String, JsonObject> page = byId(reader.history(conv, "after=" + (sent.get(0).getLong("seq") - 1)));
      assertOk(page.get(sent.get(0).getString("id")), "flip 0");
      assertTampered(page.get(sent.get(1).getString("id")));
      assertTampered(page.get(sent.get(2).getString("id")));
      assertOk(page.get(sent.get(3).getString("id")), "flip 3");
    }
  }

  @Test
  void aCiphertextMovedToAnotherMessageFailsAuthentication() {
    Device chloe = Device.login(tandem, "chloe");
    Device rivera = Device.login(tandem, "rivera");
    String conv = Device.patientThread(chloe);
    List<JsonObject> sent = chloeSays(chloe, conv, 3, "move");
    JsonObject teamNote = rivera.say(Device.teamThread(chloe), "team-only note");
    // Message 0 gets message 1's ciphertext (same key, other record); message 2 gets one from another conversation.
    String ct1 = messages.find(Filters.eq("_id", sent.get(1).getString("id"))).first().getString("ct");
    String ctTeam = messages.find(Filters.eq("_id", teamNote.getString("id"))).first().getString("ct");
    messages.updateOne(Filters.eq("_id", sent.get(0).getString("id")), Updates.set("ct", ct1));
    messages.updateOne(Filters.eq("_id", sent.get(2).getString("id")), Updates.set("ct", ctTeam));
    Map<String, JsonObject> page = byId(rivera.history(conv, "after=" + (sent.get(0).getLong("seq") - 1)));
    assertTampered(page.get(sent.get(0).getString("id")));
    assertOk(page.get(sent.get(1).getString("id")), "move 1");
    assertTampered(page.get(sent.get(2).getString("id")));
    assertOk(rivera.history(Device.teamThread(chloe), null).stream().map(o -> (JsonObject) o)
        .filter(m -> m.getString("id").equals(teamNote.getString("id"))).findFirst().orElseThrow(), "team-only note");
  }

  @Test
  void aCiphertextThatIsNotEvenBase64OrIsMissingIsReportedAsTamperedNotAServerError() {
    Device chloe = Device.login(tandem, "chloe");
    Device rivera = Device.login(tandem, "rivera");
    String conv = Device.patientThread(chloe);
    List<JsonObject> sent = chloeSays(chloe, conv, 3, "mangle");
    messages.updateOne(Filters.eq("_id", sent.get(0).getString("id")), Updates.set("ct", "not*base64!at~all"));
    messages.updateOne(Filters.eq("_id", sent.get(1).getString("id")), Updates.set("ct", "AAAA"));
    Http.Response r = rivera.historyResponse(conv, "after=" + (sent.get(0).getLong("seq") - 1));
    assertEquals(200, r.status(), () -> "history with a corrupted ciphertext: " + r.text());
    Map<String, JsonObject> page = byId(r.json().getJsonArray("messages"));
    assertTampered(page.get(sent.get(0).getString("id")));
    assertTampered(page.get(sent.get(1).getString("id")));
    assertOk(page.get(sent.get(2).getString("id")), "mangle 2");
  }

  // ---- key rotation -----------------------------------------------------------------------------

  @Test
  void rotatingTheMasterKeyUnderTrafficKeepsEveryMessageReadable() throws Exception {
    Device admin = Device.login(tandem, "admin");
    Device rivera = Device.login(tandem, "rivera");
    assertEquals("forbidden", rivera.http.post("/api/v1/admin/keys/rotate", new JsonObject()).expect(403).errorCode());

    Device ben = Device.login(tandem, "ben");
    Device david = Device.login(tandem, "david");
    Device okafor = Device.login(tandem, "okafor");
    // Writers and their threads; some threads get their first message (and data key) during the run.
    List<Device> writers = List.of(ben, rivera, david, okafor, rivera, rivera);
    List<String> threads = List.of(Device.patientThread(ben), Device.teamThread(ben), Device.patientThread(david),
        Device.teamThread(david), "t-" + Device.login(tandem, "chloe").userId, Device.patientThread(ben));
    Map<String, String> expected = new java.util.concurrent.ConcurrentHashMap<>();
    Map<String, String> threadOf = new java.util.concurrent.ConcurrentHashMap<>();
    AtomicInteger sentCount = new AtomicInteger();
    AtomicInteger afterRotation = new AtomicInteger();
    AtomicBoolean rotated = new AtomicBoolean();
    java.util.concurrent.CountDownLatch warmedUp = new java.util.concurrent.CountDownLatch(40);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    Future<?> traffic = pool.submit(() -> {
      for (int i = 0; i < 400 && !(rotated.get() && afterRotation.get() >= 30); i++) {
        int w = i % writers.size();
        String clientId = "rot-" + i + "-" + Device.cid("k");
        String body = "rotation traffic " + i;
        JsonObject m = writers.get(w).send(threads.get(w), clientId, body).expect(201).json().getJsonObject("message");
        expected.put(m.getString("id"), body);
        threadOf.put(m.getString("id"), threads.get(w));
        sentCount.incrementAndGet();
        warmedUp.countDown();
        if (rotated.get()) {
          afterRotation.incrementAndGet();
        }
      }
      return null;
    });
    // Let traffic run, then snapshot every stored ciphertext and rotate while it continues.
    assertTrue(warmedUp.await(30, TimeUnit.SECONDS), "traffic started");
    assertFalse(traffic.isDone(), "traffic still running when the rotation starts");
    Map<Object, String> snapshot = new HashMap<>();
    messages.find().forEach(d -> snapshot.put(d.get("_id"), d.getString("ct")));
    int sentAtStart = sentCount.get();
    JsonObject rotation = admin.http.post("/api/v1/admin/keys/rotate", new JsonObject()).expect(200).json();
    int sentAtEnd = sentCount.get();
    rotated.set(true);
    traffic.get(60, TimeUnit.SECONDS);
    pool.shutdown();

    assertEquals(2, rotation.getInteger("version"), rotation::encode);
    assertTrue(rotation.getLong("rewrapped") >= 4, rotation::encode);
    assertTrue(afterRotation.get() >= 30, "messages were also sent after the rotation");
    assertTrue(sentAtEnd >= sentAtStart, "sent " + sentAtStart + " before and " + sentAtEnd + " when the rotation answered");

    // Every data key is now wrapped under version 2, and no message ciphertext was rewritten.
    List<Document> keys = db.getCollection("conversationKeys").find().into(new ArrayList<>());
    for (Document k : keys) {
      assertEquals(2, k.getInteger("version"), "key " + k.get("_id") + " re-wrapped");
      assertEquals(2, java.nio.ByteBuffer.wrap(Base64.getDecoder().decode(k.getString("wrapped"))).getInt(),
          "wrapped form names version 2");
    }
    // Other features' per-patient note keys (education, check-ins) are re-wrapped too.
    assertFalse(db.getCollection("educationKeys").find().into(new ArrayList<>()).isEmpty(), "the demo's education notes have a key");
    for (String c : List.of("educationKeys", "checkinKeys")) {
      for (Document k : db.getCollection(c).find().into(new ArrayList<>())) {
        assertEquals(2, k.getInteger("version"), c + " " + k.get("_id") + " re-wrapped");
        assertEquals(2, java.nio.ByteBuffer.wrap(Base64.getDecoder().decode(k.getString("wrapped"))).getInt(),
            c + " wrapped form names version 2");
      }
    }
    snapshot.forEach((id, ct) -> assertEquals(ct, messages.find(Filters.eq("_id", id)).first().getString("ct"),
        "ciphertext of " + id + " unchanged"));

    // Every message of the run reads back as sent: before, during and after the rotation.
    Map<String, Device> readerOf = Map.of(Device.patientThread(ben), rivera, Device.teamThread(ben), okafor,
        Device.patientThread(david), okafor, Device.teamThread(david), okafor, threads.get(4), rivera);
    int checked = 0;
    for (Map.Entry<String, Device> e : readerOf.entrySet()) {
      for (JsonObject m : e.getValue().fullHistory(e.getKey())) {
        String body = expected.get(m.getString("id"));
        if (body != null) {
          assertOk(m, body);
          checked++;
        }
      }
    }
    assertEquals(expected.size(), checked, "every message of the run was found");
    // The new key version also serves new conversations and is audited.
    JsonObject fresh = david.say(Device.patientThread(david), "after rotation");
    assertOk(okafor.history(Device.patientThread(david), "after=" + (fresh.getLong("seq") - 1)).getJsonObject(0), "after rotation");
    assertTrue(auditEntries(admin).stream().anyMatch(a -> "keys.rotate".equals(a.getString("type"))));
  }

  // ---- erasure ----------------------------------------------------------------------------------

  @Test
  void erasingAPatientsMessagesShredsThemAndNewMessagesStillWork() {
    Device eve = Device.login(tandem, "eve");
    Device rivera = Device.login(tandem, "rivera");
    Device okafor = Device.login(tandem, "okafor");
    Device admin = Device.login(tandem, "admin");
    String p = Device.patientThread(eve);
    String t = Device.teamThread(eve);
    eve.say(p, "erase me 1");
    eve.say(p, "erase me 2");
    rivera.say(p, "noted");
    okafor.say(t, "team note about eve");
    assertTrue(rivera.fullHistory(p).stream().allMatch(m -> "ok".equals(m.getString("status"))));

    assertEquals("forbidden", rivera.http.post("/api/v1/admin/patients/" + eve.userId + "/erase-messages", new JsonObject())
        .expect(403).errorCode());
    assertEquals("forbidden", eve.http.post("/api/v1/admin/patients/" + eve.userId + "/erase-messages", new JsonObject())
        .expect(403).errorCode());
    assertTrue(rivera.fullHistory(p).stream().allMatch(m -> "ok".equals(m.getString("status"))), "a refused erase changes nothing");
    admin.http.post("/api/v1/admin/patients/doesnotexist0000/erase-messages", new JsonObject()).expect(404);
    admin.http.post("/api/v1/admin/patients/" + rivera.userId + "/erase-messages", new JsonObject()).expect(404);

    long stored = messages.countDocuments(Filters.in("conversationId", p, t));
    JsonObject r = admin.http.post("/api/v1/admin/patients/" + eve.userId + "/erase-messages", new JsonObject()).expect(200).json();
    assertEquals(eve.userId, r.getString("patientId"));
    assertTrue(r.getLong("keysDestroyed") >= 2, r::encode);
    assertEquals(0, db.getCollection("conversationKeys").countDocuments(Filters.and(Filters.eq("patientId", eve.userId),
        Filters.eq("epoch", 0))), "the data keys are gone");
    assertEquals(stored, messages.countDocuments(Filters.in("conversationId", p, t)), "ciphertext stays, unreadable");

    List<JsonObject> before = rivera.fullHistory(p);
    assertFalse(before.isEmpty());
    for (List<JsonObject> h : List.of(before, okafor.fullHistory(t), eve.fullHistory(p))) {
      for (JsonObject m : h) {
        assertEquals("erased", m.getString("status"), m::encode);
        assertTrue(m.containsKey("body") && m.getValue("body") == null, m::encode);
      }
    }

    JsonObject after = eve.say(p, "a new start");
    assertEquals("ok", after.getString("status"));
    List<JsonObject> now = rivera.fullHistory(p);
    assertOk(now.get(now.size() - 1), "a new start");
    assertEquals(after.getString("id"), now.get(now.size() - 1).getString("id"));
    assertTrue(now.subList(0, now.size() - 1).stream().allMatch(m -> "erased".equals(m.getString("status"))));
    JsonObject teamAfter = okafor.say(t, "team note after the erase");
    List<JsonObject> team = okafor.fullHistory(t);
    assertOk(team.get(team.size() - 1), "team note after the erase");
    assertEquals(teamAfter.getString("id"), team.get(team.size() - 1).getString("id"));

    JsonObject audit = auditEntries(admin).stream().filter(a -> "messages.erase".equals(a.getString("type"))).findFirst().orElseThrow();
    assertEquals(eve.userId, audit.getString("patientId"));
    assertEquals(admin.userId, audit.getString("actorId"));
  }

  // ---- audit -------------------------------------------------------------------------------------

  private static List<JsonObject> auditEntries(Device admin) {
    return admin.http.get("/api/v1/admin/audit?limit=500").expect(200).json().getJsonArray("entries").stream()
        .map(o -> (JsonObject) o).toList();
  }

  @Test
  void everyHistoryReadWritesAConversationReadAuditEntry() {
    Device admin = Device.login(tandem, "admin");
    Device ana = Device.login(tandem, "ana");
    Device rivera = Device.login(tandem, "rivera");
    Device okafor = Device.login(tandem, "okafor");
    Device lee = Device.login(tandem, "lee");
    Device ben = Device.login(tandem, "ben");
    Device david = Device.login(tandem, "david");
    ana.say(Device.patientThread(ana), "audit me");
    okafor.say(Device.teamThread(ana), "audit the team thread");
    david.say(Device.patientThread(david), "audit david");
    String direct = rivera.http.post("/api/v1/conversations/direct", new JsonObject().put("patientId", ana.userId)
        .put("clinicianId", lee.userId)).expect(200).json().getJsonObject("conversation").getString("id");
    rivera.say(direct, "audit direct");
    long since = auditEntries(admin).get(0).getLong("seq");

    record Read(Device who, String conv, String query, String patientId) {
    }
    List<Read> reads = List.of(
        new Read(ana, Device.patientThread(ana), null, ana.userId),
        new Read(rivera, Device.patientThread(ana), "after=0", ana.userId),
        new Read(okafor, Device.teamThread(ana), "before=1000&limit=2", ana.userId),
        new Read(lee, direct, null, ana.userId),
        new Read(lee, Device.patientThread(david), "limit=1", david.userId),
        new Read(rivera, Device.patientThread(ana), "after=1000", ana.userId));
    for (Read r : reads) {
      r.who().history(r.conv(), r.query());
    }
    ben.historyResponse(Device.patientThread(ana), null).expect(404); // refused: not a read of content

    List<JsonObject> entries = new ArrayList<>(auditEntries(admin).stream()
        .filter(a -> a.getLong("seq") > since && "conversation.read".equals(a.getString("type"))).toList());
    java.util.Collections.reverse(entries);
    assertEquals(reads.size(), entries.size(), "one conversation.read per history read: " + entries);
    for (int i = 0; i < reads.size(); i++) {
      Read r = reads.get(i);
      JsonObject a = entries.get(i);
      assertEquals(r.who().userId, a.getString("actorId"), a::encode);
      assertEquals(r.patientId(), a.getString("patientId"), a::encode);
      assertEquals(r.conv(), a.getString("subjectId"), a::encode);
      assertEquals("success", a.getString("outcome"));
      assertFalse(a.encode().contains("audit me"), "no message text in the audit log");
    }
  }

  // ---- bad input ----------------------------------------------------------------------------------

  private static void assertClientError(Http.Response r, String what) {
    assertTrue(r.status() >= 400 && r.status() < 500, () -> what + " -> " + r.status() + " " + r.text());
    JsonObject error = r.json() == null ? null : r.json().getJsonObject("error");
    assertNotNull(error, () -> what + ": JSON error body, got " + r.text());
    assertNotNull(error.getString("code"), what);
    assertFalse(error.getString("message", "").isBlank(), what);
  }

  @Test
  void badInputOnTheMessagingRoutesIsAClientErrorAndStoresNothing() {
    Device ana = Device.login(tandem, "ana");
    Device lee = Device.login(tandem, "lee");
    String conv = Device.patientThread(ana);
    String path = "/api/v1/conversations/" + conv;
    ana.say(conv, "so the thread exists");
    JsonObject anaBefore = ana.conversation(conv);
    long before = messages.countDocuments();
    String cid = Device.cid("bad");
    Map<String, Object> sends = new LinkedHashMap<>();
    sends.put("body of 4001 characters", new JsonObject().put("clientId", cid).put("body", "x".repeat(4001)));
    sends.put("empty body", new JsonObject().put("clientId", cid).put("body", ""));
    sends.put("blank body", new JsonObject().put("clientId", cid).put("body", " \n\t "));
    sends.put("body missing", new JsonObject().put("clientId", cid));
    sends.put("body a number", new JsonObject().put("clientId", cid).put("body", 42));
    sends.put("body an operator", new JsonObject().put("clientId", cid).put("body", new JsonObject().put("$gt", "")));
    sends.put("body with a NUL", new JsonObject().put("clientId", cid).put("body", "a\u0000b"));
    sends.put("clientId with spaces", new JsonObject().put("clientId", "bad id!").put("body", "hi"));
    sends.put("clientId with a slash", new JsonObject().put("clientId", "a/b").put("body", "hi"));
    sends.put("clientId non-ASCII", new JsonObject().put("clientId", "clé").put("body", "hi"));
    sends.put("clientId of 65", new JsonObject().put("clientId", "x".repeat(65)).put("body", "hi"));
    sends.put("clientId empty", new JsonObject().put("clientId", "").put("body", "hi"));
    sends.put("clientId missing", new JsonObject().put("body", "hi"));
    sends.put("clientId an operator", new JsonObject().put("clientId", new JsonObject().put("$gt", "")).put("body", "hi"));
    sends.put("clientId an array", new JsonObject().put("clientId", new JsonArray().add("a")).put("body", "hi"));
    sends.put("unknown field", new JsonObject().put("clientId", cid).put("body", "hi").put("senderId", "someone-else"));
    sends.put("operator as a field", new JsonObject().put("clientId", cid).put("body", "hi").put("$where", "1"));
    sends.put("malformed JSON", "{\"clientId\": \"" + cid + "\", \"body\": ");
    sends.put("a JSON array", "[{\"clientId\": \"" + cid + "\", \"body\": \"hi\"}]");
    sends.put("JSON null", "null");
    sends.forEach((what, body) -> assertClientError(sendRaw(ana, conv, body), what));
    assertClientError(ana.http.send("POST", path + "/messages", new JsonObject().put("clientId", cid).put("body", "hi").encode(),
        Map.of("Content-Type", "text/plain")), "not declared as JSON");
    assertClientError(ana.http.send("POST", path + "/messages", null, Map.of("Content-Type", "application/json")), "no body");

    // Operators and junk in the conversation id in the path.
    for (String badId : List.of("%7B%22%24gt%22%3A%22%22%7D", "p-%24gt", "%24where", "p-" + "x".repeat(70), "..%2Fp-x")) {
      assertClientError(ana.http.get("/api/v1/conversations/" + badId + "/messages"), "conversation id " + badId);
      assertClientError(ana.http.post("/api/v1/conversations/" + badId + "/messages",
          new JsonObject().put("clientId", cid).put("body", "hi")), "send to " + badId);
    }

    Map<String, Object> reads = new LinkedHashMap<>();
    reads.put("seq as a string", new JsonObject().put("seq", "3"));
    reads.put("seq zero", new JsonObject().put("seq", 0));
    reads.put("seq negative", new JsonObject().put("seq", -1));
    reads.put("seq a fraction", new JsonObject().put("seq", 1.5));
    reads.put("seq an operator", new JsonObject().put("seq", new JsonObject().put("$gt", 0)));
    reads.put("seq missing", new JsonObject());
    reads.put("seq and more", new JsonObject().put("seq", 1).put("userId", "x"));
    reads.put("seq huge", "{\"seq\": 123456789012345678901234567890}");
    reads.forEach((what, body) -> assertClientError(ana.http.post(path + "/read", body), what));

    for (String q : List.of("after=abc", "after=-1", "after=1.5", "after=99999999999999999999", "before=x", "limit=0",
        "limit=201", "limit=abc", "after=1&before=5", "after=%7B%22%24gt%22%3A0%7D")) {
      assertClientError(ana.historyResponse(conv, q), "history ?" + q);
    }

    assertClientError(lee.http.put(path + "/assignee", new JsonObject().put("userId", new JsonObject().put("$gt", ""))), "assignee operator");
    assertClientError(lee.http.put(path + "/assignee", new JsonObject()), "assignee missing");
    assertClientError(lee.http.put(path + "/assignee", new JsonObject().put("userId", lee.userId).put("x", 1)), "assignee extra field");
    assertClientError(lee.http.post("/api/v1/conversations/direct", new JsonObject().put("patientId", new JsonObject().put("$ne", ""))
        .put("clinicianId", lee.userId)), "direct operator");
    assertClientError(lee.http.post("/api/v1/conversations/direct", new JsonObject().put("patientId", ana.userId)), "direct missing clinician");
    assertClientError(lee.http.post("/api/v1/conversations/direct", new JsonObject().put("patientId", ana.userId)
        .put("clinicianId", lee.userId)), "direct with oneself");

    assertEquals(before, messages.countDocuments(), "bad input stored nothing");
    JsonObject anaAfter = ana.conversation(conv);
    assertEquals(anaBefore.getLong("readSeq"), anaAfter.getLong("readSeq"), "read position unchanged");
    assertEquals(anaBefore.getLong("lastSeq"), anaAfter.getLong("lastSeq"));
    // The boundaries themselves are accepted.
    assertEquals(4000, ana.send(conv, "x".repeat(64), "y".repeat(4000)).expect(201).json().getJsonObject("message")
        .getString("body").length());
  }
}

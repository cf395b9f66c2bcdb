package dev.tandem.messaging;

import static dev.tandem.messaging.LiveClient.message;
import static dev.tandem.messaging.LiveClient.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Filters;
import dev.tandem.testing.MutableClock;
import dev.tandem.testing.TestTandem;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Crisis language, after-hours replies and the navigator inbox, against a clock the tests move.
 * The clinic is open mon–fri 08:00–18:00 America/New_York. The clock starts on Wednesday
 * 2026-11-25 at 10:00 in New York and only moves forward: each test first moves it to the next
 * day and time it needs, and signs in afterwards; sessions here idle out after a day of clock time.
 */
@ExtendWith(VertxExtension.class)
class MessagingSafetyIT {
  static final ZoneId NY = ZoneId.of("America/New_York");
  static final Set<DayOfWeek> WEEKDAYS = EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY);
  /** Days whose next day is a weekday too. */
  static final Set<DayOfWeek> MON_TO_THU = EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.THURSDAY);
  static TestTandem tandem;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    // Sessions outlive the clock jumps within a test (idle up to a day, absolute 30 days).
    tandem = TestTandem.start(vertx, Map.of("identity.session.idle-timeout", "1d", "identity.session.absolute-lifetime", "30d"),
        Files.createTempDirectory("tandem-msg-safety"),
        new MutableClock(Instant.parse("2026-11-25T15:00:00Z")));
  }

  @AfterAll
  static void stop() {
    tandem.close();
  }

  private static void moveTo(ZonedDateTime target) {
    Instant now = tandem.clock().instant();
    assertTrue(target.toInstant().isAfter(now), "the clock only moves forward");
    tandem.clock().advance(Duration.between(now, target.toInstant()));
  }

  /** Moves the clock to the next {@code at} (New York time) on one of {@code days}, later than now. */
  private static ZonedDateTime moveToNext(Set<DayOfWeek> days, LocalTime at) {
    ZonedDateTime now = tandem.clock().instant().atZone(NY);
    ZonedDateTime t = now.with(at);
    if (!t.isAfter(now.plusMinutes(1))) {
      t = t.plusDays(1);
    }
    while (!days.contains(t.getDayOfWeek())) {
      t = t.plusDays(1);
    }
    moveTo(t);
    return t;
  }

  private static Device login(String key) {
    return Device.login(tandem, key);
  }

  // ---- crisis ---------------------------------------------------------------------------------

  private static Predicate<JsonObject> alertFor(String messageId) {
    return e -> "safety.alert".equals(e.getString("type")) && e.getJsonObject("alert") != null
        && messageId.equals(e.getJsonObject("alert").getString("messageId"));
  }

  private static Duration left(long startNanos, Duration budget) {
    return budget.minusNanos(System.nanoTime() - startNanos);
  }

  private static void assertCrisisResponse(JsonObject sendAnswer) {
    JsonObject crisis = sendAnswer.getJsonObject("crisis");
    assertNotNull(crisis, () -> "crisis resources in the answer: " + sendAnswer.encode());
    assertTrue(crisis.getString("resources", "").contains("988"), crisis::encode);
    assertFalse(crisis.getString("message", "").isBlank(), crisis::encode);
    assertTrue(sendAnswer.getJsonObject("message").getBoolean("crisis"), "the message is flagged");
  }

  @Test
  void crisisLanguageFromAPatientAlertsEveryOnlineCareTeamMemberWithinASecond() {
    moveToNext(WEEKDAYS, LocalTime.of(10, 0));
    Device ana = login("ana");
    Device ben = login("ben");
    Device riveraPhone = login("rivera");
    Device riveraLaptop = login("rivera");
    Device okafor = login("okafor");
    Device lee = login("lee");
    var mongo = MongoClients.create(tandem.mongoUri());
    try (mongo; LiveClient as = ana.live(); LiveClient bs = ben.live(); LiveClient rp = riveraPhone.live();
        LiveClient rl = riveraLaptop.live(); LiveClient os = okafor.live(); LiveClient ls = lee.live()) {
      String anaThread = Device.patientThread(ana);
      String benThread = Device.patientThread(ben);

      long t0 = System.nanoTime();
      JsonObject answer = ana.send(anaThread, Device.cid("crisis"), "I don't want to be here anymore").expect(201).json();
      assertCrisisResponse(answer);
      JsonObject m = answer.getJsonObject("message");
      for (LiveClient s : List.of(rp, rl, os, ls)) {
        JsonObject alert = s.await(alertFor(m.getString("id")), left(t0, Duration.ofSeconds(1))).getJsonObject("alert");
        assertEquals(ana.userId, alert.getString("patientId"));
        assertEquals("Ana García", alert.getString("patientName"));
        assertEquals("message", alert.getString("source"));
        assertEquals(anaThread, alert.getString("conversationId"));
        assertEquals(m.getLong("seq"), alert.getLong("seq"));
        assertEquals("open", alert.getString("status"));
        assertEquals("urgent", alert.getString("severity"));
        assertNotNull(alert.getString("id"));
        assertNotNull(alert.getString("createdAt"));
      }

      // Spanish, over the socket.
      long t1 = System.nanoTime();
      JsonObject ok = bs.request(new JsonObject().put("type", "send").put("conversationId", benThread)
          .put("clientId", Device.cid("crisis-es")).put("body", "Ya no puedo más, quiero quitarme la vida."));
      assertEquals("send.ok", ok.getString("type"), ok::encode);
      assertCrisisResponse(ok);
      String benMessage = ok.getJsonObject("message").getString("id");
      for (LiveClient s : List.of(rp, rl, os)) {
        assertEquals(ben.userId, s.await(alertFor(benMessage), left(t1, Duration.ofSeconds(1))).getJsonObject("alert")
            .getString("patientId"));
      }

      // Lee is not on ben's team, and patients do not get the team's alerts (barriers: later events to each).
      String toAna = riveraPhone.say(anaThread, "Ana, I am calling you now.").getString("id");
      String toBen = riveraPhone.say(benThread, "Ben, I am calling you now.").getString("id");
      ls.await(message(toAna));
      as.await(message(toAna));
      bs.await(message(toBen));
      assertEquals(0, ls.count(alertFor(benMessage)), "an alert reaches only the patient's own care team");
      assertEquals(0, as.count(type("safety.alert")));
      assertEquals(0, bs.count(type("safety.alert")));

      var alerts = mongo.getDatabase("tandem").getCollection("safetyAlerts");
      assertEquals(1, alerts.countDocuments(Filters.eq("messageId", m.getString("id"))));
      assertEquals(1, alerts.countDocuments(Filters.eq("messageId", benMessage)));
    }
  }

  @Test
  void crisisWordsFromAClinicianOrHarmlessWordsRaiseNoAlert() {
    moveToNext(WEEKDAYS, LocalTime.of(10, 0));
    Device ana = login("ana");
    Device rivera = login("rivera");
    Device okafor = login("okafor");
    try (LiveClient rs = rivera.live(); LiveClient os = okafor.live()) {
      String anaThread = Device.patientThread(ana);
      JsonObject fromClinician = rivera.sent(anaThread, "You wrote \"I don't want to be here anymore\" last week; how is it now?");
      assertNull(fromClinician.getValue("crisis"), fromClinician::encode);
      assertFalse(fromClinician.getJsonObject("message").getBoolean("crisis"));
      JsonObject teamNote = okafor.sent(Device.teamThread(ana), "She said: quiero quitarme la vida. Safety plan reviewed.");
      assertNull(teamNote.getValue("crisis"));
      for (String harmless : List.of("my backend lifecycle is fine", "The dosage is overdue for a refill",
          "I killed it at my presentation today!")) {
        JsonObject a = ana.sent(anaThread, harmless);
        assertNull(a.getValue("crisis"), () -> harmless + " -> " + a.encode());
        assertFalse(a.getJsonObject("message").getBoolean("crisis"), harmless);
      }
      // Barrier: a real one afterwards arrives, and it is the only alert.
      JsonObject real = ana.sent(anaThread, "Honestly I want to end my life.");
      assertCrisisResponse(real);
      rs.await(alertFor(real.getJsonObject("message").getString("id")));
      os.await(alertFor(real.getJsonObject("message").getString("id")));
      assertEquals(1, rs.count(type("safety.alert")), () -> "only the patient's crisis message alerts: " + rs.all(type("safety.alert")));
      assertEquals(1, os.count(type("safety.alert")));
    }
  }

  @Test
  void aRetriedCrisisMessageStillGivesThePatientTheCrisisResourcesButAlertsOnce() {
    moveToNext(WEEKDAYS, LocalTime.of(10, 0));
    Device ben = login("ben");
    Device okafor = login("okafor");
    String conv = Device.patientThread(ben);
    try (LiveClient os = okafor.live(); LiveClient bs = ben.live()) {
      String clientId = Device.cid("crisis-retry");
      JsonObject first = ben.send(conv, clientId, "I want to kill myself").expect(201).json();
      assertCrisisResponse(first);
      String id = first.getJsonObject("message").getString("id");
      os.await(alertFor(id));
      // The phone lost the answer and retries, over HTTP and over the socket: same message, resources again.
      JsonObject retry = ben.send(conv, clientId, "I want to kill myself").expect(200).json();
      assertTrue(retry.getBoolean("duplicate"));
      assertEquals(id, retry.getJsonObject("message").getString("id"));
      JsonObject wsRetry = bs.request(new JsonObject().put("type", "send").put("conversationId", conv).put("clientId", clientId)
          .put("body", "I want to kill myself"));
      assertEquals(id, wsRetry.getJsonObject("message").getString("id"));
      JsonObject barrier = login("rivera").say(conv, "Ben, I am calling you now.");
      os.await(message(barrier.getString("id")));
      assertEquals(1, os.count(alertFor(id)), "a retry does not alert the team again");
      assertCrisisResponse(retry);
      assertCrisisResponse(wsRetry);
    }
  }

  @Test
  void crisisPhrasesAreRecognisedWithOrWithoutContractions() {
    moveToNext(WEEKDAYS, LocalTime.of(10, 0));
    Device eve = login("eve");
    String conv = Device.patientThread(eve);
    // Each pair says the same thing; the shipped list has the contracted form ("dont …", "cant …").
    List<String> missed = new java.util.ArrayList<>();
    for (String text : List.of("I don't want to live anymore", "I do not want to live anymore",
        "I can't go on like this", "I cannot go on like this",
        "I don’t want to be alive", "I do not want to be alive")) {
      if (eve.sent(conv, text).getValue("crisis") == null) {
        missed.add(text);
      }
    }
    assertEquals(List.of(), missed, "not recognised as crisis language");
  }

  // ---- after hours ----------------------------------------------------------------------------

  private static void assertAutoReply(JsonObject sendAnswer) {
    JsonObject auto = sendAnswer.getJsonObject("autoReply");
    assertNotNull(auto, () -> "an after-hours reply: " + sendAnswer.encode());
    JsonObject m = sendAnswer.getJsonObject("message");
    assertEquals("auto-reply", auto.getString("kind"));
    assertEquals("system", auto.getString("senderId"));
    assertEquals("system", auto.getString("senderRole"));
    assertEquals(m.getString("conversationId"), auto.getString("conversationId"));
    assertEquals(m.getLong("seq") + 1, auto.getLong("seq"), "the reply follows the message");
    assertEquals("ok", auto.getString("status"));
    String body = auto.getString("body");
    assertTrue(body.contains("08:00") && body.contains("18:00"), "names the clinic hours: " + body);
    assertTrue(body.contains("988"), "names the crisis line: " + body);
  }

  private static long autoReplies(Device reader, String conv) {
    return reader.fullHistory(conv).stream().filter(m -> "auto-reply".equals(m.getString("kind"))).count();
  }

  @Test
  void aPatientWritingAfterHoursGetsOneAutomaticReplyPerTwelveHours() {
    ZonedDateTime saturdayNoon = moveToNext(Set.of(DayOfWeek.SATURDAY), LocalTime.NOON);
    Device ana = login("ana");
    Device rivera = login("rivera");
    String conv = Device.patientThread(ana);
    try (LiveClient rs = rivera.live()) {
      JsonObject first = ana.sent(conv, "Is anyone there on Saturdays?");
      assertAutoReply(first);
      JsonObject auto = first.getJsonObject("autoReply");
      assertEquals(auto, rs.await(message(auto.getString("id"))).getJsonObject("message"), "the team sees the reply too");
      JsonObject stored = rivera.history(conv, "after=" + first.getJsonObject("message").getLong("seq")).getJsonObject(0);
      assertEquals(auto.getString("body"), stored.getString("body"));
      assertEquals("Tandem", stored.getString("senderName"));
    }

    tandem.clock().advance(Duration.ofHours(2));
    JsonObject second = ana.sent(conv, "Also, one more thing");
    assertNull(second.getValue("autoReply"), () -> "no second reply within 12 h: " + second.encode());
    JsonObject fromClinician = rivera.sent(conv, "On call here, will reply Monday.");
    assertNull(fromClinician.getValue("autoReply"));
    assertEquals(1, autoReplies(rivera, conv));

    moveTo(saturdayNoon.plusHours(13)); // Sunday 01:00, 13 h after the first reply
    assertAutoReply(ana.sent(conv, "Still here"));
    assertEquals(2, autoReplies(rivera, conv));
  }

  @Test
  void clinicHoursDecideTheAutomaticReplyAndClinicianMessagesNeverGetOne() {
    ZonedDateTime day = moveToNext(MON_TO_THU, LocalTime.of(10, 0));
    Device chloe = login("chloe");
    JsonObject inHours = chloe.sent(Device.patientThread(chloe), "Wednesday morning question");
    assertNull(inHours.getValue("autoReply"), "none during clinic hours");

    moveTo(day.with(LocalTime.of(17, 59))); // still open
    assertNull(chloe.sent(Device.patientThread(chloe), "just before closing").getValue("autoReply"));

    moveTo(day.with(LocalTime.of(18, 0))); // closed
    assertAutoReply(chloe.sent(Device.patientThread(chloe), "right at closing"));

    moveTo(day.with(LocalTime.of(22, 0))); // 22:00 on a weekday
    Device eve = login("eve");
    Device rivera = login("rivera");
    assertAutoReply(eve.sent(Device.patientThread(eve), "late at night"));
    Device ben = login("ben");
    JsonObject fromClinician = rivera.sent(Device.patientThread(ben), "Ben, your lab results are in.");
    assertNull(fromClinician.getValue("autoReply"), "a clinician's message never triggers one");
    assertEquals(0, autoReplies(rivera, Device.patientThread(ben)));

    moveTo(day.plusDays(1).with(LocalTime.of(7, 59))); // still closed
    assertAutoReply(ben.sent(Device.patientThread(ben), "early bird"));
    moveTo(day.plusDays(1).with(LocalTime.of(8, 0))); // open
    Device david = login("david");
    assertNull(david.sent(Device.patientThread(david), "good morning").getValue("autoReply"));
  }

  // ---- navigator inbox ----------------------------------------------------------------------

  private static JsonObject inboxItem(Device clinician, String conv) {
    for (Object o : clinician.http.get("/api/v1/inbox").expect(200).json().getJsonArray("items")) {
      if (conv.equals(((JsonObject) o).getString("conversationId"))) {
        return (JsonObject) o;
      }
    }
    return null;
  }

  /** The inbox's conversation ids, in order, restricted to the threads a test looks at (the demo seeds others). */
  private static List<String> inboxIds(Device clinician, String... threads) {
    List<String> wanted = List.of(threads);
    return clinician.http.get("/api/v1/inbox").expect(200).json().getJsonArray("items").stream()
        .map(o -> ((JsonObject) o).getString("conversationId")).filter(wanted::contains).toList();
  }

  @Test
  void theNavigatorInboxListsWaitingThreadsFlagsOverdueOnesAndShowsAssignments() {
    moveToNext(MON_TO_THU, LocalTime.of(10, 0));
    Device lee = login("lee");
    Device ana = login("ana");
    Device david = login("david");
    String anaThread = Device.patientThread(ana);
    String davidThread = Device.patientThread(david);
    // Whatever earlier tests left waiting is answered first.
    login("rivera").say(anaThread, "Good morning, Ana.");
    login("okafor").say(davidThread, "Good morning, David.");
    assertEquals(List.of(), inboxIds(lee, anaThread, davidThread), "nothing waiting yet");
    JsonObject inbox = lee.http.get("/api/v1/inbox").expect(200).json();
    assertEquals(24 * 60, inbox.getLong("responseTargetMinutes"));

    david.say(davidThread, "I need a refill"); // 10:00
    tandem.clock().advance(Duration.ofMinutes(1));
    JsonObject a1 = ana.say(anaThread, "A question about side effects"); // 10:01
    tandem.clock().advance(Duration.ofMinutes(5));
    ana.say(anaThread, "And another one"); // 10:06: still waiting since 10:01

    assertEquals(List.of(davidThread, anaThread), inboxIds(lee, anaThread, davidThread), "oldest first");
    JsonObject item = inboxItem(lee, anaThread);
    assertEquals(ana.userId, item.getString("patientId"));
    assertEquals("Ana García", item.getString("patientName"));
    assertEquals(Instant.parse(a1.getString("createdAt")), Instant.parse(item.getString("waitingSince")));
    assertEquals(5, item.getLong("waitingMinutes"));
    assertFalse(item.getBoolean("overdue"));
    assertEquals(List.of(anaThread), inboxIds(login("rivera"), anaThread, davidThread), "rivera sees only her patients' threads");

    // A day later (24 h 0.5 min after david's message): david's thread is overdue, ana's not quite.
    tandem.clock().advance(Duration.ofHours(24).minusMinutes(6).plusSeconds(30));
    lee = login("lee");
    assertTrue(inboxItem(lee, davidThread).getBoolean("overdue"));
    assertFalse(inboxItem(lee, anaThread).getBoolean("overdue"));
    tandem.clock().advance(Duration.ofMinutes(1));
    lee = login("lee");
    JsonObject overdue = inboxItem(lee, anaThread);
    assertTrue(overdue.getBoolean("overdue"));
    assertTrue(overdue.getLong("waitingMinutes") >= 24 * 60, overdue::encode);

    // A clinician's reply takes the thread out of the inbox; the patient's next message brings it back.
    Device rivera = login("rivera");
    rivera.say(anaThread, "Those side effects usually pass in a week.");
    assertEquals(List.of(davidThread), inboxIds(lee, anaThread, davidThread));
    ana = login("ana");
    JsonObject a3 = ana.say(anaThread, "Thank you! One last thing.");
    JsonObject back = inboxItem(lee, anaThread);
    assertNotNull(back);
    assertEquals(Instant.parse(a3.getString("createdAt")), Instant.parse(back.getString("waitingSince")));
    assertFalse(back.getBoolean("overdue"));

    Device okafor = login("okafor");
    try (LiveClient os = okafor.live()) {
      lee.http.put("/api/v1/conversations/" + davidThread + "/assignee", new JsonObject().put("userId", okafor.userId)).expect(204);
      os.await(e -> "inbox.assigned".equals(e.getString("type")) && davidThread.equals(e.getString("conversationId"))
          && okafor.userId.equals(e.getString("assigneeId")));
    }
    JsonObject assigned = inboxItem(lee, davidThread);
    assertEquals(okafor.userId, assigned.getString("assigneeId"));
    assertEquals("Sam Okafor, LCSW", assigned.getString("assigneeName"));
    JsonObject listed = okafor.conversation(davidThread);
    assertEquals(okafor.userId, listed.getString("assigneeId"));
    assertEquals("Sam Okafor, LCSW", listed.getString("assigneeName"));
  }

  @Test
  void assigningAThreadToSomeoneOffTheCareTeamIsRefused() {
    moveToNext(WEEKDAYS, LocalTime.of(10, 0));
    Device lee = login("lee");
    Device okafor = login("okafor");
    Device rivera = login("rivera");
    Device ana = login("ana");
    Device ben = login("ben");
    Device david = login("david");
    Device admin = login("admin");
    String anaThread = Device.patientThread(ana);
    String davidThread = Device.patientThread(david);
    ana.say(anaThread, "hello");
    Object davidAssignee = lee.conversation(davidThread).getValue("assigneeId");
    lee.http.put("/api/v1/conversations/" + anaThread + "/assignee", new JsonObject().put("userId", okafor.userId)).expect(204);

    Map<String, String> offTeam = Map.of("ben, another patient", ben.userId,
        "the patient herself", ana.userId, "the admin", admin.userId, "an unknown user", "nobody0000000000");
    offTeam.forEach((what, userId) -> {
      var r = lee.http.put("/api/v1/conversations/" + anaThread + "/assignee", new JsonObject().put("userId", userId));
      assertEquals(400, r.status(), () -> what + ": " + r.text());
      assertNotNull(r.errorCode());
    });
    var r = lee.http.put("/api/v1/conversations/" + davidThread + "/assignee", new JsonObject().put("userId", rivera.userId));
    assertEquals(400, r.status(), "rivera is not on david's team: " + r.text());
    assertEquals(400, lee.http.put("/api/v1/conversations/" + Device.teamThread(ana) + "/assignee",
        new JsonObject().put("userId", okafor.userId)).status(), "only patient threads are assigned");
    assertEquals(404, rivera.http.put("/api/v1/conversations/" + davidThread + "/assignee",
        new JsonObject().put("userId", okafor.userId)).status(), "not her patient: looks unknown");
    assertEquals(403, ana.http.put("/api/v1/conversations/" + anaThread + "/assignee",
        new JsonObject().put("userId", okafor.userId)).status(), "patients do not assign");

    assertEquals(okafor.userId, lee.conversation(anaThread).getString("assigneeId"), "refused assignments changed nothing");
    assertEquals(davidAssignee, lee.conversation(davidThread).getValue("assigneeId"));
  }
}

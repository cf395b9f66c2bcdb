package dev.tandem.visits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.tandem.testing.LiveSocket;
import dev.tandem.testing.Http;
import dev.tandem.testing.MutableClock;
import dev.tandem.testing.TestTandem;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import jakarta.mail.BodyPart;
import jakarta.mail.Message;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Reminders 24 hours and 1 hour before a visit, in the app (live event) and by email through a
 * real SMTP server running inside the test (GreenMail), each sent once even when two checks
 * race; and the RFC 5545 calendar file. The check is triggered by hand after moving the clock.
 */
@ExtendWith(VertxExtension.class)
class RemindersIT {
  static GreenMail smtp;
  static TestTandem tandem;
  static MutableClock clock;
  static Member rivera;
  static Member ben;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
    smtp.start();
    clock = new MutableClock(Instant.parse("2026-12-02T15:00:00Z"));
    tandem = TestTandem.start(vertx, Map.of("identity.password.argon2-memory-kib", "1024", "identity.password.argon2-iterations", "1",
        "identity.session.idle-timeout", "24h", "identity.session.absolute-lifetime", "7d",
        "visits.reminders.smtp.host", "127.0.0.1", "visits.reminders.smtp.port", Integer.toString(smtp.getSmtp().getPort()),
        "visits.reminders.smtp.starttls", "false", "visits.reminders.smtp.from", "Tandem Clinic <visits@tandem.test>",
        // Checks are triggered by the test; the timer would race them.
        "visits.reminders.check-every", "1h"), Files.createTempDirectory("reminders"), clock);
    rivera = Member.login(tandem, "rivera");
    ben = Member.login(tandem, "ben");
  }

  @AfterAll
  static void stop() {
    try {
      tandem.close();
    } finally {
      smtp.stop();
    }
  }

  private static int check() throws Exception {
    return tandem.app().visits().reminders.check().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void remindersArriveInTheAppAndByEmailOnceEach24HoursAndOneHourBefore() throws Exception {
    String id = rivera.book(ben.id(), "medication-review", "2026-12-03T17:00:00Z", 30).expect(201).json()
        .getJsonObject("visit").getString("id");
    try (LiveSocket benLive = ben.live(tandem)) {
      clock.advance(Duration.ofHours(2)); // 17:00 tomorrow is now less than 24 hours away
      assertTrue(check() > 0);
      JsonObject inApp = benLive.await(Live.type("visit.reminder", id));
      assertEquals("24h", inApp.getString("kind"));
      assertEquals("2026-12-03T17:00:00Z", inApp.getString("start"));
    }
    assertEquals(0, check(), "nothing is sent twice");
    List<MimeMessage> day = awaitMail(id, "tomorrow", 2);
    for (MimeMessage m : day) {
      assertEquals("Tandem Clinic <visits@tandem.test>", m.getFrom()[0].toString());
      String whole = GreenMailUtil.getWholeMessage(m);
      assertFalse(whole.contains("Ben Carter") || whole.contains("Ben"), "no patient name in mail");
      assertEquals(0, m.getRecipients(Message.RecipientType.TO) == null ? 0 : m.getRecipients(Message.RecipientType.TO).length,
          "recipients are blind-copied: a patient's address is never shown to anyone else");
      String ics = ics(m);
      assertTrue(ics.contains("DTSTART:20261203T170000Z\r\n"), ics);
      assertTrue(ics.contains("UID:visit-" + id + "@"), ics);
    }
    // GreenMail delivers a blind copy per recipient; together they went to the patient and the prescriber.
    assertEquals(2, day.size());

    // One hour before: two checks race (as two nodes would); each reminder still goes out once.
    clock.advance(Duration.between(clock.instant(), Instant.parse("2026-12-03T16:05:00Z")));
    var a = tandem.app().visits().reminders.check();
    var b = tandem.app().visits().reminders.check();
    a.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    b.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    List<MimeMessage> hour = awaitMail(id, "in about an hour", 2);
    assertEquals(2, hour.size());
    assertEquals(2, mailFor(id, "in about an hour").size(), "exactly one email per recipient for the 1-hour reminder");
  }

  @Test
  void aVisitMovedAfterItsReminderIsRemindedAgainForTheNewTime() throws Exception {
    // Jordan Lee (no working hours) and David (no demo visits): any time relative to the test clock is free.
    Member lee = Member.login(tandem, "lee");
    Member david = Member.login(tandem, "david");
    Instant start = Instant.ofEpochSecond((clock.instant().getEpochSecond() / 300 + 12 * 20) * 300); // about 20 h ahead
    String id = lee.http().post("/api/v1/visits", new JsonObject().put("patientId", david.id()).put("type", "intake")
        .put("start", start.toString()).put("durationMinutes", 30).put("clinicianIds", new io.vertx.core.json.JsonArray().add(lee.id())))
        .expect(201).json().getJsonObject("visit").getString("id");
    try (LiveSocket davidLive = david.live(tandem)) {
      check();
      davidLive.await(e -> Live.type("visit.reminder", id).test(e) && start.toString().equals(e.getString("start")));
      Instant later = start.plus(Duration.ofHours(2));
      lee.http().post("/api/v1/visits/" + id + "/reschedule", new JsonObject().put("start", later.toString())
          .put("durationMinutes", 30)).expect(200);
      check();
      JsonObject again = davidLive.await(e -> Live.type("visit.reminder", id).test(e) && later.toString().equals(e.getString("start")));
      assertEquals("24h", again.getString("kind"));
      check();
      assertEquals(2, davidLive.all(Live.type("visit.reminder", id)).size(), "once per time, not once per check");
    }
  }

  @Test
  void theCalendarFileFollowsRfc5545AndLeavesThePatientNameOut() {
    String id = rivera.book(ben.id(), "medication-review", "2026-12-04T18:00:00Z", 30).expect(201).json()
        .getJsonObject("visit").getString("id");
    Http.Response r = ben.http().get("/api/v1/visits/" + id + "/calendar.ics").expect(200);
    assertTrue(r.header("Content-Type").startsWith("text/calendar"));
    String ics = r.text();
    assertTrue(ics.startsWith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"), ics);
    assertTrue(ics.endsWith("END:VCALENDAR\r\n"));
    for (String line : ics.split("\r\n")) {
      assertTrue(line.getBytes(StandardCharsets.UTF_8).length <= 75, "folded at 75 octets: " + line);
      assertFalse(line.contains("\n"), "only CRLF line ends");
    }
    String unfolded = ics.replace("\r\n ", "");
    for (String needed : List.of("UID:visit-" + id + "@127.0.0.1", "DTSTART:20261204T180000Z", "DTEND:20261204T183000Z",
        "SUMMARY:Tandem video visit (medication review)", "STATUS:CONFIRMED")) {
      assertTrue(unfolded.contains(needed + "\r\n"), needed + " in " + ics);
    }
    assertTrue(unfolded.matches("(?s).*DTSTAMP:\\d{8}T\\d{6}Z\r\n.*"), ics);
    assertTrue(unfolded.contains("DESCRIPTION:"), ics);
    assertFalse(unfolded.contains("Ben"), "no patient name");
  }

  /**
   * The emails a visit's reminders sent. Every caller first waits for the reminder check itself,
   * which completes only after the SMTP server accepted each message, so there is nothing to poll.
   */
  private static List<MimeMessage> awaitMail(String visitId, String phrase, int n) throws Exception {
    List<MimeMessage> found = mailFor(visitId, phrase);
    if (found.size() < n) {
      throw new AssertionError("expected " + n + " emails saying '" + phrase + "' for " + visitId + "; got " + found.size());
    }
    return found;
  }

  private static List<MimeMessage> mailFor(String visitId, String phrase) throws Exception {
    List<MimeMessage> out = new ArrayList<>();
    for (MimeMessage m : smtp.getReceivedMessages()) {
      if (ics(m).contains("UID:visit-" + visitId + "@") && text(m).contains(phrase)) {
        out.add(m);
      }
    }
    return out;
  }

  private static String text(MimeMessage m) throws Exception {
    Multipart mp = (Multipart) m.getContent();
    return GreenMailUtil.getBody(mp.getBodyPart(0));
  }

  private static String ics(MimeMessage m) throws Exception {
    Multipart mp = (Multipart) m.getContent();
    for (int i = 0; i < mp.getCount(); i++) {
      BodyPart p = mp.getBodyPart(i);
      if (p.getContentType().toLowerCase().startsWith("text/calendar")) {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      }
    }
    return "";
  }
}

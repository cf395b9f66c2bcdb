package dev.tandem.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.interfaces.DecodedJWT;
import dev.tandem.testing.Http;
import dev.tandem.testing.MutableClock;
import dev.tandem.testing.TestTandem;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The video visit in two real (headless) Chromium browsers at phone width: Eve (patient) sees
 * that tomorrow's visit is not open yet, enters the waiting room of today's intake, Jordan Lee
 * (navigator) sees her waiting on the schedule page and admits her, and Eve's page then loads
 * Jitsi's external_api.js and creates the meeting iframe with the right room and a valid token.
 * Jitsi is a stand-in served inside the test (its script builds the iframe the way the real
 * one does); while it is down, the page says so and recovers with "Try again".
 */
@ExtendWith(VertxExtension.class)
class VisitsBrowserIT {
  static final String SECRET = "browser-test-prosody-secret-0123456789";
  static final AtomicBoolean JITSI_DOWN = new AtomicBoolean();
  static final String STAND_IN = """
      window.JitsiMeetExternalAPI = function (domain, options) {
        var f = document.createElement('iframe');
        f.id = 'jitsi-meeting';
        f.allow = 'camera; microphone';
        f.src = 'http://' + domain + '/' + options.roomName + '?jwt=' + encodeURIComponent(options.jwt);
        options.parentNode.appendChild(f);
        this.dispose = function () { f.remove(); };
      };
      """;
  static HttpServer jitsi;
  static TestTandem tandem;
  static HeadlessChrome eveChrome;
  static HeadlessChrome leeChrome;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    jitsi = vertx.createHttpServer().requestHandler(req -> {
      req.response().putHeader("Cache-Control", "no-store");
      if (req.path().equals("/external_api.js")) {
        if (JITSI_DOWN.get()) {
          req.response().setStatusCode(503).end();
        } else {
          req.response().putHeader("Content-Type", "text/javascript").end(STAND_IN);
        }
      } else {
        req.response().putHeader("Content-Type", "text/html").end("<!doctype html><title>meeting</title><p>stand-in meeting</p>");
      }
    }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    // A clock near real time: the browsers' own clocks decide what "upcoming" and "today" mean.
    tandem = TestTandem.start(vertx, Map.of("visits.jitsi.domain", "127.0.0.1:" + jitsi.actualPort(), "visits.jitsi.scheme", "http",
        "visits.jitsi.app-secret", SECRET), Files.createTempDirectory("visits-browser"), MutableClock.startingNow());
    eveChrome = HeadlessChrome.start();
    leeChrome = HeadlessChrome.start();
  }

  @AfterAll
  static void stop() {
    try {
      if (eveChrome != null) {
        eveChrome.close();
      }
      if (leeChrome != null) {
        leeChrome.close();
      }
    } finally {
      if (tandem != null) {
        tandem.close();
      }
      if (jitsi != null) {
        jitsi.close();
      }
    }
  }

  @Test
  void aPatientWaitsIsAdmittedAndJoinsTheJitsiRoomWithHerToken() {
    // Jordan Lee (Eve's navigator, no working hours set) books an intake starting in about ten minutes.
    Http lee = tandem.signedIn("lee");
    String leeId = lee.get("/api/v1/me").json().getJsonObject("user").getString("id");
    Instant now = tandem.clock().instant();
    Instant start = Instant.ofEpochSecond((now.getEpochSecond() / 300 + 2) * 300);
    String eveId = tandem.signedIn("eve").get("/api/v1/me").json().getJsonObject("user").getString("id");
    String visitId = lee.post("/api/v1/visits", new JsonObject().put("patientId", eveId).put("type", "intake")
        .put("start", start.toString()).put("durationMinutes", 30).put("clinicianIds", new io.vertx.core.json.JsonArray().add(leeId)))
        .expect(201).json().getJsonObject("visit").getString("id");

    ChromeDriver eve = eveChrome.driver();
    eveChrome.signIn(tandem.baseUrl(), "eve", "/patient.html");
    eveChrome.await().until(ExpectedConditions.elementToBeClickable(By.id("visits-link"))).click();
    eveChrome.waitForPath("/visits.html");
    eveChrome.await().until(ExpectedConditions.attributeToBe(By.id("visit-list"), "aria-busy", "false"));
    eveChrome.await().until(ExpectedConditions.attributeToBe(By.tagName("body"), "data-live", "open"));
    String csp = tandem.client().get("/visits.html").header("Content-Security-Policy");
    assertTrue(csp.contains("script-src 'self' http://127.0.0.1:" + jitsi.actualPort()), csp);
    assertTrue(csp.contains("frame-src http://127.0.0.1:" + jitsi.actualPort()), csp);

    // Tomorrow's joint visit (demo data) is listed but not open yet.
    List<WebElement> items = eve.findElements(By.cssSelector(".visit-item"));
    assertTrue(items.size() >= 2, "today's intake and tomorrow's joint visit");
    WebElement tomorrow = items.stream().filter(i -> !visitId.equals(i.getDomAttribute("data-visit-id"))).findFirst().orElseThrow();
    assertTrue(tomorrow.getText().contains("Joint visit"), tomorrow.getText());
    tomorrow.findElement(By.cssSelector("button.open-visit")).click();
    eveChrome.await().until(ExpectedConditions.textMatches(By.id("room-status"), Pattern.compile("This visit is not open yet\\..+")));
    assertEquals("closed", eve.findElement(By.id("room-status")).getDomAttribute("data-state"));
    eve.findElement(By.id("room-leave")).click();
    eveChrome.await().until(ExpectedConditions.attributeToBe(By.id("visit-list"), "aria-busy", "false"));

    // Today's intake: Eve enters the waiting room.
    eveChrome.await().ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(ExpectedConditions.elementToBeClickable(
        By.cssSelector(".visit-item[data-visit-id='" + visitId + "'] button.open-visit"))).click();
    eveChrome.await().until(ExpectedConditions.attributeToBe(By.id("room-status"), "data-state", "waiting"));
    assertTrue(eve.findElement(By.id("room-status")).getText().contains("waiting room"));
    assertTrue(eve.findElements(By.cssSelector("#jitsi iframe")).isEmpty(), "no meeting before admission");

    // Jordan Lee sees her waiting on his schedule and admits her while Jitsi is down.
    ChromeDriver leeDriver = leeChrome.driver();
    leeChrome.signIn(tandem.baseUrl(), "lee", "/clinician.html");
    leeChrome.await().until(ExpectedConditions.elementToBeClickable(By.id("schedule-link"))).click();
    leeChrome.waitForPath("/schedule.html");
    WebElement admit = leeChrome.await().until(ExpectedConditions.elementToBeClickable(
        By.cssSelector(".waiting-item[data-visit-id='" + visitId + "'] button.admit")));
    assertEquals("Admit Eve Thompson", admit.getText());
    assertTrue(leeDriver.findElement(By.cssSelector(".waiting-item[data-visit-id='" + visitId + "'] .waited")).getText()
        .startsWith("Waiting"));
    JITSI_DOWN.set(true);
    admit.click();
    leeChrome.waitForPath("/visits.html");

    // Eve is let in, but the video service cannot be reached: she is told so, and can try again.
    eveChrome.await().until(ExpectedConditions.attributeToBe(By.id("room-status"), "data-state", "unreachable"));
    assertTrue(eve.findElement(By.id("room-status")).getText().contains("cannot be reached"));
    leeChrome.await().until(ExpectedConditions.attributeToBe(By.id("room-status"), "data-state", "unreachable"));
    JITSI_DOWN.set(false);
    eve.findElement(By.cssSelector("#jitsi button")).click();
    WebElement frame = eveChrome.await().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#jitsi iframe#jitsi-meeting")));
    eveChrome.await().until(ExpectedConditions.attributeToBe(By.id("room-status"), "data-state", "joined"));

    // The iframe opens the visit's room with Eve's own token.
    Matcher m = Pattern.compile("http://127\\.0\\.0\\.1:" + jitsi.actualPort() + "/(tandem-[a-z2-7]{26})\\?jwt=([^&]+)")
        .matcher(frame.getDomAttribute("src"));
    assertTrue(m.matches(), frame.getDomAttribute("src"));
    String room = m.group(1);
    String jwt = java.net.URLDecoder.decode(m.group(2), java.nio.charset.StandardCharsets.UTF_8);
    JWTVerifier v = ((JWTVerifier.BaseVerification) JWT.require(Algorithm.HMAC256(SECRET)).withIssuer("tandem").withAudience("tandem")
        .withSubject("127.0.0.1:" + jitsi.actualPort()).withClaim("room", room)).build(Clock.fixed(tandem.clock().instant(), ZoneOffset.UTC));
    DecodedJWT token = v.verify(jwt);
    @SuppressWarnings("unchecked")
    Map<String, Object> user = (Map<String, Object>) token.getClaim("context").asMap().get("user");
    assertEquals(eveId, user.get("id"));
    assertEquals("false", user.get("moderator"));

    // Jordan Lee's page met the same outage; once he tries again he is in the same room.
    leeDriver.findElement(By.cssSelector("#jitsi button")).click();
    WebElement leeFrame = leeChrome.await().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#jitsi iframe")));
    assertTrue(leeFrame.getDomAttribute("src").contains("/" + room + "?jwt="), leeFrame.getDomAttribute("src"));

    Pattern jitsiDown = Pattern.compile(".*external_api\\.js.*503.*");
    for (HeadlessChrome c : List.of(eveChrome, leeChrome)) {
      List<String> problems = c.consoleProblems(jitsiDown);
      assertTrue(problems.isEmpty(), "browser console: " + String.join("\n", problems));
    }
    assertFitsPhoneWidth(eve);
  }

  @Test
  void aClinicianMovesAVisitFromTheWeekSchedule() {
    Http lee = tandem.signedIn("lee");
    String leeId = lee.get("/api/v1/me").json().getJsonObject("user").getString("id");
    String davidId = tandem.signedIn("david").get("/api/v1/me").json().getJsonObject("user").getString("id");
    Instant start = Instant.ofEpochSecond((tandem.clock().instant().getEpochSecond() / 300 + 6) * 300);
    String visitId = lee.post("/api/v1/visits", new JsonObject().put("patientId", davidId).put("type", "intake")
        .put("start", start.toString()).put("durationMinutes", 30).put("clinicianIds", new io.vertx.core.json.JsonArray().add(leeId)))
        .expect(201).json().getJsonObject("visit").getString("id");
    try (HeadlessChrome chrome = HeadlessChrome.start()) {
      ChromeDriver driver = chrome.driver();
      chrome.signIn(tandem.baseUrl(), "lee", "/clinician.html");
      driver.get(tandem.baseUrl() + "/schedule.html");
      chrome.await().until(ExpectedConditions.attributeToBe(By.id("schedule"), "aria-busy", "false"));
      WebElement item = chrome.await().until(ExpectedConditions.presenceOfElementLocated(
          By.cssSelector(".visit-item[data-visit-id='" + visitId + "']")));
      assertTrue(item.getText().contains("David Kim"), item.getText());
      // The new start, typed in the browser's own zone (datetime-local), one hour later.
      Instant later = start.plusSeconds(3600);
      WebElement input = item.findElement(By.cssSelector("input[type='datetime-local']"));
      driver.executeScript("const d = new Date(arguments[1]);"
          + "const p = (n) => String(n).padStart(2, '0');"
          + "arguments[0].value = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;",
          input, later.toString());
      item.findElement(By.xpath(".//button[normalize-space()='Move']")).click();
      chrome.await().until(ExpectedConditions.textMatches(By.id("announcer"), Pattern.compile("Moved to .+")));
      assertEquals(later.toString(), lee.get("/api/v1/visits/" + visitId).expect(200).json().getJsonObject("visit").getString("start"));
      List<String> problems = chrome.consoleProblems();
      assertTrue(problems.isEmpty(), "browser console: " + String.join("\n", problems));
    }
  }

  @Test
  void aClinicianSeesAndChangesHerWorkingHoursAndTimeOff() {
    try (HeadlessChrome chrome = HeadlessChrome.start()) {
      ChromeDriver driver = chrome.driver();
      chrome.signIn(tandem.baseUrl(), "okafor", "/clinician.html");
      driver.get(tandem.baseUrl() + "/schedule.html");
      // The demo hours (Mon-Fri 09:00-17:00 New York) are shown.
      chrome.await().until(ExpectedConditions.attributeToBe(By.id("monday-start"), "value", "09:00"));
      assertEquals("17:00", driver.findElement(By.id("friday-end")).getDomProperty("value"));
      assertEquals("America/New_York", driver.findElement(By.id("hours-zone")).getDomProperty("value"));
      assertEquals("", driver.findElement(By.id("saturday-start")).getDomProperty("value"));
      driver.executeScript("document.getElementById('friday-end').value = '15:00';"
          + "document.getElementById('off-start').value = '2027-01-04T09:00';"
          + "document.getElementById('off-end').value = '2027-01-08T17:00';");
      driver.findElement(By.id("off-add")).click();
      chrome.await().until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#time-off-list li"), 1));
      driver.findElement(By.id("hours-submit")).click();
      chrome.await().until(ExpectedConditions.textToBe(By.id("hours-result"), "Working hours saved."));
      Http okafor = tandem.signedIn("okafor");
      String id = okafor.get("/api/v1/me").json().getJsonObject("user").getString("id");
      JsonObject a = okafor.get("/api/v1/availability/" + id).expect(200).json().getJsonObject("availability");
      assertEquals("15:00", a.getJsonObject("weekly").getJsonArray("friday").getJsonObject(0).getString("end"));
      assertEquals("09:00", a.getJsonObject("weekly").getJsonArray("monday").getJsonObject(0).getString("start"));
      assertEquals(1, a.getJsonArray("timeOff").size());
      assertTrue(a.getJsonObject("weekly").getJsonArray("saturday") == null, "still off on Saturdays");
      List<String> problems = chrome.consoleProblems();
      assertTrue(problems.isEmpty(), "browser console: " + String.join("\n", problems));
    }
  }

  private static void assertFitsPhoneWidth(ChromeDriver driver) {
    Number scroll = (Number) driver.executeScript("return document.documentElement.scrollWidth;");
    assertTrue(scroll.intValue() <= HeadlessChrome.WIDTH + 1, "no sideways scrolling at phone width: " + scroll);
  }

}

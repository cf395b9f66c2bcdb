package dev.tandem.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.testing.Http;
import dev.tandem.testing.MutableClock;
import dev.tandem.testing.TestTandem;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Check-ins in two headless Chromium browsers at phone width: Ana completes a PHQ-9 one question
 * per screen, answering item 9 above 0, and sees crisis resources at once; Dr. Rivera's
 * monitoring panel, already open, shows the new safety alert live (no reload) and she
 * acknowledges it with a note. A check-in interrupted by a reload resumes where it stopped.
 */
@ExtendWith(VertxExtension.class)
class CheckinBrowserIT {
  static TestTandem tandem;
  static HeadlessChrome anaChrome;
  static HeadlessChrome riveraChrome;

  @BeforeAll
  static void start(Vertx vertx) throws IOException {
    tandem = TestTandem.start(vertx, Map.of(), Files.createTempDirectory("t"), MutableClock.startingNow());
    anaChrome = HeadlessChrome.start();
    riveraChrome = HeadlessChrome.start();
  }

  @AfterAll
  static void stop() {
    try {
      anaChrome.close();
    } finally {
      try {
        riveraChrome.close();
      } finally {
        tandem.close();
      }
    }
  }

  @AfterEach
  void consolesAreClean() {
    for (HeadlessChrome chrome : List.of(anaChrome, riveraChrome)) {
      List<String> problems = chrome.consoleProblems();
      assertTrue(problems.isEmpty(), "browser console: " + String.join("\n", problems));
    }
  }

  @Test
  void aPatientsPhq9WithItem9AboveZeroShowsCrisisResourcesAndReachesTheCliniciansPanelLive() {
    ChromeDriver rivera = riveraChrome.driver();
    ChromeDriver ana = anaChrome.driver();
    signIn(riveraChrome, "rivera", "/clinician.html");
    riveraChrome.await().until(ExpectedConditions.elementToBeClickable(By.linkText("Monitoring"))).click();
    riveraChrome.waitForPath("/monitoring.html");
    riveraChrome.await().until(ExpectedConditions.attributeToBe(By.id("live-status"), "data-state", "open"));
    riveraChrome.await().until(ExpectedConditions.attributeToBe(By.id("panel"), "aria-busy", "false"));
    String anaId = await(riveraChrome).until(d -> {
      for (WebElement li : d.findElements(By.cssSelector("#panel li[data-patient-id]"))) {
        if (li.getText().contains("Ana García")) {
          return li.getDomAttribute("data-patient-id");
        }
      }
      return null;
    });
    int alertsBefore = alertsOf(rivera, anaId);
    rivera.executeScript("window.sameDocument = true;");

    signIn(anaChrome, "ana", "/patient.html");
    anaChrome.await().until(ExpectedConditions.elementToBeClickable(By.linkText("Check-ins"))).click();
    anaChrome.waitForPath("/checkin.html");
    anaChrome.await().until(ExpectedConditions.elementToBeClickable(By.cssSelector("#due-list li[data-instrument='phq-9'] button"))).click();
    for (int q = 1; q <= 9; q++) {
      int question = q;
      anaChrome.await().until(ExpectedConditions.textToBe(By.id("form-progress"), "Question " + question + " of 9"));
      // Ana's account is in Spanish: the published Spanish wording.
      if (q == 9) {
        assertTrue(ana.findElement(By.cssSelector("#question legend")).getText().startsWith("Pensamientos de que estaría mejor muerto/a"));
      }
      ana.findElement(By.cssSelector("label[for='phq9-" + q + "-o1']")).click(); // "Varios días" = 1
      ana.findElement(By.id("next")).click();
    }
    WebElement crisis = anaChrome.await().until(ExpectedConditions.visibilityOfElementLocated(By.id("checkin-crisis")));
    assertTrue(crisis.getText().contains("988"), crisis.getText());
    assertTrue(ana.findElement(By.id("done-text")).getText().contains("9"));

    // Rivera's panel updates by itself: Ana on top with the new alert.
    await(riveraChrome).withMessage("the new alert appears live").until(d -> alertsOf(rivera, anaId) > alertsBefore);
    assertEquals(Boolean.TRUE, rivera.executeScript("return window.sameDocument === true;"), "no reload");
    WebElement first = rivera.findElement(By.cssSelector("#panel li[data-patient-id]"));
    assertEquals("safety-alert", first.getDomAttribute("data-needs"));
    assertTrue(rivera.findElement(By.id("alert-live")).getText().contains("New safety alert"));
    WebElement alert = lastAlert(rivera, anaId);
    assertTrue(alert.getText().contains("phq9-9 above 0"), alert.getText());
    String alertId = alert.getDomAttribute("data-alert-id");
    alert.findElement(By.tagName("textarea")).sendKeys("Called Ana, she is safe; safety plan reviewed.");
    alert.findElement(By.cssSelector("button[type='submit']")).click();
    await(riveraChrome).withMessage("acknowledged alert leaves the panel")
        .until(d -> d.findElements(By.cssSelector("[data-alert-id='" + alertId + "']")).isEmpty());
  }

  /**
   * The clinician's home counts the open safety alerts and follows acknowledgements live. The
   * monitoring panel lists a patient's newest three; with four open the row says one more, and
   * "Show all 4" lists every one with its acknowledgement form, still after a live refresh.
   */
  @Test
  void openAlertsAreCountedOnTheHomePageAndAllOfAPatientsCanBeShownOnThePanel() {
    Http api = tandem.signedIn("rivera");
    String tag = UUID.randomUUID().toString().substring(0, 8);
    String patientId = api.post("/api/v1/patients", new JsonObject().put("email", "many-" + tag + "@tandem-demo.org")
        .put("name", "Morgan Many")).expect(201).json().getJsonObject("patient").getString("id");
    JsonArray responses = new JsonArray();
    for (int i = 0; i < 5; i++) {
      JsonObject answers = new JsonObject();
      for (int q = 1; q <= 9; q++) {
        answers.put("phq9-" + q, q == 9 ? 1 : 0);
      }
      responses.add(new JsonObject().put("clientId", "many-" + tag + "-" + i).put("instrument", "phq-9")
          .put("answeredAt", tandem.clock().instant().toString()).put("answers", answers));
    }
    assertEquals(5, api.post("/api/v1/patients/" + patientId + "/checkins", new JsonObject().put("responses", responses))
        .expect(200).json().getInteger("accepted"));
    JsonArray open = api.get("/api/v1/safety-alerts").expect(200).json().getJsonArray("alerts");

    ChromeDriver rivera = riveraChrome.driver();
    signIn(riveraChrome, "rivera", "/clinician.html");
    rivera.get(tandem.baseUrl() + "/clinician.html");
    riveraChrome.await().until(ExpectedConditions.attributeToBe(By.id("alerts-summary"), "aria-busy", "false"));
    String summary = rivera.findElement(By.id("alerts-summary")).getText();
    assertTrue(summary.startsWith(open.size() + " open safety alerts (" ), summary);
    // Acknowledged elsewhere (here: the API): the home page's count follows, live.
    String ackedFirst = open.stream().map(o -> (JsonObject) o).filter(o -> patientId.equals(o.getString("patientId")))
        .findFirst().orElseThrow().getString("id");
    api.post("/api/v1/safety-alerts/" + ackedFirst + "/acknowledge", new JsonObject().put("note", "Called Morgan, safe."))
        .expect(200);
    await(riveraChrome).withMessage("the count follows the acknowledgement")
        .until(d -> d.findElement(By.id("alerts-summary")).getText().startsWith((open.size() - 1) + " open safety alert"));

    rivera.get(tandem.baseUrl() + "/monitoring.html");
    riveraChrome.await().until(ExpectedConditions.attributeToBe(By.id("panel"), "aria-busy", "false"));
    String row = "#panel li[data-patient-id='" + patientId + "']";
    await(riveraChrome).until(d -> d.findElements(By.cssSelector(row + " .alert-item")).size() == 3);
    WebElement more = rivera.findElement(By.cssSelector(row + " .more-alerts"));
    assertTrue(more.getText().startsWith("1 more open alert."), more.getText());
    more.findElement(By.tagName("button")).click();
    await(riveraChrome).withMessage("every open alert listed")
        .until(d -> d.findElements(By.cssSelector(row + " .alert-item")).size() == 4
            && d.findElements(By.cssSelector(row + " .more-alerts")).isEmpty());
    assertEquals(4, rivera.findElements(By.cssSelector(row + " .alert-item form.ack-form")).size());

    // Acknowledging one refreshes the panel; the row stays expanded with the three still open.
    WebElement first = rivera.findElement(By.cssSelector(row + " .alert-item"));
    String acked = first.getDomAttribute("data-alert-id");
    first.findElement(By.tagName("textarea")).sendKeys("Called Morgan; safe, plan reviewed.");
    first.findElement(By.cssSelector("button[type='submit']")).click();
    await(riveraChrome).withMessage("three left, all shown")
        .until(d -> d.findElements(By.cssSelector(row + " .alert-item")).size() == 3
            && d.findElements(By.cssSelector("[data-alert-id='" + acked + "']")).isEmpty()
            && d.findElements(By.cssSelector(row + " .more-alerts")).isEmpty());
  }

  @Test
  void anInterruptedCheckInResumesWhereItStopped() {
    ChromeDriver ana = anaChrome.driver();
    signIn(anaChrome, "ana", "/patient.html");
    ana.get(tandem.baseUrl() + "/checkin.html?start=daily");
    anaChrome.await().until(ExpectedConditions.textToBe(By.id("form-progress"), "Question 1 of 6"));
    ana.findElement(By.id("mood-input")).sendKeys("7");
    ana.findElement(By.id("next")).click();
    anaChrome.await().until(ExpectedConditions.textToBe(By.id("form-progress"), "Question 2 of 6"));
    ana.findElement(By.id("anxiety-input")).sendKeys("3");
    ana.findElement(By.id("next")).click();
    anaChrome.await().until(ExpectedConditions.textToBe(By.id("form-progress"), "Question 3 of 6"));
    ana.get(tandem.baseUrl() + "/checkin.html"); // the tab was closed and opened again
    anaChrome.await().until(ExpectedConditions.elementToBeClickable(By.cssSelector("#due-list li[data-instrument='daily'] button")));
    assertTrue(ana.findElement(By.cssSelector("#due-list li[data-instrument='daily'] button")).getText().contains("continue"));
    ana.findElement(By.cssSelector("#due-list li[data-instrument='daily'] button")).click();
    anaChrome.await().until(ExpectedConditions.textToBe(By.id("form-progress"), "Question 3 of 6"));
    ana.findElement(By.id("back")).click();
    anaChrome.await().until(ExpectedConditions.textToBe(By.id("form-progress"), "Question 2 of 6"));
    assertEquals("3", ana.findElement(By.id("anxiety-input")).getDomProperty("value"), "earlier answers were kept");
  }

  @Test
  void theTrendPageDrawsScoresWithMedicationEventsForTheClinician() {
    ChromeDriver rivera = riveraChrome.driver();
    signIn(riveraChrome, "rivera", "/clinician.html");
    rivera.get(tandem.baseUrl() + "/monitoring.html");
    WebElement ana = await(riveraChrome).until(d -> d.findElements(By.cssSelector("#panel li[data-patient-id] h2 a")).stream()
        .filter(a -> a.getText().equals("Ana García")).findFirst().orElse(null));
    ana.click();
    riveraChrome.waitForPath("/trend.html");
    riveraChrome.await().until(ExpectedConditions.textToBe(By.id("trend-heading"), "Symptom trend: Ana García"));
    riveraChrome.await().until(ExpectedConditions.attributeToBe(By.id("chart"), "aria-busy", "false"));
    assertEquals(2, rivera.findElements(By.cssSelector("#chart svg line.med-line")).size(), "the start and the dose change");
    String events = rivera.findElement(By.id("events")).getText();
    assertTrue(events.contains("Medication dose-change: Sertraline 100 mg daily"), events);
    assertTrue(events.contains("Medication start: Sertraline 50 mg daily"), events);
  }

  private static int alertsOf(ChromeDriver d, String patientId) {
    return d.findElements(By.cssSelector("#panel li[data-patient-id='" + patientId + "'] .alert-item")).size();
  }

  private static WebElement lastAlert(ChromeDriver d, String patientId) {
    List<WebElement> all = d.findElements(By.cssSelector("#panel li[data-patient-id='" + patientId + "'] .alert-item"));
    return all.stream().filter(a -> a.getText().contains("phq9-9")).findFirst().orElseThrow();
  }

  private static void signIn(HeadlessChrome chrome, String demoKey, String home) {
    ChromeDriver driver = chrome.driver();
    driver.get(tandem.baseUrl() + "/");
    chrome.await().until(d -> "complete".equals(driver.executeScript("return document.readyState")));
    if (!URI.create(driver.getCurrentUrl()).getPath().equals("/") && !URI.create(driver.getCurrentUrl()).getPath().equals("/index.html")) {
      return; // already signed in
    }
    chrome.await().until(ExpectedConditions.visibilityOfElementLocated(By.id("email")));
    driver.findElement(By.id("email")).sendKeys(demoKey + "@tandem-demo.org");
    driver.findElement(By.id("password")).sendKeys(TestTandem.DEMO_PASSWORD);
    driver.findElement(By.id("sign-in")).click();
    chrome.waitForPath(home);
  }

  private static WebDriverWait await(HeadlessChrome chrome) {
    WebDriverWait wait = chrome.await();
    wait.ignoring(StaleElementReferenceException.class);
    return wait;
  }
}

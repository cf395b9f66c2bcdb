package dev.tandem.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.testing.TestTandem;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * A patient reads an assigned module on a phone-width headless Chromium, in her language, to the
 * end, answers the check and says it helped; her prescriber, in another browser, sees it done on
 * the education screen and assigns her another module, which appears in her library. Both
 * consoles stay free of CSP violations and script errors.
 */
@ExtendWith(VertxExtension.class)
class EducationBrowserIT {
  static TestTandem tandem;
  static HeadlessChrome anaChrome;
  static HeadlessChrome riveraChrome;

  @BeforeAll
  static void start(Vertx vertx) {
    tandem = TestTandem.start(vertx);
    anaChrome = HeadlessChrome.start();
    riveraChrome = HeadlessChrome.start();
  }

  @AfterAll
  static void stop() {
    try {
      if (anaChrome != null) {
        anaChrome.close();
      }
    } finally {
      try {
        if (riveraChrome != null) {
          riveraChrome.close();
        }
      } finally {
        if (tandem != null) {
          tandem.close();
        }
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
  void aPatientReadsAModuleToTheEndAnswersTheCheckAndHerPrescriberSeesIt() {
    ChromeDriver ana = anaChrome.driver();
    ChromeDriver rivera = riveraChrome.driver();

    // Ana (Spanish) goes from her home to her library; the antidepressant module waits, in Spanish.
    anaChrome.signIn(tandem.baseUrl(), "ana", "/patient.html");
    anaChrome.await().until(ExpectedConditions.elementToBeClickable(By.id("learning-link"))).click();
    anaChrome.waitForPath("/library.html");
    WebElement item = anaChrome.await().until(ExpectedConditions.visibilityOfElementLocated(
        By.cssSelector("#todo li[data-module-id='antidepressant-basics']")));
    assertTrue(item.getText().contains("Conozca su antidepresivo"), item.getText());
    assertTrue(item.getText().contains("Sin empezar"), item.getText());
    assertTrue(item.getText().contains("Nota de Dr. Maya Rivera"), item.getText());
    assertFalse(ana.findElements(By.cssSelector("#done li[data-module-id='calming-anxiety']")).isEmpty(), "the finished one is under Done");
    assertFitsPhoneWidth(ana);
    item.findElement(By.cssSelector("a.edu-link")).click();

    // The reader: Spanish text in large type, no fallback notice, the sanitized module body.
    anaChrome.waitForPath("/reader.html");
    anaChrome.await().until(ExpectedConditions.textToBe(By.id("module-title"), "Conozca su antidepresivo"));
    assertEquals("es", ana.findElement(By.id("module")).getDomAttribute("lang"));
    assertFalse(ana.findElement(By.id("fallback-notice")).isDisplayed());
    assertTrue(ana.findElements(By.cssSelector("#module-body h2")).size() >= 4, "the module's sections are there");
    assertTrue(ana.findElements(By.cssSelector("#module-body script")).isEmpty());
    double fontPx = Double.parseDouble(String.valueOf(ana.executeScript(
        "return parseFloat(getComputedStyle(document.querySelector('#module-body p')).fontSize);")));
    assertTrue(fontPx >= 18, "large type: " + fontPx);
    assertFitsPhoneWidth(ana);
    assertEquals("in-progress", stage("ana", "antidepressant-basics"), "opening is saved");
    assertTrue(readToEndAt("antidepressant-basics") == null, "not at the end yet");

    // Halfway down, the position is saved; reopening the reader brings her back there.
    ana.executeScript("const b = document.getElementById('module-body').getBoundingClientRect();"
        + "window.scrollTo(0, window.scrollY + b.top + b.height / 2 - window.innerHeight);");
    ana.executeScript("window.dispatchEvent(new Event('scroll'));");
    anaChrome.await().withMessage("position saved").until(d -> position("antidepressant-basics") >= 30);
    int savedAt = position("antidepressant-basics");
    assertTrue(savedAt < 100, "not at the end: " + savedAt);
    ana.navigate().refresh();
    anaChrome.await().until(ExpectedConditions.textToBe(By.id("module-title"), "Conozca su antidepresivo"));
    anaChrome.await().withMessage("scroll position restored").until(d -> ((Number) ana.executeScript("return window.scrollY;")).longValue() > 300);
    assertEquals(savedAt, position("antidepressant-basics"), "reopening does not move progress back");

    // Scrolling to the end marker records "read to the end".
    ana.executeScript("document.getElementById('end-marker').scrollIntoView({block: 'end'});");
    anaChrome.await().withMessage("read to the end saved").until(d -> readToEndAt("antidepressant-basics") != null);

    // The check, answered by tapping the labels (all three right), then "helpful: yes".
    for (String[] qa : new String[][] {{"q1", "b"}, {"q2", "c"}, {"q3", "a"}}) {
      WebElement label = ana.findElement(By.cssSelector("label[for='q-" + qa[0] + "-" + qa[1] + "']"));
      ana.executeScript("arguments[0].scrollIntoView({block: 'center'});", label);
      label.click();
    }
    assertEveryFieldIsLabelled(ana);
    ana.findElement(By.id("check-submit")).click();
    WebElement results = anaChrome.await().until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#check-results .success")));
    assertEquals("Acertó 3 de 3. ¡Gracias!", results.getText());
    assertEquals(3, ana.findElements(By.cssSelector("#check-results li.right")).size());
    WebElement yes = ana.findElement(By.id("helpful-yes"));
    ana.executeScript("arguments[0].scrollIntoView({block: 'center'});", yes);
    yes.click();
    anaChrome.await().until(ExpectedConditions.attributeToBe(By.id("helpful-yes"), "aria-pressed", "true"));
    assertEquals("completed", stage("ana", "antidepressant-basics"));

    // Dr. Rivera opens Education from her home, picks Ana and sees the module completed.
    riveraChrome.signIn(tandem.baseUrl(), "rivera", "/clinician.html");
    riveraChrome.await().until(ExpectedConditions.elementToBeClickable(By.linkText("Education"))).click();
    riveraChrome.waitForPath("/assign.html");
    riveraChrome.await().until(d -> d.findElements(By.cssSelector("#patient-select option")).size() > 1);
    new Select(rivera.findElement(By.id("patient-select"))).selectByVisibleText("Ana García");
    WebElement row = riveraChrome.await().until(ExpectedConditions.visibilityOfElementLocated(
        By.cssSelector("#assignments tr[data-module-id='antidepressant-basics']")));
    assertEquals("completed", row.getDomAttribute("data-stage"));
    assertEquals("Completed", row.findElement(By.cssSelector(".progress-cell")).getText());
    assertEquals("3 of 3 correct", row.findElement(By.cssSelector(".check-cell")).getText());
    assertEquals("Yes", row.findElement(By.cssSelector(".helpful-cell")).getText());
    assertEveryFieldIsLabelled(rivera);

    // She assigns the sleep module with a note; it appears in Ana's library, in Spanish.
    new Select(rivera.findElement(By.id("assign-module"))).selectByValue("sleep-habits");
    rivera.findElement(By.id("assign-note")).sendKeys("Para sus noches cortas.");
    rivera.findElement(By.id("assign-submit")).click();
    riveraChrome.await().until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#assignments tr[data-module-id='sleep-habits']")));
    assertTrue(rivera.findElement(By.id("assign-status")).getText().startsWith("Assigned"));
    assertFitsPhoneWidth(rivera);

    // The module title previews what the patient reads, in her language, without recording anything.
    rivera.findElement(By.cssSelector("#assignments tr[data-module-id='sleep-habits'] td.title a")).click();
    riveraChrome.waitForPath("/reader.html");
    riveraChrome.await().until(ExpectedConditions.textToBe(By.id("module-title"), "Hábitos de sueño que ayudan"));
    assertTrue(rivera.findElement(By.id("fallback-notice")).getText().startsWith("Preview (es)"));
    assertTrue(rivera.findElements(By.cssSelector("#module-body h2")).size() >= 4);
    assertEquals("not-started", stage("ana", "sleep-habits"), "a clinician's preview records nothing");

    ana.get(tandem.baseUrl() + "/library.html");
    WebElement sleep = anaChrome.await().until(ExpectedConditions.visibilityOfElementLocated(
        By.cssSelector("#todo li[data-module-id='sleep-habits']")));
    assertTrue(sleep.getText().contains("Hábitos de sueño que ayudan") && sleep.getText().contains("Para sus noches cortas."),
        sleep.getText());
    assertNotNull(ana.findElement(By.cssSelector("#done li[data-module-id='antidepressant-basics']")), "now under Done");
  }

  private static JsonObject anaAssignment(String moduleId) {
    JsonObject o = tandem.signedIn("rivera").get("/api/v1/patients/" + anaId() + "/education").expect(200).json();
    return o.getJsonArray("assignments").stream().map(x -> (JsonObject) x).filter(a -> moduleId.equals(a.getString("moduleId")))
        .findFirst().orElseThrow();
  }

  private static String anaIdCache;

  private static String anaId() {
    if (anaIdCache == null) {
      anaIdCache = tandem.signedIn("ana").get("/api/v1/me").expect(200).json().getJsonObject("user").getString("id");
    }
    return anaIdCache;
  }

  private static String stage(String patient, String moduleId) {
    return anaAssignment(moduleId).getJsonObject("progress").getString("stage");
  }

  private static int position(String moduleId) {
    return anaAssignment(moduleId).getJsonObject("progress").getInteger("position");
  }

  private static String readToEndAt(String moduleId) {
    return anaAssignment(moduleId).getJsonObject("progress").getString("readToEndAt");
  }

  private static void assertFitsPhoneWidth(ChromeDriver driver) {
    long scroll = (Long) driver.executeScript("return document.documentElement.scrollWidth");
    long client = (Long) driver.executeScript("return document.documentElement.clientWidth");
    assertTrue(scroll <= HeadlessChrome.WIDTH && scroll <= client, "no horizontal scroll: scrollWidth " + scroll + ", clientWidth " + client);
  }

  private static void assertEveryFieldIsLabelled(ChromeDriver driver) {
    for (WebElement field : driver.findElements(By.cssSelector("input, select, textarea"))) {
      if (!field.isDisplayed()) {
        continue;
      }
      String id = field.getDomAttribute("id");
      assertNotNull(id, "a field without an id: " + field.getDomAttribute("name"));
      assertFalse(driver.findElements(By.cssSelector("label[for='" + id + "']")).isEmpty(), "no <label for=\"" + id + "\">");
    }
  }
}

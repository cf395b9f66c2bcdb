package dev.tandem.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.testing.Http;
import dev.tandem.testing.MutableClock;
import dev.tandem.testing.TestTandem;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The messages page in two real (headless) Chromium browsers at phone width against the real
 * server and its live WebSocket: a patient (Ana) and her prescriber (Dr. Rivera) write to each
 * other and see each other's messages arrive without reloading, unread badges move live, read
 * receipts reach the sender only once the other side has the conversation on screen, and a
 * message with crisis language shows the patient crisis resources and the clinician an urgent
 * alert. The clock is fixed inside clinic hours (Wednesday 10:00 in New York), so no automatic
 * after-hours reply joins the thread. Both consoles must stay free of CSP violations and
 * uncaught script errors.
 */
@ExtendWith(VertxExtension.class)
class MessagingBrowserIT {
  static TestTandem tandem;
  static HeadlessChrome anaChrome;
  static HeadlessChrome riveraChrome;

  @BeforeAll
  static void start(Vertx vertx) throws IOException {
    tandem = TestTandem.start(vertx, Map.of(), Files.createTempDirectory("t"),
        new MutableClock(Instant.parse("2026-11-25T15:00:00Z")));
    anaChrome = HeadlessChrome.start();
    riveraChrome = HeadlessChrome.start();
  }

  @AfterAll
  static void stop() {
    try {
      close(anaChrome);
    } finally {
      try {
        close(riveraChrome);
      } finally {
        if (tandem != null) {
          tandem.close();
        }
      }
    }
  }

  private static void close(HeadlessChrome chrome) {
    if (chrome != null) {
      chrome.close();
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
  void aPatientAndHerPrescriberMessageLiveWithReceiptsUnreadBadgesAndCrisisAlerts() {
    ChromeDriver ana = anaChrome.driver();
    ChromeDriver rivera = riveraChrome.driver();

    // Dr. Rivera goes from her home's Messages panel to the messages page and opens Ana's thread.
    riveraChrome.signIn(tandem.baseUrl(), "rivera", "/clinician.html");
    WebElement riveraLink = riveraChrome.await().until(ExpectedConditions.visibilityOfElementLocated(By.id("messages-link")));
    assertEquals("Open messages", riveraLink.getText());
    riveraChrome.await().until(ExpectedConditions.attributeToBe(By.id("messages-unread"), "aria-busy", "false"));
    assertTrue(rivera.findElement(By.id("messages-unread")).getText().matches("(No|\\d+) unread messages?\\."),
        rivera.findElement(By.id("messages-unread")).getText());
    riveraLink.click();
    riveraChrome.waitForPath("/messages.html");
    WebElement anaItem = conversation(riveraChrome, "Ana García and care team");
    String anaThread = anaItem.getDomAttribute("data-conversation-id");
    assertTrue(anaThread.startsWith("p-"), anaThread);
    String teamThread = "t-" + anaThread.substring(2);
    assertTrue(anaItem.getText().contains("Patient thread"), anaItem.getText());
    assertTrue(conversation(riveraChrome, "Care team about Ana García").getText().contains("Care team only"));
    assertEquals("", rivera.findElement(By.id("alert-banner")).getText(), "no safety alert yet");
    assertEveryFieldIsLabelled(rivera);
    anaItem.findElement(By.tagName("button")).click();
    riveraChrome.await().until(ExpectedConditions.textToBe(By.id("thread-heading"), "Ana García and care team"));
    waitLive(riveraChrome);
    rivera.executeScript("window.sameDocument = true;");

    // Ana opens her messages from her home; her one conversation opens by itself.
    anaChrome.signIn(tandem.baseUrl(), "ana", "/patient.html");
    anaChrome.await().until(ExpectedConditions.elementToBeClickable(By.id("messages-link"))).click();
    anaChrome.waitForPath("/messages.html");
    anaChrome.await().until(ExpectedConditions.textToBe(By.id("thread-heading"), "Your care team"));
    WebElement anaBox = anaChrome.await().until(ExpectedConditions.elementToBeClickable(By.id("compose-body")));
    waitLive(anaChrome);
    assertEveryFieldIsLabelled(ana);
    assertTrue(ana.findElements(By.id("inbox-list")).isEmpty()
        || !ana.findElement(By.id("inbox-panel")).isDisplayed(), "patients have no inbox");

    // Ana writes; Enter sends and empties the box.
    anaBox.sendKeys("Can we talk about my sleep?");
    anaBox.sendKeys(Keys.ENTER);
    String sleepSeq = message(anaChrome, "Can we talk about my sleep?").getDomAttribute("data-seq");
    anaChrome.await().until(d -> "".equals(d.findElement(By.id("compose-body")).getDomProperty("value")));

    // It appears on Dr. Rivera's open thread without a reload, once, and Ana waits in her inbox.
    assertEquals(sleepSeq, message(riveraChrome, "Can we talk about my sleep?").getDomAttribute("data-seq"));
    assertEquals(Boolean.TRUE, rivera.executeScript("return window.sameDocument === true;"), "the page was not reloaded");
    assertEquals(1, rivera.findElements(By.cssSelector("#message-list [data-seq='" + sleepSeq + "']")).size());
    riveraChrome.await().withMessage("Ana in the inbox").until(d -> inboxHas(d, anaThread));

    // Dr. Rivera had the thread on screen, so it is read: Ana sees the receipt under her message.
    await(anaChrome).withMessage("read receipt under Ana's message")
        .until(d -> "Read by your care team".equals(receiptUnder(d, sleepSeq)));

    // Dr. Rivera replies with the Send button; Ana sees the reply arrive live.
    WebElement riveraBox = rivera.findElement(By.id("compose-body"));
    riveraBox.sendKeys("Of course. How many hours are you sleeping?");
    rivera.findElement(By.id("compose-send")).click();
    message(riveraChrome, "Of course. How many hours are you sleeping?");
    WebElement reply = message(anaChrome, "Of course. How many hours are you sleeping?");
    assertTrue(reply.getText().contains("Dr. Maya Rivera"), reply.getText());
    assertTrue(Integer.parseInt(reply.getDomAttribute("data-seq")) > Integer.parseInt(sleepSeq));
    riveraChrome.await().withMessage("Ana leaves the inbox once answered").until(d -> !inboxHas(d, anaThread));

    // Back on her list, Dr. Rivera's unread badges count up live: a colleague writes in the team thread...
    rivera.findElement(By.id("back-to-list")).click();
    riveraChrome.await().until(ExpectedConditions.visibilityOfElementLocated(By.id("conversation-list")));
    int teamBefore = unread(rivera, teamThread);
    Http okafor = tandem.signedIn("okafor");
    okafor.post("/api/v1/conversations/" + teamThread + "/messages", new JsonObject()
        .put("clientId", "okafor-browser-it-1").put("body", "She mentioned sleep to me as well.")).expect(201);
    await(riveraChrome).withMessage("team thread badge").until(d -> unread(d, teamThread) == teamBefore + 1);
    WebElement teamBadge = badge(rivera, teamThread);
    assertTrue(teamBadge.isDisplayed());
    assertEquals(String.valueOf(teamBefore + 1), teamBadge.getText());
    assertEquals((teamBefore + 1) + " unread", teamBadge.getDomAttribute("aria-label"));

    // ...and Ana writes again while Dr. Rivera is not looking: unread, and no receipt for Ana yet.
    int anaBefore = unread(rivera, anaThread);
    ana.findElement(By.id("compose-body")).sendKeys("Thank you.");
    ana.findElement(By.id("compose-send")).click();
    String thanksSeq = message(anaChrome, "Thank you.").getDomAttribute("data-seq");
    await(riveraChrome).withMessage("Ana's thread badge").until(d -> unread(d, anaThread) == anaBefore + 1);
    assertTrue(badge(rivera, anaThread).isDisplayed());
    assertEquals(null, receiptUnder(ana, thanksSeq), "not read yet");

    // Dr. Rivera opens the thread: her badge clears and Ana's receipt moves under "Thank you."
    conversation(riveraChrome, "Ana García and care team").findElement(By.tagName("button")).click();
    message(riveraChrome, "Thank you.");
    await(riveraChrome).until(d -> unread(d, anaThread) == 0);
    assertEquals("true", badge(rivera, anaThread).getDomProperty("hidden"), "no badge once read");
    await(anaChrome).withMessage("read receipt under 'Thank you.'")
        .until(d -> "Read by your care team".equals(receiptUnder(d, thanksSeq)));
    assertEquals(1, ana.findElements(By.cssSelector("#message-list .read-receipt")).size(), "one receipt, under the newest read");

    // Crisis language: Ana gets crisis resources at once, Dr. Rivera an urgent alert naming her.
    ana.findElement(By.id("compose-body")).sendKeys("I want to end my life");
    ana.findElement(By.id("compose-body")).sendKeys(Keys.ENTER);
    message(anaChrome, "I want to end my life");
    WebElement crisis = anaChrome.await().until(ExpectedConditions.visibilityOfElementLocated(By.id("crisis-banner")));
    anaChrome.await().until(ExpectedConditions.textToBePresentInElement(crisis, "988"));
    assertEquals("alert", crisis.getDomAttribute("role"));
    assertNotNull(crisis.findElement(By.cssSelector("a[href='tel:988']")), "988 is a tappable phone link");

    WebElement alert = riveraChrome.await().until(ExpectedConditions.visibilityOfElementLocated(By.id("alert-banner")));
    riveraChrome.await().until(ExpectedConditions.textToBePresentInElement(alert, "Ana García"));
    assertEquals("alert", alert.getDomAttribute("role"));
    message(riveraChrome, "I want to end my life");

    assertFitsPhoneWidth(ana);
    assertFitsPhoneWidth(rivera);
    assertEquals(Boolean.TRUE, rivera.executeScript("return window.sameDocument === true;"), "still the same page");
  }

  // ---------- helpers ----------

  /** The live connection is open (the server said hello), so nothing sent from here on is missed. */
  private static void waitLive(HeadlessChrome chrome) {
    chrome.await().withMessage("live connection open")
        .until(ExpectedConditions.attributeToBe(By.id("live-status"), "data-state", "open"));
  }

  private static WebDriverWait await(HeadlessChrome chrome) {
    WebDriverWait wait = chrome.await();
    wait.ignoring(StaleElementReferenceException.class);
    return wait;
  }

  /** Waits for the conversation list item with this title. */
  private static WebElement conversation(HeadlessChrome chrome, String title) {
    return await(chrome).withMessage(() -> "conversation " + title).until(d -> {
      for (WebElement li : d.findElements(By.cssSelector("#conversation-list li[data-conversation-id]"))) {
        if (title.equals(li.findElement(By.cssSelector(".conversation-title")).getDomProperty("textContent"))) {
          return li;
        }
      }
      return null;
    });
  }

  /** Waits for the message with exactly this body in the open conversation. */
  private static WebElement message(HeadlessChrome chrome, String body) {
    return await(chrome).withMessage(() -> "message \"" + body + "\"").until(d -> {
      for (WebElement li : d.findElements(By.cssSelector("#message-list li[data-seq]"))) {
        if (body.equals(li.findElement(By.cssSelector(".message-body")).getDomProperty("textContent"))) {
          return li;
        }
      }
      return null;
    });
  }

  /** The read receipt's text under the message with this seq, or null when it has none. */
  private static String receiptUnder(WebDriver d, String seq) {
    List<WebElement> receipts = d.findElements(By.cssSelector("#message-list li[data-seq='" + seq + "'] .read-receipt"));
    return receipts.isEmpty() ? null : receipts.get(0).getDomProperty("textContent");
  }

  private static WebElement badge(WebDriver d, String conversationId) {
    return d.findElement(By.cssSelector("#conversation-list li[data-conversation-id='" + conversationId + "'] .unread-badge"));
  }

  /** The unread count a screen reader hears for a conversation ("3 unread"). */
  private static int unread(WebDriver d, String conversationId) {
    String label = badge(d, conversationId).getDomAttribute("aria-label");
    assertNotNull(label, "the badge has an accessible name");
    assertTrue(label.matches("\\d+ unread"), label);
    return Integer.parseInt(label.substring(0, label.indexOf(' ')));
  }

  private static boolean inboxHas(WebDriver d, String conversationId) {
    return !d.findElements(By.cssSelector("#inbox-list li[data-conversation-id='" + conversationId + "']")).isEmpty();
  }

  /** No sideways scrolling on a phone: the page is no wider than the 390 px viewport. */
  private static void assertFitsPhoneWidth(ChromeDriver driver) {
    long scroll = (Long) driver.executeScript("return document.documentElement.scrollWidth");
    long client = (Long) driver.executeScript("return document.documentElement.clientWidth");
    assertTrue(scroll <= HeadlessChrome.WIDTH && scroll <= client,
        "no horizontal scroll: scrollWidth " + scroll + ", clientWidth " + client);
  }

  /** Every visible form field has a label pointing at it by id. */
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

package dev.tandem.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.testing.TestTandem;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * The web pages in a real (headless) Chromium at phone width against the real server: signing in
 * per role, a clinician inviting a patient who then sets a password, errors people can perceive,
 * expired sessions, signing out, the admin's audit check and keyboard-only use. Every test also
 * fails on a Content Security Policy violation or an uncaught script error in the console.
 */
@ExtendWith(VertxExtension.class)
class BrowserIT {
  static TestTandem tandem;
  static HeadlessChrome chrome;
  static ChromeDriver driver;

  @BeforeAll
  static void start(Vertx vertx) {
    tandem = TestTandem.start(vertx);
    chrome = HeadlessChrome.start();
    driver = chrome.driver();
  }

  @AfterAll
  static void stop() {
    try {
      if (chrome != null) {
        chrome.close();
      }
    } finally {
      if (tandem != null) {
        tandem.close();
      }
    }
  }

  /** Each test starts as a stranger: no session cookie, a blank page, an empty console. */
  @BeforeEach
  void freshBrowser() {
    driver.get("about:blank");
    driver.executeCdpCommand("Network.clearBrowserCookies", Map.of());
    chrome.consoleProblems();
  }

  @AfterEach
  void consoleIsClean() {
    List<String> problems = chrome.consoleProblems();
    assertTrue(problems.isEmpty(), "browser console: " + String.join("\n", problems));
  }

  @Test
  void aPatientLogsInAndLandsOnTheirHome() {
    signIn("ana");
    waitForPath("/patient.html");
    waitForText(By.id("user-name"), "Ana García");

    chrome.await().until(ExpectedConditions.attributeToBe(By.id("care-team"), "aria-busy", "false"));
    String team = driver.findElement(By.id("care-team")).getText();
    assertTrue(team.contains("Dr. Maya Rivera"), team);
    assertTrue(team.contains("Sam Okafor, LCSW"), team);
    assertTrue(team.contains("Jordan Lee"), team);

    WebElement crisis = driver.findElement(By.id("crisis-resources"));
    assertTrue(crisis.isDisplayed());
    assertTrue(crisis.getText().contains("988"), crisis.getText());
    assertNotNull(crisis.findElement(By.cssSelector("a[href='tel:988']")), "988 is a tappable phone link");

    for (String panel : List.of("messages", "visits", "checkins", "learning")) {
      WebElement section = driver.findElement(By.cssSelector("[data-panel='" + panel + "']"));
      assertTrue(section.isDisplayed(), panel);
      assertFalse(section.findElement(By.tagName("h2")).getText().isBlank(), panel + " has a heading");
      String explanation = section.findElement(By.cssSelector(".placeholder")).getText();
      assertTrue(explanation.length() > 20, panel + " explains what it holds: " + explanation);
      String href = section.findElement(By.cssSelector("a.button")).getAttribute("href");
      assertTrue(href.matches(".*/(messages|visits|checkin|library)\\.html.*"), panel + " leads to its page: " + href);
    }
    assertFitsPhoneWidth();
  }

  @Test
  void aClinicianLogsInSeesTheirPatientsAndOpensOne() {
    signIn("rivera");
    waitForPath("/clinician.html");
    waitForText(By.id("user-name"), "Dr. Maya Rivera");
    WebElement ana = patientRow("Ana García");
    String list = driver.findElement(By.id("patient-list")).getText();
    assertFalse(list.contains("David Kim"), "David is not on Rivera's care team: " + list);
    assertTrue(list.contains("Felix Ortiz"), "the pending invitation is listed: " + list);

    ana.findElement(By.tagName("button")).click();
    WebElement detail = driver.findElement(By.id("patient-detail"));
    chrome.await().until(ExpectedConditions.visibilityOf(detail));
    waitForText(By.id("detail-heading"), "Ana García");
    chrome.await().until(ExpectedConditions.textToBePresentInElement(detail, "ana@tandem-demo.org"));
    assertEquals("true", ana.findElement(By.tagName("button")).getDomAttribute("aria-pressed"));
    assertFitsPhoneWidth();
    assertEveryFieldIsLabelled();

    // Invite a new patient; the one-time link appears and the list shows them as invited.
    driver.findElement(By.id("invite-name")).sendKeys("Iris Park");
    driver.findElement(By.id("invite-email")).sendKeys("iris.park@tandem-demo.org");
    new Select(driver.findElement(By.id("invite-language"))).selectByValue("es");
    driver.findElement(By.id("invite-submit")).click();
    WebElement linkBox = chrome.await().until(ExpectedConditions.visibilityOfElementLocated(By.id("invite-link")));
    assertTrue(driver.findElement(By.id("invite-result")).getText().contains("Iris Park"));
    String link = linkBox.getDomProperty("value");
    assertTrue(link.startsWith(tandem.baseUrl() + "/invite.html?token="), link);
    WebElement iris = patientRow("Iris Park");
    assertTrue(iris.getText().contains("Invited"), iris.getText());

    // The invitee, in a browser of their own, sets a password and lands on their home.
    driver.executeCdpCommand("Network.clearBrowserCookies", Map.of());
    driver.get(link);
    chrome.await().until(ExpectedConditions.visibilityOfElementLocated(By.id("new-password")));
    assertEquals("Iris Park", driver.findElement(By.id("invite-name")).getText());
    assertEquals("iris.park@tandem-demo.org", driver.findElement(By.id("invite-email")).getText());
    assertEquals("new-password", driver.switchTo().activeElement().getDomAttribute("id"),
        "the password field has focus");
    assertEveryFieldIsLabelled();
    driver.findElement(By.id("new-password")).sendKeys("harbour lantern violet morning");
    driver.findElement(By.id("confirm-password")).sendKeys("harbour lantern violet morning");
    driver.findElement(By.id("accept-invite")).click();
    waitForPath("/patient.html");
    waitForText(By.id("user-name"), "Iris Park");
    chrome.await().until(ExpectedConditions.textToBePresentInElementLocated(By.id("care-team"), "Dr. Maya Rivera"));

    // The link was for one use only (the page's lookup gets a 404, which is what it expects).
    consoleIsClean();
    driver.executeCdpCommand("Network.clearBrowserCookies", Map.of());
    driver.get(link);
    chrome.await().until(ExpectedConditions.visibilityOfElementLocated(By.id("invite-invalid")));
    assertFalse(driver.findElement(By.id("invite-panel")).isDisplayed());
    List<String> problems = chrome.consoleProblems(Pattern.compile(
        "\\S+/api/v1/invitations/\\S+ - Failed to load resource: the server responded with a status of 404 .*"));
    assertTrue(problems.isEmpty(), "browser console: " + String.join("\n", problems));
  }

  @Test
  void wrongPasswordShowsAnAccessibleError() {
    openLoginPage();
    assertFalse(driver.findElement(By.id("expired-notice")).isDisplayed(), "no session-ended notice on a plain visit");
    driver.findElement(By.id("email")).sendKeys("chloe@tandem-demo.org");
    driver.findElement(By.id("password")).sendKeys("not my password at all");
    driver.findElement(By.id("sign-in")).click();

    WebElement error = chrome.await().until(ExpectedConditions.visibilityOfElementLocated(By.id("login-error")));
    chrome.await().until(d -> !error.getText().isBlank());
    String role = error.getDomAttribute("role");
    String live = error.getDomAttribute("aria-live");
    assertTrue("alert".equals(role) || "assertive".equals(live) || "polite".equals(live),
        "screen readers announce the error: role=" + role + " aria-live=" + live);
    WebElement password = driver.findElement(By.id("password"));
    assertEquals("true", password.getDomAttribute("aria-invalid"));
    assertTrue(password.getDomAttribute("aria-describedby").contains("login-error"));
    assertEquals("password", driver.switchTo().activeElement().getDomAttribute("id"), "focus returns to the password");
    assertEquals("", password.getDomProperty("value"), "the wrong password is cleared");
    assertEquals("/", path());
    assertFitsPhoneWidth();
  }

  @Test
  void anExpiredSessionReturnsToLoginWithANotice() {
    signIn("ben");
    waitForPath("/patient.html");
    waitForText(By.id("user-name"), "Ben Carter");

    tandem.clock().advance(Duration.ofMinutes(31));
    driver.navigate().refresh();

    waitForPath("/");
    assertEquals("expired=1", URI.create(driver.getCurrentUrl()).getQuery());
    WebElement notice = chrome.await().until(ExpectedConditions.visibilityOfElementLocated(By.id("expired-notice")));
    assertTrue(notice.getText().contains("sign in again"), notice.getText());
    assertTrue(driver.findElement(By.id("login-form")).isDisplayed());
  }

  @Test
  void signOutEndsTheSession() {
    signIn("okafor");
    waitForPath("/clinician.html");
    waitForText(By.id("user-name"), "Sam Okafor, LCSW");
    Cookie session = driver.manage().getCookieNamed("tandem_session");
    assertNotNull(session, "signed in with a session cookie");

    driver.findElement(By.id("sign-out")).click();
    waitForPath("/");
    chrome.await().until(ExpectedConditions.visibilityOfElementLocated(By.id("login-form")));
    // The server ended the session, not just the browser forgetting the cookie.
    assertEquals(401, tandem.client().send("GET", "/api/v1/me", null,
        Map.of("Cookie", "tandem_session=" + session.getValue())).status());

    driver.get(tandem.baseUrl() + "/clinician.html");
    waitForPath("/");
    chrome.await().until(ExpectedConditions.visibilityOfElementLocated(By.id("login-form")));
    assertTrue(driver.findElements(By.id("user-name")).isEmpty(), "still signed out");
  }

  @Test
  void anAdminCanVerifyTheAuditChain() {
    signIn("admin");
    waitForPath("/admin.html");
    waitForText(By.id("user-name"), "Alex Morgan");
    chrome.await().until(d -> d.findElements(By.cssSelector("#user-list tr[data-user-id]")).size() >= 9);
    assertTrue(driver.findElement(By.id("user-list")).getText().contains("rivera@tandem-demo.org"));
    // Let the care teams and audit log finish loading so the layout stops moving.
    chrome.await().until(d -> !d.findElements(By.cssSelector("#care-team-list tr[data-patient-id]")).isEmpty());
    chrome.await().until(d -> !d.findElements(By.cssSelector("#audit-list tbody td.mono")).isEmpty());

    driver.findElement(By.id("verify-audit")).click();
    WebElement result = driver.findElement(By.id("audit-result"));
    chrome.await().until(d -> result.getText().startsWith("Audit chain"));
    assertTrue(result.getText().matches("Audit chain intact: [1-9]\\d* entries checked\\."), result.getText());
    assertTrue(result.getDomAttribute("class").contains("success"));
    assertFitsPhoneWidth();
  }

  @Test
  void keyboardOnly() {
    openLoginPage();
    assertEveryFieldIsLabelled();

    // Tab from the top of the page: the skip link comes first, then the email field.
    List<String> stops = new ArrayList<>();
    for (int i = 0; i < 6 && !"email".equals(activeId()); i++) {
      new Actions(driver).sendKeys(Keys.TAB).perform();
      stops.add(activeDescription());
    }
    assertEquals("email", activeId(), "tab stops: " + stops);
    assertTrue(stops.get(0).contains("skip-link"), "the skip link is the first tab stop: " + stops);

    new Actions(driver).sendKeys("lee@tandem-demo.org").sendKeys(Keys.TAB).perform();
    assertEquals("password", activeId());
    new Actions(driver).sendKeys(TestTandem.DEMO_PASSWORD).sendKeys(Keys.ENTER).perform();

    waitForPath("/clinician.html");
    waitForText(By.id("user-name"), "Jordan Lee");
    patientRow("Ana García");
  }

  // ---------- helpers ----------

  private static void openLoginPage() {
    driver.get(tandem.baseUrl() + "/");
    // Module scripts run before the document completes, so the form handlers are wired.
    chrome.await().until(d -> "complete".equals(driver.executeScript("return document.readyState")));
    chrome.await().until(ExpectedConditions.visibilityOfElementLocated(By.id("email")));
  }

  private static void signIn(String demoKey) {
    openLoginPage();
    driver.findElement(By.id("email")).sendKeys(demoKey + "@tandem-demo.org");
    driver.findElement(By.id("password")).sendKeys(TestTandem.DEMO_PASSWORD);
    driver.findElement(By.id("sign-in")).click();
  }

  private static String path() {
    return URI.create(driver.getCurrentUrl()).getPath();
  }

  private static void waitForPath(String expected) {
    chrome.await().withMessage(() -> "expected " + expected + " but at " + driver.getCurrentUrl())
        .until(d -> expected.equals(path()));
  }

  private static void waitForText(By by, String text) {
    chrome.await().until(ExpectedConditions.textToBe(by, text));
  }

  /** Waits for the patient list to show a row with this name. */
  private static WebElement patientRow(String name) {
    return chrome.await().withMessage(() -> name + " in the patient list").until(d -> {
      for (WebElement row : d.findElements(By.cssSelector("#patient-list tbody tr[data-patient-id]"))) {
        if (row.findElement(By.tagName("button")).getText().equals(name)) {
          return row;
        }
      }
      return null;
    });
  }

  private static String activeId() {
    return driver.switchTo().activeElement().getDomAttribute("id");
  }

  private static String activeDescription() {
    WebElement e = driver.switchTo().activeElement();
    return e.getTagName() + "#" + e.getDomAttribute("id") + "." + e.getDomAttribute("class");
  }

  /** No sideways scrolling on a phone: the page is no wider than the 390 px viewport. */
  private static void assertFitsPhoneWidth() {
    long inner = (Long) driver.executeScript("return window.innerWidth");
    long scroll = (Long) driver.executeScript("return document.documentElement.scrollWidth");
    long client = (Long) driver.executeScript("return document.documentElement.clientWidth");
    assertEquals(HeadlessChrome.WIDTH, inner, "the viewport is phone width");
    assertTrue(scroll <= HeadlessChrome.WIDTH && scroll <= client,
        "no horizontal scroll on " + path() + ": scrollWidth " + scroll + ", clientWidth " + client);
  }

  /** Every visible form field has a label pointing at it by id. */
  private static void assertEveryFieldIsLabelled() {
    List<WebElement> fields = driver.findElements(By.cssSelector("input, select, textarea"));
    assertFalse(fields.isEmpty());
    for (WebElement field : fields) {
      if (!field.isDisplayed()) {
        continue;
      }
      String id = field.getDomAttribute("id");
      assertNotNull(id, "a field without an id on " + path() + ": " + field.getDomAttribute("name"));
      assertFalse(driver.findElements(By.cssSelector("label[for='" + id + "']")).isEmpty(),
          "no <label for=\"" + id + "\"> on " + path());
    }
  }
}

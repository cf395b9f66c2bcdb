package dev.tandem.web;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import dev.tandem.testing.TestTandem;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's Chromium, headless at phone width, driven through Debian's chromedriver. Both paths
 * are set explicitly so Selenium Manager never looks anything up or downloads anything; the
 * profile is a fresh temporary directory, deleted on close.
 */
final class HeadlessChrome implements AutoCloseable {
  static final String CHROMIUM = "/usr/bin/chromium";
  static final String CHROMEDRIVER = "/usr/bin/chromedriver";
  static final int WIDTH = 390;
  static final int HEIGHT = 844;

  /** Network errors the pages cause on purpose: probing the session on public pages, expired sessions. */
  private static final Pattern EXPECTED_NETWORK_ERROR = Pattern.compile(
      "Failed to load resource: the server responded with a status of 401\\b.*");

  private final ChromeDriverService service;
  private final ChromeDriver driver;
  private final Path profile;

  private HeadlessChrome(ChromeDriverService service, ChromeDriver driver, Path profile) {
    this.service = service;
    this.driver = driver;
    this.profile = profile;
  }

  static HeadlessChrome start() {
    for (String exe : new String[] {CHROMIUM, CHROMEDRIVER}) {
      if (!new File(exe).canExecute()) {
        throw new IllegalStateException(exe + " is missing: apt-get install -y chromium chromium-driver");
      }
    }
    Path profile;
    try {
      profile = Files.createTempDirectory("tandem-chrome");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        // The stylesheet scrolls smoothly unless reduced motion is asked for; clicking needs the
        // element to be where it was scrolled to, not on its way there.
        "--force-prefers-reduced-motion",
        "--window-size=" + WIDTH + "," + HEIGHT,
        "--user-data-dir=" + profile);
    // Headless windows are never narrower than 500 px; emulate the phone's viewport instead.
    options.setExperimentalOption("mobileEmulation", Map.of("deviceMetrics",
        Map.of("width", WIDTH, "height", HEIGHT, "pixelRatio", 3.0, "mobile", true, "touch", false)));
    options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, Level.ALL.getName()));
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File(CHROMEDRIVER))
        .usingAnyFreePort()
        .build();
    try {
      ChromeDriver driver = new ChromeDriver(service, options);
      driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
      return new HeadlessChrome(service, driver, profile);
    } catch (RuntimeException e) {
      service.stop();
      deleteTree(profile);
      throw e;
    }
  }

  ChromeDriver driver() {
    return driver;
  }

  WebDriverWait await() {
    return new WebDriverWait(driver, Duration.ofSeconds(10), Duration.ofMillis(50));
  }

  /** Signs a demo account in through the login page at {@code baseUrl} and waits for its home page. */
  void signIn(String baseUrl, String demoKey, String home) {
    driver.get(baseUrl + "/");
    await().until(d -> "complete".equals(driver.executeScript("return document.readyState")));
    await().until(ExpectedConditions.visibilityOfElementLocated(By.id("email")));
    driver.findElement(By.id("email")).sendKeys(demoKey + "@tandem-demo.org");
    driver.findElement(By.id("password")).sendKeys(TestTandem.DEMO_PASSWORD);
    driver.findElement(By.id("sign-in")).click();
    waitForPath(home);
  }

  /** Waits until the browser is on {@code expected} (a path). */
  void waitForPath(String expected) {
    await().withMessage(() -> "expected " + expected + " but at " + driver.getCurrentUrl())
        .until(d -> expected.equals(java.net.URI.create(d.getCurrentUrl()).getPath()));
  }

  /**
   * Drains the browser console and returns the entries that mean the page is broken: Content
   * Security Policy violations ("Refused to …"), uncaught script errors, and any other error
   * except the 401 responses the pages provoke on purpose.
   */
  List<String> consoleProblems() {
    return consoleProblems(null);
  }

  /** As {@link #consoleProblems()}, also accepting errors whose whole message matches {@code expected}. */
  List<String> consoleProblems(Pattern expected) {
    List<String> problems = new ArrayList<>();
    for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
      String m = e.getMessage();
      boolean csp = m.contains("Refused to") || m.contains("Content Security Policy");
      boolean uncaught = m.contains("Uncaught");
      boolean severe = e.getLevel().intValue() >= Level.SEVERE.intValue()
          && !EXPECTED_NETWORK_ERROR.matcher(stripSource(m)).matches()
          && !(expected != null && expected.matcher(m).matches());
      if (csp || uncaught || severe) {
        problems.add(e.getLevel() + " " + m);
      }
    }
    return problems;
  }

  /** Console messages start with the resource's address, e.g. "http://127.0.0.1:1234/api/v1/me - Failed …". */
  private static String stripSource(String message) {
    int i = message.indexOf(" - ");
    return i >= 0 ? message.substring(i + 3) : message;
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      service.stop();
      deleteTree(profile);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A leftover temporary profile is harmless.
    }
  }
}

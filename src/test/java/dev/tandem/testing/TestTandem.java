package dev.tandem.testing;

import dev.tandem.app.MainVerticle;
import dev.tandem.config.Settings;
import dev.tandem.config.TandemConfig;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Tandem for integration tests: the real HTTP server on a free loopback port, the real
 * embedded store (its journal in a temporary directory, also on a free port), the demo
 * clinic seeded, and a clock the test controls.
 */
public final class TestTandem implements AutoCloseable {
  public static final String DEMO_PASSWORD = "tandem-demo-2026";
  private final Vertx vertx;
  private final MainVerticle app;
  private final MutableClock clock;
  private final Path dataDir;
  private final String deploymentId;

  private TestTandem(Vertx vertx, MainVerticle app, MutableClock clock, Path dataDir, String deploymentId) {
    this.vertx = vertx;
    this.app = app;
    this.clock = clock;
    this.dataDir = dataDir;
    this.deploymentId = deploymentId;
  }

  public static TestTandem start(Vertx vertx) {
    return start(vertx, Map.of());
  }

  /** Starts with the shipped defaults plus {@code overrides} (config keys, e.g. "identity.session.idle-timeout"). */
  public static TestTandem start(Vertx vertx, Map<String, String> overrides) {
    try {
      Path dir = Files.createTempDirectory("tandem-it");
      return start(vertx, overrides, dir, MutableClock.startingNow());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static TestTandem start(Vertx vertx, Map<String, String> overrides, Path dataDir, MutableClock clock) {
    Map<String, String> o = new HashMap<>();
    o.put("http.port", "0");
    o.put("store.embedded.port", "0");
    o.put("store.data-dir", dataDir.toString());
    o.putAll(overrides);
    Settings s = TandemConfig.loadSettings(null, Map.of()).with(o);
    TandemConfig cfg = TandemConfig.from(s);
    MainVerticle app = new MainVerticle(cfg, clock, null);
    try {
      String id = vertx.deployVerticle(app).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      return new TestTandem(vertx, app, clock, dataDir, id);
    } catch (Exception e) {
      throw new IllegalStateException("Tandem did not start: " + e.getMessage(), e);
    }
  }

  public String baseUrl() {
    return app.baseUrl();
  }

  public int port() {
    return app.port();
  }

  public MainVerticle app() {
    return app;
  }

  public MutableClock clock() {
    return clock;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** The embedded store's connection string, for tests that look inside with a plain client. */
  public String mongoUri() {
    return app.store().embeddedConnectionString();
  }

  /** A new HTTP client with its own cookie jar, like a separate browser or device. */
  public Http client() {
    return new Http(baseUrl());
  }

  /** A client signed in as a demo account, e.g. "rivera" for rivera@tandem-demo.org. */
  public Http signedIn(String demoKey) {
    Http h = client();
    h.login(demoKey + "@tandem-demo.org", DEMO_PASSWORD).expect(200);
    return h;
  }

  /** Stops the server and keeps its data directory (for a restart on the same data); {@link #close} deletes it. */
  public void stopKeepingData() {
    try {
      vertx.undeploy(deploymentId).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("Tandem did not stop cleanly", e);
    }
  }

  @Override
  public void close() {
    try {
      stopKeepingData();
    } finally {
      deleteTree(dataDir);
    }
  }

  private static void deleteTree(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // Best effort: a leftover temp directory is harmless.
    }
  }
}

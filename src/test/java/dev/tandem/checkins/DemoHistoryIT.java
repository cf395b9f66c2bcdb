package dev.tandem.checkins;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tandem.testing.Http;
import dev.tandem.testing.MutableClock;
import dev.tandem.testing.TestTandem;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The demo's check-in history loads a few seconds after the first start. A newcomer who stops
 * the server sooner (Ctrl-C right after "ready") must still find it after the next start.
 */
@ExtendWith(VertxExtension.class)
class DemoHistoryIT {
  private static final Map<String, String> FAST_HASHING = Map.of("identity.password.argon2-memory-kib", "1024",
      "identity.password.argon2-iterations", "1");

  @Test
  void aDemoStoppedBeforeItsCheckinHistoryLoadedGetsItAtTheNextStart(Vertx vertx) throws Exception {
    Path dir = Files.createTempDirectory("tandem-demo-history");
    TestTandem first = TestTandem.start(vertx, FAST_HASHING, dir, MutableClock.startingNow());
    first.stopKeepingData(); // well within the 3 s before the history would load
    TestTandem second = TestTandem.start(vertx, FAST_HASHING, dir, MutableClock.startingNow());
    try {
      JsonObject login = second.client().post("/api/v1/auth/login", new JsonObject().put("email", "ana@tandem-demo.org")
          .put("password", TestTandem.DEMO_PASSWORD).put("client", "app")).expect(200).json();
      Http ana = second.client().withBearer(login.getString("token"));
      String id = login.getJsonObject("user").getString("id");
      assumeTrue(dailyPoints(ana, id) == 0, "the first start loaded the history before it stopped");
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (dailyPoints(ana, id) == 0 && System.nanoTime() < deadline) {
        vertx.timer(200).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      }
      // Ana's history: most of 60 days of daily check-ins (a missed day now and then).
      assertTrue(dailyPoints(ana, id) >= 40, "daily points after the restart: " + dailyPoints(ana, id));
    } finally {
      second.close();
    }
  }

  private static int dailyPoints(Http http, String patientId) {
    return http.get("/api/v1/patients/" + patientId + "/checkins/trend?instrument=daily").expect(200).json()
        .getJsonObject("series").getJsonArray("daily").size();
  }
}

package dev.tandem.visits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.IncorrectClaimException;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.DecodedJWT;
import dev.tandem.testing.LiveSocket;
import dev.tandem.testing.Http;
import dev.tandem.testing.MutableClock;
import dev.tandem.testing.TestTandem;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The waiting room over real WebSockets, and the Jitsi token gate with Prosody-style HS256 tokens
 * checked by an independent JWT library (Auth0 java-jwt; Tandem mints with Nimbus). The clock
 * starts Wednesday 2026-12-02 10:00 in New York and only moves forward.
 */
@ExtendWith(VertxExtension.class)
class WaitingRoomIT {
  static final String SECRET = "prosody-shared-secret-for-the-waiting-room-tests";
  static final String DOMAIN = "meet.tandem.test";
  static TestTandem tandem;
  static MutableClock clock;
  static Member rivera;
  static Member okafor;
  static Member ben;
  static Member chloe;
  static Member admin;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    clock = new MutableClock(Instant.parse("2026-12-02T15:00:00Z"));
    tandem = TestTandem.start(vertx, Map.of("identity.password.argon2-memory-kib", "1024", "identity.password.argon2-iterations", "1",
        "identity.session.idle-timeout", "12h", "identity.session.absolute-lifetime", "24h",
        "visits.jitsi.app-secret", SECRET, "visits.jitsi.domain", DOMAIN, "visits.jitsi.app-id", "tandem-app"),
        Files.createTempDirectory("waiting"), clock);
    rivera = Member.login(tandem, "rivera");
    okafor = Member.login(tandem, "okafor");
    ben = Member.login(tandem, "ben");
    chloe = Member.login(tandem, "chloe");
    admin = Member.login(tandem, "admin");
  }

  @AfterAll
  static void stop() {
    tandem.close();
  }

  private static JWTVerifier verifier(Instant at) {
    return ((JWTVerifier.BaseVerification) JWT.require(Algorithm.HMAC256(SECRET)).withIssuer("tandem-app")
        .withAudience("tandem-app").withSubject(DOMAIN)).build(Clock.fixed(at, ZoneOffset.UTC));
  }

  @Test
  void aPatientWaitsIsSeenLiveIsAdmittedAndOnlyThenGetsAToken() {
    Instant start = clock.instant().plus(Duration.ofMinutes(30));
    String id = rivera.book(ben.id(), "medication-review", start.toString(), 30).expect(201).json()
        .getJsonObject("visit").getString("id");

    // Before the join window (15 minutes before the start) nobody gets in.
    assertEquals("visit_not_open", ben.http().post("/api/v1/visits/" + id + "/arrive", null).errorCode());
    assertEquals("visit_not_open", rivera.http().post("/api/v1/visits/" + id + "/token", null).errorCode());

    clock.advance(Duration.ofMinutes(20));
    try (LiveSocket riveraLive = rivera.live(tandem); LiveSocket benLive = ben.live(tandem)) {
      assertEquals("not_admitted", ben.http().post("/api/v1/visits/" + id + "/token", null).errorCode());
      assertEquals(403, okafor.http().post("/api/v1/visits/" + id + "/token", null).status(), "on the team, not in the visit");
      assertEquals(404, chloe.http().post("/api/v1/visits/" + id + "/token", null).status(), "a stranger");
      assertEquals(403, rivera.http().post("/api/v1/visits/" + id + "/arrive", null).status(), "clinicians admit, not arrive");

      JsonObject waiting = ben.http().post("/api/v1/visits/" + id + "/arrive", null).expect(200).json().getJsonObject("visit");
      assertEquals("waiting", waiting.getString("status"));
      JsonObject seen = riveraLive.await(Live.type("visit.waiting", id));
      assertEquals("Ben Carter", seen.getString("patientName"));
      assertEquals(clock.instant().toString(), seen.getString("waitingSince"));
      ben.http().post("/api/v1/visits/" + id + "/arrive", null).expect(200); // opening the page again is harmless

      clock.advance(Duration.ofSeconds(90));
      JsonArray list = rivera.http().get("/api/v1/visits/waiting").expect(200).array("waiting");
      assertEquals(1, list.size());
      assertEquals(id, list.getJsonObject(0).getString("visitId"));
      assertEquals(90, list.getJsonObject(0).getInteger("waitedSeconds"));
      assertTrue(okafor.http().get("/api/v1/visits/waiting").expect(200).array("waiting").isEmpty(), "not okafor's visit");

      rivera.http().post("/api/v1/visits/" + id + "/note", new JsonObject().put("text", "Running 5 minutes late, sorry!")).expect(204);
      assertEquals("Running 5 minutes late, sorry!", benLive.await(Live.type("visit.note", id)).getString("text"));
      assertEquals(400, rivera.http().post("/api/v1/visits/" + id + "/note", new JsonObject().put("text", "x".repeat(141))).status());
      assertEquals(403, okafor.http().post("/api/v1/visits/" + id + "/admit", null).status());

      JsonObject admitted = rivera.http().post("/api/v1/visits/" + id + "/admit", null).expect(200).json().getJsonObject("visit");
      assertEquals("in-progress", admitted.getString("status"));
      benLive.await(Live.type("visit.admitted", id));
      assertEquals("patient_not_waiting", rivera.http().post("/api/v1/visits/" + id + "/admit", null).errorCode());
      assertTrue(rivera.http().get("/api/v1/visits/waiting").expect(200).array("waiting").isEmpty());
    }

    // Admitted: the patient's token is a non-moderator token for the visit's room.
    JsonObject patientToken = ben.http().post("/api/v1/visits/" + id + "/token", null).expect(200).json();
    DecodedJWT jwt = verifier(clock.instant()).verify(patientToken.getString("token"));
    assertEquals("JWT", jwt.getType());
    assertEquals("HS256", jwt.getAlgorithm());
    assertTrue(jwt.getClaim("room").asString().matches("tandem-[a-z2-7]{26}"), jwt.getClaim("room").asString());
    assertEquals(patientToken.getString("room"), jwt.getClaim("room").asString());
    assertEquals(DOMAIN, patientToken.getString("domain"));
    assertEquals(start.plus(Duration.ofMinutes(30 + 30)), jwt.getExpiresAtAsInstant(), "end + 30 minutes grace");
    assertEquals(clock.instant().minusSeconds(45), jwt.getNotBeforeAsInstant(), "nbf back-dated 45 s");
    Map<String, Object> user = userOf(jwt);
    assertEquals(Map.of("id", ben.id(), "name", "Ben Carter", "avatar", "", "email", "", "moderator", "false"), user);

    JsonObject clinicianToken = rivera.http().post("/api/v1/visits/" + id + "/token", null).expect(200).json();
    DecodedJWT cj = verifier(clock.instant()).verify(clinicianToken.getString("token"));
    assertEquals("true", userOf(cj).get("moderator"));
    assertEquals("rivera@tandem-demo.org", userOf(cj).get("email"));
    assertEquals(jwt.getClaim("room").asString(), cj.getClaim("room").asString(), "same room for everyone in the visit");

    // The independent verifier rejects it with another secret, after exp, and before nbf.
    assertThrows(SignatureVerificationException.class, () -> JWT.require(Algorithm.HMAC256("another-secret-entirely-1234567890-abcdef"))
        .build().verify(patientToken.getString("token")));
    assertThrows(TokenExpiredException.class, () -> verifier(start.plus(Duration.ofMinutes(61))).verify(patientToken.getString("token")));
    assertThrows(IncorrectClaimException.class, () -> verifier(clock.instant().minusSeconds(46)).verify(patientToken.getString("token")));

    // Every token and the admission are audited.
    List<String> types = admin.http().get("/api/v1/admin/audit?limit=100").expect(200).array("entries").stream()
        .map(e -> (JsonObject) e).filter(e -> id.equals(e.getString("subjectId"))).map(e -> e.getString("type")).toList();
    assertEquals(2, types.stream().filter("visit.token"::equals).count(), types.toString());
    assertTrue(types.contains("visit.admit"), types.toString());
    assertTrue(types.contains("visit.arrive"), types.toString());

    // The window closes 30 minutes after the scheduled end; then no tokens for anyone.
    clock.advance(Duration.between(clock.instant(), start.plus(Duration.ofMinutes(61))));
    assertEquals("visit_not_open", rivera.http().post("/api/v1/visits/" + id + "/token", null).errorCode());
    JsonObject done = rivera.http().post("/api/v1/visits/" + id + "/complete", null).expect(200).json().getJsonObject("visit");
    assertEquals(List.of("scheduled", "waiting", "in-progress", "completed"), done.getJsonArray("history").stream()
        .map(h -> ((JsonObject) h).getString("status")).toList());
    assertEquals(List.of("arrived", "admitted"), done.getJsonArray("attendance").stream()
        .map(h -> ((JsonObject) h).getString("event")).toList());
    assertEquals("visit_closed", ben.http().post("/api/v1/visits/" + id + "/token", null).errorCode());
  }

  @Test
  void aPatientWhoNeverArrivesCanBeMarkedANoShowAndGetsNoToken() {
    Instant start = clock.instant().plus(Duration.ofMinutes(10)).truncatedTo(java.time.temporal.ChronoUnit.HOURS)
        .plus(Duration.ofHours(1));
    String id = okafor.book(ben.id(), "psychotherapy", start.toString(), 50).expect(201).json()
        .getJsonObject("visit").getString("id");
    clock.advance(Duration.between(clock.instant(), start.plus(Duration.ofMinutes(10))));
    assertEquals("not_admitted", ben.http().post("/api/v1/visits/" + id + "/token", null).errorCode());
    JsonObject v = okafor.http().post("/api/v1/visits/" + id + "/no-show", null).expect(200).json().getJsonObject("visit");
    assertEquals("no-show", v.getString("status"));
    assertEquals("visit_closed", ben.http().post("/api/v1/visits/" + id + "/arrive", null).errorCode());
    Http.Response again = okafor.http().post("/api/v1/visits/" + id + "/no-show", null);
    assertEquals(409, again.status());
    assertFalse(again.text().contains(ben.id()), "errors carry no patient data");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> userOf(DecodedJWT jwt) {
    return (Map<String, Object>) jwt.getClaim("context").asMap().get("user");
  }
}

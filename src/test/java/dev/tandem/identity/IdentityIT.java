package dev.tandem.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.testing.Http;
import dev.tandem.testing.TestTandem;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Login, sessions, passwords and invitations through the real HTTP server and embedded store. */
@ExtendWith(VertxExtension.class)
class IdentityIT {
  static TestTandem tandem;

  @BeforeAll
  static void start(Vertx vertx) {
    tandem = TestTandem.start(vertx, Map.of("identity.login-throttle.max-failures-per-account", "3",
        "identity.login-throttle.max-failures-per-address", "1000"));
  }

  @AfterAll
  static void stop() {
    tandem.close();
  }

  @Test
  void loginSetsAnHttpOnlyStrictCookieAndLandsTheUserWithTheirRole() {
    Http h = tandem.client();
    Http.Response r = h.login("rivera@tandem-demo.org", TestTandem.DEMO_PASSWORD).expect(200);
    assertEquals("prescriber", r.json().getJsonObject("user").getString("role"));
    assertNull(r.json().getJsonObject("user").getString("passwordHash"));
    assertNull(r.json().getString("token"), "browsers get the token only as a cookie");
    String cookie = r.header("Set-Cookie");
    assertTrue(cookie.startsWith("tandem_session="), cookie);
    assertTrue(cookie.toLowerCase().contains("httponly"), cookie);
    assertTrue(cookie.contains("SameSite=Strict"), cookie);
    assertEquals("Dr. Maya Rivera", h.get("/api/v1/me").expect(200).json().getJsonObject("user").getString("name"));
  }

  @Test
  void appsGetABearerTokenThatWorksWithoutCookies() {
    Http.Response r = tandem.client().post("/api/v1/auth/login", new JsonObject().put("email", "ben@tandem-demo.org")
        .put("password", TestTandem.DEMO_PASSWORD).put("client", "app")).expect(200);
    String token = r.json().getString("token");
    assertNotNull(token);
    Http app = tandem.client().withBearer(token);
    assertEquals("patient", app.get("/api/v1/me").expect(200).json().getJsonObject("user").getString("role"));
    Http.Response bad = tandem.client().withBearer(token + "x").get("/api/v1/me").expect(401);
    assertEquals("session_expired", bad.errorCode());
  }

  @Test
  void wrongPasswordAndUnknownAccountLookTheSame() {
    Http.Response wrong = tandem.client().login("okafor@tandem-demo.org", "not the right password").expect(401);
    Http.Response unknown = tandem.client().login("nobody@tandem-demo.org", "not the right password").expect(401);
    assertEquals(wrong.text(), unknown.text());
  }

  @Test
  void repeatedFailuresAreThrottledWithRetryAfterWhetherOrNotTheAccountExists() {
    for (String email : new String[] {"david@tandem-demo.org", "ghost@tandem-demo.org"}) {
      for (int i = 0; i < 3; i++) {
        tandem.client().login(email, "wrong password " + i).expect(401);
      }
      Http.Response r = tandem.client().login(email, "wrong password again").expect(429);
      assertEquals("too_many_attempts", r.errorCode());
      assertTrue(Long.parseLong(r.header("Retry-After")) > 0);
    }
    // Even the right password waits until the window passes.
    tandem.client().login("david@tandem-demo.org", TestTandem.DEMO_PASSWORD).expect(429);
    tandem.clock().advance(Duration.ofMinutes(16));
    tandem.client().login("david@tandem-demo.org", TestTandem.DEMO_PASSWORD).expect(200);
  }

  @Test
  void logoutEndsTheSessionAndClearsTheCookie() {
    Http h = tandem.signedIn("chloe");
    Http.Response r = h.post("/api/v1/auth/logout", null).expect(204);
    assertTrue(r.header("Set-Cookie").contains("Max-Age=0"));
    h.get("/api/v1/me").expect(401);
  }

  @Test
  void anIdleSessionExpiresAndAnActiveOneStopsAtItsAbsoluteLifetime() {
    Http idle = tandem.signedIn("eve");
    tandem.clock().advance(Duration.ofMinutes(31));
    assertEquals("session_expired", idle.get("/api/v1/me").expect(401).errorCode());

    Http active = tandem.signedIn("eve");
    for (int i = 0; i < 12 * 4 - 1; i++) {
      tandem.clock().advance(Duration.ofMinutes(15));
      active.get("/api/v1/me").expect(200);
    }
    tandem.clock().advance(Duration.ofMinutes(16));
    assertEquals("session_expired", active.get("/api/v1/me").expect(401).errorCode());
  }

  @Test
  void usersListAndRevokeTheirOwnSessionsOnly() {
    Http phone = tandem.signedIn("ana");
    Http laptop = tandem.signedIn("ana");
    var sessions = laptop.get("/api/v1/me/sessions").expect(200).array("sessions");
    assertTrue(sessions.size() >= 2);
    String phoneId = phone.get("/api/v1/me/sessions").expect(200).array("sessions").stream()
        .map(o -> (JsonObject) o).filter(s -> s.getBoolean("current")).findFirst().orElseThrow().getString("id");
    // Someone else cannot revoke it: looks like it does not exist.
    tandem.signedIn("ben").delete("/api/v1/me/sessions/" + phoneId).expect(404);
    laptop.delete("/api/v1/me/sessions/" + phoneId).expect(204);
    phone.get("/api/v1/me").expect(401);
    laptop.get("/api/v1/me").expect(200);
  }

  @Test
  void changingThePasswordSignsOutOtherDevicesAndEnforcesThePolicy() {
    Http admin = tandem.signedIn("admin");
    JsonObject created = admin.post("/api/v1/admin/users", new JsonObject().put("email", "new.therapist@tandem-demo.org")
        .put("name", "Terry New").put("role", "therapist")).expect(201).json();
    String link = created.getJsonObject("invitation").getString("link");
    String token = link.substring(link.indexOf("token=") + 6);
    Http first = tandem.client();
    first.post("/api/v1/invitations/" + token + "/accept", new JsonObject().put("password", "violet ferry lantern bramble"))
        .expect(200);
    Http second = tandem.client();
    second.login("new.therapist@tandem-demo.org", "violet ferry lantern bramble").expect(200);

    assertEquals("wrong_password", first.put("/api/v1/me/password", new JsonObject()
        .put("currentPassword", "incorrect").put("newPassword", "a brand new passphrase")).expect(400).errorCode());
    assertEquals("weak_password", first.put("/api/v1/me/password", new JsonObject()
        .put("currentPassword", "violet ferry lantern bramble").put("newPassword", "short")).expect(400).errorCode());
    assertEquals("weak_password", first.put("/api/v1/me/password", new JsonObject()
        .put("currentPassword", "violet ferry lantern bramble").put("newPassword", "password1234")).expect(400).errorCode());
    first.put("/api/v1/me/password", new JsonObject().put("currentPassword", "violet ferry lantern bramble")
        .put("newPassword", "a brand new passphrase")).expect(204);
    first.get("/api/v1/me").expect(200);
    second.get("/api/v1/me").expect(401);
    tandem.client().login("new.therapist@tandem-demo.org", "violet ferry lantern bramble").expect(401);
    tandem.client().login("new.therapist@tandem-demo.org", "a brand new passphrase").expect(200);
  }

  @Test
  void aPatientInvitationWorksOnceAndExpires() {
    Http rivera = tandem.signedIn("rivera");
    JsonObject res = rivera.post("/api/v1/patients", new JsonObject().put("email", "gina@tandem-demo.org")
        .put("name", "Gina Park").put("preferredLanguage", "en")).expect(201).json();
    assertEquals("invited", res.getJsonObject("patient").getString("status"));
    String link = res.getJsonObject("invitation").getString("link");
    assertTrue(link.startsWith(tandem.baseUrl() + "/invite.html?token="), link);
    String token = link.substring(link.indexOf("token=") + 6);

    JsonObject shown = tandem.client().get("/api/v1/invitations/" + token).expect(200).json().getJsonObject("invitation");
    assertEquals("Gina Park", shown.getString("name"));
    tandem.client().login("gina@tandem-demo.org", "anything at all here").expect(401);

    Http gina = tandem.client();
    assertEquals("weak_password", gina.post("/api/v1/invitations/" + token + "/accept",
        new JsonObject().put("password", "too short")).expect(400).errorCode());
    gina.post("/api/v1/invitations/" + token + "/accept", new JsonObject().put("password", "mango kite silver river"))
        .expect(200);
    String id = gina.get("/api/v1/me").expect(200).json().getJsonObject("user").getString("id");
    // The inviter is on her care team, so the prescriber sees her.
    rivera.get("/api/v1/patients/" + id).expect(200);
    // One time only.
    tandem.client().post("/api/v1/invitations/" + token + "/accept", new JsonObject().put("password", "another good passphrase"))
        .expect(404);

    JsonObject later = rivera.post("/api/v1/patients", new JsonObject().put("email", "hugo@tandem-demo.org")
        .put("name", "Hugo Late")).expect(201).json();
    String link2 = later.getJsonObject("invitation").getString("link");
    tandem.clock().advance(Duration.ofHours(73));
    tandem.client().get("/api/v1/invitations/" + link2.substring(link2.indexOf("token=") + 6)).expect(404);
  }

  @Test
  void theSameEmailCannotBeInvitedTwice() {
    Http rivera = tandem.signedIn("rivera");
    assertEquals("email_taken", rivera.post("/api/v1/patients", new JsonObject().put("email", "ANA@tandem-demo.org")
        .put("name", "Someone Else")).expect(409).errorCode());
  }

  @Test
  void disablingAnAccountSignsItOutEverywhere() {
    Http admin = tandem.signedIn("admin");
    JsonObject u = admin.post("/api/v1/admin/users", new JsonObject().put("email", "temp.nav@tandem-demo.org")
        .put("name", "Temp Navigator").put("role", "navigator")).expect(201).json().getJsonObject("user");
    String link = admin.get("/api/v1/admin/users").expect(200).array("users").stream().map(o -> (JsonObject) o)
        .filter(x -> x.getString("id").equals(u.getString("id"))).findFirst().orElseThrow().getString("status");
    assertEquals("invited", link);
    assertEquals("invitation_pending", admin.patch("/api/v1/admin/users/" + u.getString("id"),
        new JsonObject().put("status", "active")).expect(400).errorCode());
    Http lee = tandem.signedIn("lee");
    String leeId = lee.get("/api/v1/me").json().getJsonObject("user").getString("id");
    admin.patch("/api/v1/admin/users/" + leeId, new JsonObject().put("status", "disabled")).expect(200);
    lee.get("/api/v1/me").expect(401);
    tandem.client().login("lee@tandem-demo.org", TestTandem.DEMO_PASSWORD).expect(401);
    admin.patch("/api/v1/admin/users/" + leeId, new JsonObject().put("status", "active")).expect(200);
    tandem.client().login("lee@tandem-demo.org", TestTandem.DEMO_PASSWORD).expect(200);
    assertFalse(admin.patch("/api/v1/admin/users/" + admin.get("/api/v1/me").json().getJsonObject("user").getString("id"),
        new JsonObject().put("status", "disabled")).status() < 400);
  }
}

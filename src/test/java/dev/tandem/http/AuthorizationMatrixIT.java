package dev.tandem.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import dev.tandem.testing.Http;
import dev.tandem.testing.StoreState;
import dev.tandem.testing.TestTandem;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Who may call what: every route against every kind of caller, with the status the table below
 * says. A caller who may not see a patient gets exactly what a caller asking for a patient that
 * does not exist gets (status and body), and a refused request changes nothing in the store.
 * Each row signs its caller in afresh and uses its own emails, so rows do not depend on each other.
 */
@ExtendWith(VertxExtension.class)
class AuthorizationMatrixIT {
  static final String DOMAIN = "@tandem-demo.org";
  static TestTandem tandem;
  static MongoClient mongo;
  static final Map<String, String> IDS = new HashMap<>();
  static final AtomicInteger SEQ = new AtomicInteger();
  /** A signed-in session of eve's that every row tries (and must fail) to revoke. */
  static Http eve;
  static String eveSessionId;
  /** An unused invitation link's token for the public "show invitation" route. */
  static String invitationToken;
  static String invitationEmail;

  /** The callers: who signs in, and whose record the patient routes target. */
  enum Who {
    ANONYMOUS(null, "ana", "anonymous → ana"),
    PATIENT_SELF("ana", "ana", "ana (patient) → own record"),
    OTHER_PATIENT("ben", "ana", "ben (patient) → ana"),
    PRESCRIBER_ON_TEAM("rivera", "ana", "rivera (prescriber) → ana, on team"),
    PRESCRIBER_OFF_TEAM("rivera", "david", "rivera (prescriber) → david, off team"),
    THERAPIST_ON_TEAM("okafor", "ana", "okafor (therapist) → ana, on team"),
    THERAPIST_OFF_TEAM("okafor", "chloe", "okafor (therapist) → chloe, off team"),
    NAVIGATOR_ON_TEAM("lee", "ana", "lee (navigator) → ana, on team"),
    NAVIGATOR_OFF_TEAM("lee", "ben", "lee (navigator) → ben, off team"),
    ADMIN("admin", "ana", "admin → ana");

    final String account;
    final String target;
    final String label;

    Who(String account, String target, String label) {
      this.account = account;
      this.target = target;
      this.label = label;
    }

    boolean anonymous() {
      return account == null;
    }
  }

  enum Route {
    HEALTH("GET", "/health"),
    HEALTH_LIVE("GET", "/health/live"),
    HEALTH_READY("GET", "/health/ready"),
    METRICS("GET", "/metrics"),
    OPENAPI("GET", "/api/v1/openapi.yaml"),
    LOGIN("POST", "/api/v1/auth/login"),
    INVITATION_SHOW("GET", "/api/v1/invitations/{token}"),
    INVITATION_ACCEPT("POST", "/api/v1/invitations/{fresh token}/accept"),
    LOGOUT("POST", "/api/v1/auth/logout"),
    ME("GET", "/api/v1/me"),
    ME_PASSWORD("PUT", "/api/v1/me/password"),
    ME_SESSIONS("GET", "/api/v1/me/sessions"),
    REVOKE_OWN_SESSION("DELETE", "/api/v1/me/sessions/{own session}"),
    REVOKE_OTHERS_SESSION("DELETE", "/api/v1/me/sessions/{eve's session}"),
    PATIENTS("GET", "/api/v1/patients"),
    PATIENT_INVITE("POST", "/api/v1/patients"),
    PATIENT("GET", "/api/v1/patients/{patient}"),
    CARE_TEAM("GET", "/api/v1/patients/{patient}/care-team"),
    CARE_TEAM_SET("PUT", "/api/v1/patients/{patient}/care-team"),
    STAFF("GET", "/api/v1/staff"),
    ADMIN_USERS("GET", "/api/v1/admin/users"),
    ADMIN_USER_CREATE("POST", "/api/v1/admin/users"),
    ADMIN_USER_UPDATE("PATCH", "/api/v1/admin/users/{patient}"),
    ADMIN_CARE_TEAMS("GET", "/api/v1/admin/care-teams"),
    ADMIN_AUDIT("GET", "/api/v1/admin/audit?limit=20"),
    ADMIN_AUDIT_VERIFY("GET", "/api/v1/admin/audit/verify"),
    EDUCATION_MODULES("GET", "/api/v1/education/modules"),
    PATIENT_EDUCATION("GET", "/api/v1/patients/{patient}/education"),
    MY_VISITS("GET", "/api/v1/visits?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z"),
    WAITING_ROOM("GET", "/api/v1/visits/waiting"),
    CHECKIN_INSTRUMENTS("GET", "/api/v1/checkins/instruments"),
    CHECKIN_MONTH("GET", "/api/v1/patients/{patient}/checkins"),
    CHECKIN_DUE("GET", "/api/v1/patients/{patient}/checkins/due"),
    CHECKIN_TREND("GET", "/api/v1/patients/{patient}/checkins/trend"),
    CHECKIN_FHIR("GET", "/api/v1/patients/{patient}/checkins/fhir"),
    MONITORING("GET", "/api/v1/monitoring"),
    SAFETY_ALERTS("GET", "/api/v1/safety-alerts");

    final String method;
    final String template;

    Route(String method, String template) {
      this.method = method;
      this.template = template;
    }

    /** Routes whose success changes stored state; every other row must leave the store as it was. */
    boolean writes() {
      return Set.of(LOGIN, INVITATION_ACCEPT, LOGOUT, ME_PASSWORD, REVOKE_OWN_SESSION, PATIENT_INVITE, CARE_TEAM_SET,
          ADMIN_USER_CREATE, ADMIN_USER_UPDATE).contains(this);
    }
  }

  record Row(Route route, Who who, int expected) {
    @Override
    public String toString() {
      return String.format("%-6s %-44s as %-40s ⇒ %d", route.method, route.template, who.label, expected);
    }
  }

  private static final Who[] COLUMNS = Who.values();

  /**
   * The table. Columns, in order: anonymous, ana→self, ben→ana, rivera→ana, rivera→david,
   * okafor→ana, okafor→chloe, lee→ana, lee→ben, admin→ana.
   */
  private static final Object[][] TABLE = {
      //                            anon ana  ben  rv→a rv→d ok→a ok→c lee→a lee→b admin
      {Route.HEALTH,                 200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
      {Route.HEALTH_LIVE,            200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
      {Route.HEALTH_READY,           200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
      {Route.METRICS,                200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
      {Route.OPENAPI,                200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
      {Route.LOGIN,                  200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
      {Route.INVITATION_SHOW,        200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
      {Route.INVITATION_ACCEPT,      200, 200, 200, 200, 200, 200, 200, 200, 200, 200},
      {Route.LOGOUT,                 401, 204, 204, 204, 204, 204, 204, 204, 204, 204},
      {Route.ME,                     401, 200, 200, 200, 200, 200, 200, 200, 200, 200},
      {Route.ME_PASSWORD,            401, 204, 204, 204, 204, 204, 204, 204, 204, 204},
      {Route.ME_SESSIONS,            401, 200, 200, 200, 200, 200, 200, 200, 200, 200},
      {Route.REVOKE_OWN_SESSION,     401, 204, 204, 204, 204, 204, 204, 204, 204, 204},
      {Route.REVOKE_OTHERS_SESSION,  401, 404, 404, 404, 404, 404, 404, 404, 404, 404},
      {Route.PATIENTS,               401, 200, 200, 200, 200, 200, 200, 200, 200, 403},
      {Route.PATIENT_INVITE,         401, 403, 403, 201, 201, 201, 201, 201, 201, 403},
      {Route.PATIENT,                401, 200, 404, 200, 404, 200, 404, 200, 404, 404},
      {Route.CARE_TEAM,              401, 200, 404, 200, 404, 200, 404, 200, 404, 404},
      {Route.CARE_TEAM_SET,          401, 403, 403, 403, 403, 403, 403, 403, 403, 200},
      {Route.STAFF,                  401, 403, 403, 200, 200, 200, 200, 200, 200, 200},
      {Route.ADMIN_USERS,            401, 403, 403, 403, 403, 403, 403, 403, 403, 200},
      {Route.ADMIN_USER_CREATE,      401, 403, 403, 403, 403, 403, 403, 403, 403, 201},
      {Route.ADMIN_USER_UPDATE,      401, 403, 403, 403, 403, 403, 403, 403, 403, 200},
      {Route.ADMIN_CARE_TEAMS,       401, 403, 403, 403, 403, 403, 403, 403, 403, 200},
      {Route.ADMIN_AUDIT,            401, 403, 403, 403, 403, 403, 403, 403, 403, 200},
      {Route.ADMIN_AUDIT_VERIFY,     401, 403, 403, 403, 403, 403, 403, 403, 403, 200},
      {Route.EDUCATION_MODULES,      401, 200, 200, 200, 200, 200, 200, 200, 200, 200},
      {Route.PATIENT_EDUCATION,      401, 200, 404, 200, 404, 200, 404, 200, 404, 404},
      {Route.MY_VISITS,              401, 200, 200, 200, 200, 200, 200, 200, 200, 200},
      {Route.WAITING_ROOM,           401, 403, 403, 200, 200, 200, 200, 200, 200, 403},
      {Route.CHECKIN_INSTRUMENTS,    401, 200, 200, 200, 200, 200, 200, 200, 200, 200},
      {Route.CHECKIN_MONTH,          401, 200, 404, 200, 404, 200, 404, 200, 404, 404},
      {Route.CHECKIN_DUE,            401, 200, 404, 200, 404, 200, 404, 200, 404, 404},
      {Route.CHECKIN_TREND,          401, 200, 404, 200, 404, 200, 404, 200, 404, 404},
      {Route.CHECKIN_FHIR,           401, 200, 404, 200, 404, 200, 404, 200, 404, 404},
      {Route.MONITORING,             401, 403, 403, 200, 200, 200, 200, 200, 200, 403},
      {Route.SAFETY_ALERTS,          401, 403, 403, 200, 200, 200, 200, 200, 200, 403},
  };

  static Stream<Row> matrix() {
    List<Row> rows = new ArrayList<>();
    for (Object[] line : TABLE) {
      assertEquals(COLUMNS.length + 1, line.length, "a table line per route with one status per caller");
      for (int i = 0; i < COLUMNS.length; i++) {
        rows.add(new Row((Route) line[0], COLUMNS[i], (Integer) line[i + 1]));
      }
    }
    assertEquals(Route.values().length, TABLE.length, "every route is in the table");
    return rows.stream();
  }

  @BeforeAll
  static void start(Vertx vertx) {
    // Hundreds of sign-ins: the cheapest Argon2 cost keeps the run short (hashing is not under test here).
    tandem = TestTandem.start(vertx, Map.of("identity.password.argon2-memory-kib", "1024",
        "identity.password.argon2-iterations", "1"));
    mongo = MongoClients.create(tandem.mongoUri());
    for (Object o : adminClient().get("/api/v1/admin/users").expect(200).array("users")) {
      JsonObject u = (JsonObject) o;
      IDS.put(u.getString("email").replace(DOMAIN, ""), u.getString("id"));
    }
    eve = signIn("eve");
    eveSessionId = currentSessionId(eve);
    invitationEmail = "matrix-shown" + DOMAIN;
    invitationToken = invitePatient(invitationEmail);
  }

  @AfterAll
  static void stop() {
    mongo.close();
    tandem.close();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("matrix")
  void everyRouteAnswersEveryCallerAsTheTableSays(Row row) {
    Route route = row.route();
    Who who = row.who();
    Http caller = who.anonymous() ? tandem.client() : signIn(who.account);
    String target = IDS.get(who.target);
    Prepared p = prepare(route, who, caller, target);
    JsonObject apiBefore = refusedWriteWitness(route, p, target);
    StoreState storeBefore = StoreState.read(mongo.getDatabase("tandem"));

    Http.Response r = send(caller, route.method, p.path(), p.body());
    StoreState storeAfter = StoreState.read(mongo.getDatabase("tandem"));
    assertEquals(row.expected(), r.status(), () -> row + ": body " + r.text());

    if (r.status() >= 400) {
      assertErrorBody(r, who.anonymous() ? "unauthenticated" : r.status() == 403 ? "forbidden" : "not_found");
      storeAfter.assertNothingChangedSince(storeBefore, row.toString());
      assertEquals(apiBefore, refusedWriteWitness(route, p, target), "a refused write changed nothing visible");
      if (p.ghostPath() != null) {
        // Refused on a real record must look exactly like asking for a record that does not exist.
        Http.Response ghost = send(caller, route.method, p.ghostPath(), p.body());
        assertEquals(r.status(), ghost.status(), "same status as for a record that does not exist");
        assertEquals(r.text(), ghost.text(), "same body as for a record that does not exist");
        assertEquals(r.header("Content-Type"), ghost.header("Content-Type"));
      }
      if (route == Route.REVOKE_OTHERS_SESSION) {
        eve.get("/api/v1/me").expect(200);
      }
    } else {
      if (!route.writes()) {
        storeAfter.assertNothingChangedSince(storeBefore, row.toString());
      }
      verifyAllowed(route, who, caller, p, target, r);
    }
  }

  /** The concrete request for a row, and the same request aimed at a record that does not exist. */
  record Prepared(String path, JsonObject body, String ghostPath, String email, String token) {
    Prepared(String path, JsonObject body, String ghostPath, String email) {
      this(path, body, ghostPath, email, null);
    }
  }

  private static Prepared prepare(Route route, Who who, Http caller, String target) {
    String ghostPatient = "ghost" + UUID.randomUUID().toString().replace("-", "");
    String unique = "matrix" + SEQ.incrementAndGet() + "-" + route.name().toLowerCase().replace('_', '-') + DOMAIN;
    String patientPath = route.template.replace("{patient}", target);
    String ghostPatientPath = route.template.replace("{patient}", ghostPatient);
    return switch (route) {
      case LOGIN -> new Prepared(route.template, credentials("eve"), null, null);
      case LOGOUT -> new Prepared(route.template, null, null, null, sessionCookie(caller));
      case INVITATION_SHOW -> new Prepared(route.template.replace("{token}", invitationToken), null, null, null);
      case INVITATION_ACCEPT -> {
        String token = invitePatient(unique);
        yield new Prepared(route.template.replace("{fresh token}", token),
            new JsonObject().put("password", "lantern orchard velvet 42"), null, unique);
      }
      case ME_PASSWORD -> new Prepared(route.template, new JsonObject().put("currentPassword", TestTandem.DEMO_PASSWORD)
          .put("newPassword", "matrix rotation passphrase 9"), null, null);
      case REVOKE_OWN_SESSION -> new Prepared(route.template.replace("{own session}",
          who.anonymous() ? "s" + SEQ.incrementAndGet() : currentSessionId(caller)), null, null, null);
      case REVOKE_OTHERS_SESSION -> new Prepared(route.template.replace("{eve's session}", eveSessionId), null,
          route.template.replace("{eve's session}", "nosuchsession" + SEQ.incrementAndGet()), null);
      case PATIENT_INVITE -> new Prepared(route.template, new JsonObject().put("email", unique).put("name", "Matrix Patient")
          .put("preferredLanguage", "en"), null, unique);
      case PATIENT, CARE_TEAM, PATIENT_EDUCATION, CHECKIN_MONTH, CHECKIN_DUE, CHECKIN_TREND, CHECKIN_FHIR ->
          new Prepared(patientPath, null, ghostPatientPath, null);
      case CARE_TEAM_SET -> new Prepared(patientPath, who == Who.ADMIN ? currentTeamBody(target)
          // What a refused caller tries: a team different from every demo team.
          : new JsonObject().put("prescriberId", null).put("therapistId", IDS.get("okafor")).put("navigatorId", null),
          ghostPatientPath, null);
      case ADMIN_USER_CREATE -> new Prepared(route.template, new JsonObject().put("email", unique)
          .put("name", "Matrix Staff").put("role", "navigator"), null, unique);
      case ADMIN_USER_UPDATE -> new Prepared(patientPath, who == Who.ADMIN
          ? new JsonObject().put("name", userJson(target).getString("name"))
          : new JsonObject().put("status", "disabled").put("name", "Taken Over"), ghostPatientPath, null);
      default -> new Prepared(route.template, null, null, null);
    };
  }

  /** What a refused write would have changed, read through the API, so before and after can be compared. */
  private static JsonObject refusedWriteWitness(Route route, Prepared p, String target) {
    return switch (route) {
      case CARE_TEAM_SET -> teamMembers(target);
      case ADMIN_USER_UPDATE -> userJson(target);
      case PATIENT_INVITE, ADMIN_USER_CREATE -> {
        JsonArray users = adminClient().get("/api/v1/admin/users").expect(200).array("users");
        yield new JsonObject().put("count", users.size()).put("hasEmail", users.stream()
            .anyMatch(o -> p.email().equals(((JsonObject) o).getString("email"))));
      }
      default -> new JsonObject();
    };
  }

  private static void verifyAllowed(Route route, Who who, Http caller, Prepared p, String target, Http.Response r) {
    String self = who.anonymous() ? null : IDS.get(who.account);
    switch (route) {
      case HEALTH, HEALTH_READY -> {
        assertEquals("UP", r.json().getString("status"));
        assertEquals("UP", r.json().getJsonObject("checks").getString("store"));
      }
      case HEALTH_LIVE -> assertEquals("UP", r.json().getString("status"));
      case METRICS -> assertTrue(r.text().contains("# TYPE "), "Prometheus exposition");
      case OPENAPI -> assertTrue(r.text().contains("openapi:"), "an OpenAPI document");
      case LOGIN -> {
        assertEquals("eve" + DOMAIN, r.json().getJsonObject("user").getString("email"));
        assertEquals("eve" + DOMAIN, me(caller).getString("email"), "the new session replaced the old cookie");
      }
      case INVITATION_SHOW -> assertEquals(invitationEmail, r.json().getJsonObject("invitation").getString("email"));
      case INVITATION_ACCEPT -> {
        JsonObject now = me(caller);
        assertEquals(p.email(), now.getString("email"));
        assertEquals("active", now.getString("status"));
      }
      case LOGOUT -> {
        assertTrue(r.header("Set-Cookie").contains("Max-Age=0"), "the cookie is cleared");
        assertEquals("unauthenticated", caller.get("/api/v1/me").expect(401).errorCode());
        // The token itself is dead on the server, not just forgotten by the browser.
        assertEquals("session_expired", tandem.client().send("GET", "/api/v1/me", null,
            Map.of("Cookie", "tandem_session=" + p.token())).expect(401).errorCode());
        eve.get("/api/v1/me").expect(200);
      }
      case REVOKE_OWN_SESSION -> {
        assertEquals("session_expired", caller.get("/api/v1/me").expect(401).errorCode());
        eve.get("/api/v1/me").expect(200);
      }
      case ME -> {
        JsonObject u = r.json().getJsonObject("user");
        assertEquals(who.account + DOMAIN, u.getString("email"));
        assertNull(u.getValue("passwordHash"));
      }
      case ME_PASSWORD -> {
        // Put the demo password back so later rows can sign in, then prove it works.
        send(caller, "PUT", route.template, new JsonObject().put("currentPassword", "matrix rotation passphrase 9")
            .put("newPassword", TestTandem.DEMO_PASSWORD)).expect(204);
        signIn(who.account).get("/api/v1/me").expect(200);
      }
      case ME_SESSIONS -> {
        JsonArray sessions = r.array("sessions");
        assertEquals(1, sessions.stream().filter(o -> ((JsonObject) o).getBoolean("current")).count());
        assertFalse(sessions.stream().anyMatch(o -> eveSessionId.equals(((JsonObject) o).getString("id"))),
            "another user's session is not listed");
      }
      case PATIENTS -> {
        List<JsonObject> patients = r.array("patients").stream().map(o -> (JsonObject) o).toList();
        Set<String> listed = patients.stream().map(x -> x.getString("id")).collect(Collectors.toSet());
        if (who == Who.PATIENT_SELF || who == Who.OTHER_PATIENT) {
          assertEquals(Set.of(self), listed, "a patient sees only themselves");
        } else {
          for (JsonObject x : patients) {
            assertTrue(teamMemberIds(x.getJsonObject("careTeam")).contains(self),
                () -> "a clinician sees only patients whose team they are on: " + x.getString("id"));
          }
          assertEquals(teamMemberIds(teamMembers(target)).contains(self), listed.contains(target));
        }
      }
      case PATIENT_INVITE -> {
        JsonObject patient = r.json().getJsonObject("patient");
        assertEquals(p.email(), patient.getString("email"));
        assertEquals("invited", patient.getString("status"));
        JsonObject team = caller.get("/api/v1/patients/" + patient.getString("id")).expect(200).json()
            .getJsonObject("patient").getJsonObject("careTeam");
        assertEquals(Set.of(self), teamMemberIds(team), "the inviter joins the new care team");
      }
      case PATIENT -> {
        JsonObject patient = r.json().getJsonObject("patient");
        assertEquals(target, patient.getString("id"));
        assertEquals(target, patient.getJsonObject("careTeam").getString("patientId"));
        assertNull(patient.getValue("passwordHash"));
      }
      case CARE_TEAM -> assertEquals(target, r.json().getJsonObject("careTeam").getString("patientId"));
      case CARE_TEAM_SET -> assertEquals(teamMemberIds(p.body()), teamMemberIds(r.json().getJsonObject("careTeam")));
      case STAFF -> {
        List<JsonObject> staff = r.array("staff").stream().map(o -> (JsonObject) o).toList();
        assertTrue(staff.stream().allMatch(m -> Set.of("prescriber", "therapist", "navigator").contains(m.getString("role"))));
        Set<String> ids = staff.stream().map(m -> m.getString("id")).collect(Collectors.toSet());
        assertTrue(ids.containsAll(Set.of(IDS.get("rivera"), IDS.get("okafor"), IDS.get("lee"))));
        assertFalse(ids.contains(IDS.get("ana")) || ids.contains(IDS.get("admin")));
        assertTrue(staff.stream().allMatch(m -> m.getValue("email") == null), "the directory shows names, not emails");
      }
      case ADMIN_USERS -> {
        List<JsonObject> users = r.array("users").stream().map(o -> (JsonObject) o).toList();
        assertTrue(users.stream().map(u -> u.getString("id")).collect(Collectors.toSet()).containsAll(IDS.values()));
        assertTrue(users.stream().noneMatch(u -> u.containsKey("passwordHash")));
      }
      case ADMIN_USER_CREATE -> {
        assertEquals("invited", r.json().getJsonObject("user").getString("status"));
        assertTrue(adminClient().get("/api/v1/admin/users").expect(200).array("users").stream()
            .anyMatch(o -> p.email().equals(((JsonObject) o).getString("email"))));
      }
      case ADMIN_USER_UPDATE -> assertEquals(p.body().getString("name"), r.json().getJsonObject("user").getString("name"));
      case ADMIN_CARE_TEAMS -> assertTrue(r.array("careTeams").stream()
          .anyMatch(o -> target.equals(((JsonObject) o).getJsonObject("patient").getString("id"))));
      case ADMIN_AUDIT -> assertFalse(r.array("entries").isEmpty());
      case ADMIN_AUDIT_VERIFY -> assertEquals(Boolean.TRUE, r.json().getBoolean("ok"), r.text());
      case EDUCATION_MODULES -> assertEquals(8, r.array("modules").size());
      case PATIENT_EDUCATION -> {
        assertEquals(target, r.json().getString("patientId"));
        assertEquals(who != Who.PATIENT_SELF, r.json().containsKey("suggestions"), "only clinicians see suggestions");
      }
      case MY_VISITS -> assertEquals(0, r.array("visits").size(), "nobody has visits in January 2020");
      case WAITING_ROOM -> assertEquals(0, r.array("waiting").size(), "nobody is waiting");
      case CHECKIN_INSTRUMENTS -> assertEquals(3, r.array("instruments").size());
      case CHECKIN_MONTH, CHECKIN_DUE, CHECKIN_TREND -> assertEquals(target, r.json().getString("patientId"));
      case CHECKIN_FHIR -> {
        assertEquals("Bundle", r.json().getString("resourceType"));
        assertTrue(r.header("Content-Type").startsWith("application/fhir+json"));
      }
      case MONITORING -> {
        // Only patients whose team the caller is on.
        for (Object o : r.array("patients")) {
          String pid = ((JsonObject) o).getString("patientId");
          assertTrue(teamMemberIds(teamMembers(pid)).contains(self), pid);
        }
        assertEquals(teamMemberIds(teamMembers(target)).contains(self),
            r.array("patients").stream().anyMatch(o -> target.equals(((JsonObject) o).getString("patientId"))));
      }
      case SAFETY_ALERTS -> r.array("alerts").forEach(o -> assertTrue(
          teamMemberIds(teamMembers(((JsonObject) o).getString("patientId"))).contains(self)));
      default -> throw new AssertionError("no check for " + route);
    }
    if (r.status() != 204 && route != Route.METRICS && route != Route.OPENAPI && route != Route.CHECKIN_FHIR) {
      assertTrue(r.header("Content-Type").startsWith("application/json"), r.header("Content-Type"));
    }
  }

  // ---- helpers ----

  static Http.Response send(Http h, String method, String path, JsonObject body) {
    return h.send(method, path, body == null ? null : body.encode(),
        body == null ? Map.of() : Map.of("Content-Type", "application/json"));
  }

  static void assertErrorBody(Http.Response r, String code) {
    assertNotNull(r.header("Content-Type"), "errors carry a Content-Type");
    assertTrue(r.header("Content-Type").startsWith("application/json"), r.header("Content-Type"));
    JsonObject error = r.json().getJsonObject("error");
    assertNotNull(error, r.text());
    assertEquals(code, error.getString("code"), r.text());
    assertFalse(error.getString("message", "").isBlank(), "a message a person can act on");
  }

  static JsonObject credentials(String key) {
    return new JsonObject().put("email", key + DOMAIN).put("password", TestTandem.DEMO_PASSWORD);
  }

  static Http signIn(String demoKey) {
    Http c = tandem.client();
    c.login(demoKey + DOMAIN, TestTandem.DEMO_PASSWORD).expect(200);
    return c;
  }

  private static Http admin;

  /** A signed-in admin for reading state; signs in again when a row ended its session. */
  static Http adminClient() {
    if (admin == null || admin.get("/api/v1/me").status() != 200) {
      admin = signIn("admin");
    }
    return admin;
  }

  static String sessionCookie(Http h) {
    return h.cookies().getCookieStore().getCookies().stream().filter(c -> c.getName().equals("tandem_session"))
        .map(java.net.HttpCookie::getValue).findFirst().orElse(null);
  }

  static JsonObject me(Http h) {
    return h.get("/api/v1/me").expect(200).json().getJsonObject("user");
  }

  static String currentSessionId(Http h) {
    return h.get("/api/v1/me/sessions").expect(200).array("sessions").stream().map(o -> (JsonObject) o)
        .filter(s -> s.getBoolean("current")).findFirst().orElseThrow().getString("id");
  }

  /** rivera invites a new patient; returns the invitation link's token. */
  static String invitePatient(String email) {
    String link = signIn("rivera").post("/api/v1/patients", new JsonObject().put("email", email)
        .put("name", "Invited Person")).expect(201).json().getJsonObject("invitation").getString("link");
    return link.substring(link.indexOf("token=") + 6);
  }

  static JsonObject userJson(String id) {
    return adminClient().get("/api/v1/admin/users").expect(200).array("users").stream().map(o -> (JsonObject) o)
        .filter(u -> id.equals(u.getString("id"))).findFirst().orElseThrow();
  }

  /** A patient's team as {prescriberId, therapistId, navigatorId}, read through the admin overview. */
  static JsonObject teamMembers(String patientId) {
    JsonObject team = adminClient().get("/api/v1/admin/care-teams").expect(200).array("careTeams").stream()
        .map(o -> (JsonObject) o).filter(t -> patientId.equals(t.getString("patientId"))).findFirst().orElseThrow();
    JsonObject ids = new JsonObject();
    for (String slot : new String[] {"prescriber", "therapist", "navigator"}) {
      JsonObject m = team.getJsonObject(slot);
      ids.put(slot + "Id", m == null ? null : m.getString("id"));
    }
    return ids;
  }

  static JsonObject currentTeamBody(String patientId) {
    return teamMembers(patientId);
  }

  /** Member ids of a CareTeam JSON ({prescriber:{id}}) or a team body ({prescriberId}). */
  static Set<String> teamMemberIds(JsonObject team) {
    Set<String> ids = new java.util.HashSet<>();
    for (String slot : new String[] {"prescriber", "therapist", "navigator"}) {
      Object m = team.getValue(slot);
      if (m instanceof JsonObject member) {
        ids.add(member.getString("id"));
      }
      if (team.getValue(slot + "Id") instanceof String id) {
        ids.add(id);
      }
    }
    return ids;
  }

}

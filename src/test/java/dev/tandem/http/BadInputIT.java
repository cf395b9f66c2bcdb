package dev.tandem.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The project's bad inputs against every route that takes a body, an id, a query or a session:
 * each is a 4xx (never a 5xx) with the JSON error body and a message, and leaves the store and
 * what the API shows exactly as they were. A control test proves each unmodified request is
 * accepted, so every rejection is about the bad part.
 */
@ExtendWith(VertxExtension.class)
class BadInputIT {
  static final String DOMAIN = "@tandem-demo.org";
  /** A dedicated account for login and session cases, so demo accounts stay untouched. */
  static final String VICTIM = "login.victim" + DOMAIN;
  static final String VICTIM_PASSWORD = "orchid canyon meadow 77";
  /** A dedicated account for password-change cases. */
  static final String OWNER = "password.owner" + DOMAIN;
  static final String OWNER_PASSWORD = "harbor quill juniper 31";
  static final String MIB_PLUS = "x".repeat(1024 * 1024 + 16);

  static TestTandem tandem;
  static MongoClient mongo;
  static final Map<String, String> IDS = new HashMap<>();
  static final AtomicInteger SEQ = new AtomicInteger();
  private static Http admin;

  // ---- the routes ----

  enum Route {
    LOGIN("POST", "/api/v1/auth/login", null, null,
        c -> new JsonObject().put("email", VICTIM).put("password", VICTIM_PASSWORD)),
    ACCEPT("POST", "/api/v1/invitations/{token}/accept", null, "token",
        c -> new JsonObject().put("password", "fresh lantern passphrase 8")),
    PASSWORD("PUT", "/api/v1/me/password", "owner", null,
        c -> new JsonObject().put("currentPassword", OWNER_PASSWORD).put("newPassword", "entirely new passphrase 5")),
    INVITE_PATIENT("POST", "/api/v1/patients", "rivera", null,
        c -> new JsonObject().put("email", c.unique).put("name", "Bad Input Patient").put("preferredLanguage", "en")),
    SET_TEAM("PUT", "/api/v1/patients/{chloe}/care-team", "admin", "chloe",
        c -> new JsonObject().put("prescriberId", IDS.get("rivera")).put("therapistId", IDS.get("okafor"))
            .put("navigatorId", IDS.get("lee"))),
    CREATE_STAFF("POST", "/api/v1/admin/users", "admin", null,
        c -> new JsonObject().put("email", c.unique).put("name", "Bad Input Staff").put("role", "navigator")),
    UPDATE_USER("PATCH", "/api/v1/admin/users/{david}", "admin", "david",
        c -> new JsonObject().put("status", "disabled").put("name", "Renamed David")),
    LOGOUT("POST", "/api/v1/auth/logout", "victim", null, null),
    ME("GET", "/api/v1/me", "victim", null, null),
    ME_SESSIONS("GET", "/api/v1/me/sessions", "victim", null, null),
    REVOKE_SESSION("DELETE", "/api/v1/me/sessions/{session}", "victim", "session", null),
    INVITATION_SHOW("GET", "/api/v1/invitations/{token}", null, "token", null),
    PATIENTS("GET", "/api/v1/patients", "rivera", null, null),
    PATIENT("GET", "/api/v1/patients/{ana}", "rivera", "ana", null),
    CARE_TEAM("GET", "/api/v1/patients/{ana}/care-team", "rivera", "ana", null),
    STAFF("GET", "/api/v1/staff", "rivera", null, null),
    ADMIN_USERS("GET", "/api/v1/admin/users", "admin", null, null),
    ADMIN_CARE_TEAMS("GET", "/api/v1/admin/care-teams", "admin", null, null),
    ADMIN_AUDIT("GET", "/api/v1/admin/audit", "admin", null, null),
    ADMIN_AUDIT_VERIFY("GET", "/api/v1/admin/audit/verify", "admin", null, null),
    ASSIGN_EDUCATION("POST", "/api/v1/patients/{eve}/education/assignments", "rivera", "eve",
        c -> new JsonObject().put("moduleId", "video-visit-ready").put("note", "Before the visit, please.")
            .put("dueDate", java.time.LocalDate.now(tandem.clock().withZone(java.time.ZoneOffset.UTC)).plusDays(3).toString())),
    EDUCATION_PROGRESS("POST", "/api/v1/patients/{ana}/education/assignments/antidepressant-basics/progress", "ana", "ana",
        c -> new JsonObject().put("event", "position").put("position", 10)),
    PATIENT_EDUCATION("GET", "/api/v1/patients/{ana}/education", "rivera", "ana", null),
    // Jordan Lee has no working hours, so any future time is bookable; each case gets its own 5-minute slot.
    BOOK_VISIT("POST", "/api/v1/visits", "lee", null,
        c -> new JsonObject().put("patientId", IDS.get("ana")).put("type", "intake").put("start", c.slot).put("durationMinutes", 5)
            .put("clinicianIds", new io.vertx.core.json.JsonArray().add(IDS.get("lee")))),
    CHECKIN_UPLOAD("POST", "/api/v1/patients/{ana}/checkins", "ana", "ana",
        c -> new JsonObject().put("clientId", "bad-input-" + SEQ.incrementAndGet()).put("instrument", "daily")
            .put("answeredAt", tandem.clock().instant().toString()).put("answers", new JsonObject().put("mood", 6)
                .put("anxiety", 3).put("sleep-hours", 7).put("medication", "yes"))),
    MEDICATION("POST", "/api/v1/patients/{ana}/medications", "rivera", "ana",
        c -> new JsonObject().put("kind", "dose-change").put("drug", "Sertraline").put("dose", "100 mg daily")
            .put("reason", "Partial response at 50 mg")),
    CHECKIN_SCHEDULE("PUT", "/api/v1/patients/{ana}/checkins/schedules/gad-7", "rivera", "ana",
        c -> new JsonObject().put("cadenceDays", 14));

    final String method;
    final String template;
    /** Who calls: a demo key, "victim", "owner", or null for a public route. */
    final String caller;
    /** The path parameter the id cases replace, or null. */
    final String idParam;
    final Function<Ctx, JsonObject> validBody;

    Route(String method, String template, String caller, String idParam, Function<Ctx, JsonObject> validBody) {
      this.method = method;
      this.template = template;
      this.caller = caller;
      this.idParam = idParam;
      this.validBody = validBody;
    }

    boolean hasBody() {
      return validBody != null;
    }
  }

  /** Per-case state: a fresh caller session, a fresh invitation, unique emails, observers. */
  static final class Ctx {
    final Route route;
    final String unique = "bad" + SEQ.incrementAndGet() + DOMAIN;
    final String slot = java.time.Instant.ofEpochSecond((tandem.clock().instant().getEpochSecond() / 300 + 600 + SEQ.incrementAndGet())
        * 300).toString();
    final Http caller;
    String token;
    String otherSession;
    final Map<String, Http> observers = new HashMap<>();

    Ctx(Route route) {
      this.route = route;
      this.caller = route.caller == null ? tandem.client() : signIn(route.caller);
      if (route.template.contains("{token}")) {
        token = invitePatient("invitee" + SEQ.incrementAndGet() + DOMAIN);
      }
      if (route.template.contains("{session}")) {
        otherSession = currentSessionId(signIn("victim"));
      }
    }

    /** A signed-in observer, created on first use (after any clock change) and kept for the case. */
    Http observer(String who) {
      return observers.computeIfAbsent(who, BadInputIT::signIn);
    }

    String resolve(String template) {
      Matcher m = Pattern.compile("\\{([a-z]+)}").matcher(template);
      StringBuilder sb = new StringBuilder();
      while (m.find()) {
        String key = m.group(1);
        String value = switch (key) {
          case "token" -> token;
          case "session" -> otherSession;
          default -> IDS.get(key);
        };
        m.appendReplacement(sb, Matcher.quoteReplacement(value));
      }
      m.appendTail(sb);
      return sb.toString();
    }

    Req valid() {
      String body = route.hasBody() ? route.validBody.apply(this).encode() : null;
      return new Req(caller, route.method, resolve(route.template), body,
          body == null ? Map.of() : Map.of("Content-Type", "application/json"));
    }
  }

  record Req(Http client, String method, String path, String body, Map<String, String> headers) {
    Req withBody(String text) {
      return new Req(client, method, path, text, Map.of("Content-Type", "application/json"));
    }

    Req withHeaders(Map<String, String> h) {
      return new Req(client, method, path, body, h);
    }

    Req withClient(Http c) {
      return new Req(c, method, path, body, headers);
    }

    Req withPath(String p) {
      return new Req(client, method, p, body, headers);
    }

    Http.Response send() {
      return client.send(method, path, body, headers);
    }
  }

  record Case(Route route, String what, int status, String code, BiFunction<Ctx, Req, Req> bad) {
    @Override
    public String toString() {
      return String.format("%-6s %-38s ← %-52s ⇒ %d %s", route.method, route.template, what, status, code);
    }
  }

  // ---- the tables ----

  /** Malformed, mistyped, oversized, unknown and operator-laden bodies; wrong content types. */
  static Stream<Case> badBodies() {
    List<Case> cases = new ArrayList<>();
    for (Route r : Route.values()) {
      if (!r.hasBody()) {
        continue;
      }
      cases.add(raw(r, "malformed JSON {bad", "{bad"));
      cases.add(raw(r, "truncated JSON object", "{\"email\": \"a@b.cc\""));
      cases.add(raw(r, "invalid escape in a string", "{\"name\": \"\\uZZZZ\"}"));
      cases.add(raw(r, "a JSON array []", "[]"));
      cases.add(new Case(r, "the valid object wrapped in an array", 400, "invalid_json",
          (c, q) -> q.withBody("[" + q.body() + "]")));
      cases.add(raw(r, "a JSON number", "42"));
      cases.add(raw(r, "a JSON string", "\"hello\""));
      cases.add(raw(r, "JSON null", "null"));
      cases.add(raw(r, "JSON true", "true"));
      cases.add(raw(r, "an empty body", ""));
      cases.add(raw(r, "whitespace only", "  \n\t "));
      cases.add(raw(r, "a 5000-deep nested array", "{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}"));
      cases.add(raw(r, "a 5000-digit number", "{\"a\":" + "9".repeat(5000) + "}"));
      // A check-in upload answers any rejected response with invalid_response (the code a batch reports per item).
      String unknown = r == Route.CHECKIN_UPLOAD ? "invalid_response" : "invalid_field";
      cases.add(field(r, "unknown field isAdmin:true", "isAdmin", true, 400, unknown));
      cases.add(field(r, "unknown field $where", "$where", "sleep(1000)", 400, unknown));
      cases.add(field(r, "unknown field _id", "_id", "chosen-id", 400, unknown));
      cases.add(field(r, "unknown 5000-char field name", "f".repeat(5000), 1, 400, unknown));
      cases.add(new Case(r, "a valid object padded past 1 MiB", 413, "body_too_large",
          (c, q) -> q.withBody(new JsonObject(q.body()).put("padding", MIB_PLUS).encode())));
      cases.add(new Case(r, "1 MiB of non-JSON", 413, "body_too_large", (c, q) -> q.withBody(MIB_PLUS)));
      cases.add(contentType(r, "text/plain", "text/plain"));
      cases.add(contentType(r, "text/plain; charset=utf-8", "text/plain; charset=utf-8"));
      cases.add(contentType(r, "application/x-www-form-urlencoded", "application/x-www-form-urlencoded"));
      cases.add(contentType(r, "multipart/form-data", "multipart/form-data; boundary=x"));
      cases.add(new Case(r, "a JSON body with no Content-Type", 415, "unsupported_media_type",
          (c, q) -> q.withHeaders(Map.of())));
    }
    // Logout takes no body, but a state-changing call carrying a non-JSON one is still refused (CSRF guard).
    cases.add(new Case(Route.LOGOUT, "a text/plain body", 415, "unsupported_media_type",
        (c, q) -> q.withBody("{}").withHeaders(Map.of("Content-Type", "text/plain"))));
    cases.add(new Case(Route.LOGOUT, "a form-encoded body", 415, "unsupported_media_type",
        (c, q) -> q.withBody("a=b").withHeaders(Map.of("Content-Type", "application/x-www-form-urlencoded"))));
    cases.add(new Case(Route.LOGOUT, "a multipart/form-data body", 415, "unsupported_media_type",
        (c, q) -> q.withBody("--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--x--\r\n")
            .withHeaders(Map.of("Content-Type", "multipart/form-data; boundary=x"))));
    cases.addAll(fieldCases());
    return cases.stream();
  }

  /** Wrong types, lengths, operators and values per field of each route. */
  static List<Case> fieldCases() {
    List<Case> c = new ArrayList<>();
    String op = "{\"$gt\": \"\"}";
    // book a visit
    c.add(json(Route.BOOK_VISIT, "patientId " + op, "patientId", op, 400, "invalid_field"));
    c.add(json(Route.BOOK_VISIT, "start " + op, "start", op, 400, "invalid_field"));
    c.add(field(Route.BOOK_VISIT, "start as a number", "start", 1767225600, 400, "invalid_field"));
    c.add(field(Route.BOOK_VISIT, "start without an offset", "start", "2031-01-01T10:00:00", 400, "invalid_field"));
    c.add(field(Route.BOOK_VISIT, "start in the past", "start", "2020-01-01T10:00:00Z", 400, "invalid_field"));
    c.add(field(Route.BOOK_VISIT, "durationMinutes as a string", "durationMinutes", "30", 400, "invalid_field"));
    c.add(field(Route.BOOK_VISIT, "durationMinutes of 10000", "durationMinutes", 10000, 400, "invalid_field"));
    c.add(field(Route.BOOK_VISIT, "type not a visit type", "type", "surgery", 400, "invalid_field"));
    c.add(json(Route.BOOK_VISIT, "clinicianIds [" + op + "]", "clinicianIds", "[" + op + "]", 400, "invalid_field"));
    c.add(field(Route.BOOK_VISIT, "patientId of another clinician's patient", "patientId", "ghost-patient-id", 404, "not_found"));
    // login
    c.add(new Case(Route.LOGIN, "{\"email\": {\"$gt\": \"\"}, \"password\": \"x\"}", 400, "invalid_field",
        (x, q) -> q.withBody("{\"email\": {\"$gt\": \"\"}, \"password\": \"x\"}")));
    c.add(json(Route.LOGIN, "password {\"$ne\": null}", "password", "{\"$ne\": null}", 400, "invalid_field"));
    c.add(json(Route.LOGIN, "email {\"$regex\": \".*\"}", "email", "{\"$regex\": \".*\"}", 400, "invalid_field"));
    c.add(field(Route.LOGIN, "email as a number", "email", 42, 400, "invalid_field"));
    c.add(json(Route.LOGIN, "email as an array", "email", "[\"" + VICTIM + "\"]", 400, "invalid_field"));
    c.add(field(Route.LOGIN, "password as a number", "password", 12345678, 400, "invalid_field"));
    c.add(field(Route.LOGIN, "client as a boolean", "client", true, 400, "invalid_field"));
    c.add(field(Route.LOGIN, "client not app/browser", "client", "root", 400, "invalid_field"));
    c.add(field(Route.LOGIN, "email of 255 characters", "email", "a".repeat(243) + DOMAIN, 400, "invalid_field"));
    c.add(field(Route.LOGIN, "password of 1025 characters", "password", "p".repeat(1025), 400, "invalid_field"));
    c.add(field(Route.LOGIN, "email not an address", "email", "not-an-email", 400, "invalid_field"));
    c.add(field(Route.LOGIN, "email with a NUL character", "email", VICTIM + "\u0000", 400, "invalid_field"));
    c.add(field(Route.LOGIN, "email null", "email", null, 400, "invalid_field"));
    c.add(without(Route.LOGIN, "password missing", "password"));
    c.add(duplicate(Route.LOGIN, "a duplicate email key, operator last", "email", op, 400, "invalid_field"));
    // accept an invitation
    c.add(json(Route.ACCEPT, "password " + op, "password", op, 400, "invalid_field"));
    c.add(field(Route.ACCEPT, "password as a number", "password", 123456789012L, 400, "invalid_field"));
    c.add(field(Route.ACCEPT, "password of 1025 characters", "password", "p".repeat(1025), 400, "invalid_field"));
    c.add(field(Route.ACCEPT, "password empty", "password", "", 400, "invalid_field"));
    c.add(field(Route.ACCEPT, "password too short", "password", "short", 400, "weak_password"));
    c.add(without(Route.ACCEPT, "password missing", "password"));
    // change password
    c.add(json(Route.PASSWORD, "currentPassword {\"$ne\": \"\"}", "currentPassword", "{\"$ne\": \"\"}", 400,
        "invalid_field"));
    c.add(field(Route.PASSWORD, "newPassword as a number", "newPassword", 42, 400, "invalid_field"));
    c.add(field(Route.PASSWORD, "newPassword of 1025 characters", "newPassword", "n".repeat(1025), 400,
        "invalid_field"));
    c.add(field(Route.PASSWORD, "newPassword too short", "newPassword", "short", 400, "weak_password"));
    c.add(field(Route.PASSWORD, "currentPassword wrong", "currentPassword", "not my password at all", 400,
        "wrong_password"));
    c.add(without(Route.PASSWORD, "currentPassword missing", "currentPassword"));
    c.add(without(Route.PASSWORD, "newPassword missing", "newPassword"));
    // invite a patient
    c.add(json(Route.INVITE_PATIENT, "email " + op, "email", op, 400, "invalid_field"));
    c.add(field(Route.INVITE_PATIENT, "email as a number", "email", 7, 400, "invalid_field"));
    c.add(field(Route.INVITE_PATIENT, "email of 255 characters", "email", "a".repeat(243) + DOMAIN, 400,
        "invalid_field"));
    c.add(field(Route.INVITE_PATIENT, "name of 121 characters", "name", "n".repeat(121), 400, "invalid_field"));
    c.add(field(Route.INVITE_PATIENT, "name as a number", "name", 42, 400, "invalid_field"));
    c.add(field(Route.INVITE_PATIENT, "name blank", "name", "   ", 400, "invalid_field"));
    c.add(field(Route.INVITE_PATIENT, "name with a control character", "name", "Bell\u0007", 400, "invalid_field"));
    c.add(json(Route.INVITE_PATIENT, "name {\"$set\": {\"role\": \"admin\"}}", "name", "{\"$set\": {\"role\": \"admin\"}}",
        400, "invalid_field"));
    c.add(field(Route.INVITE_PATIENT, "preferredLanguage fr", "preferredLanguage", "fr", 400, "invalid_field"));
    c.add(field(Route.INVITE_PATIENT, "preferredLanguage as a boolean", "preferredLanguage", true, 400,
        "invalid_field"));
    c.add(field(Route.INVITE_PATIENT, "preferredLanguage of 6 characters", "preferredLanguage", "en-GBx", 400,
        "invalid_field"));
    c.add(field(Route.INVITE_PATIENT, "unknown field prescriberId", "prescriberId", "x", 400, "invalid_field"));
    c.add(field(Route.INVITE_PATIENT, "an email already taken", "email", "ANA" + DOMAIN, 409, "email_taken"));
    c.add(without(Route.INVITE_PATIENT, "email missing", "email"));
    // set a care team
    c.add(new Case(Route.SET_TEAM, "{\"prescriberId\": {\"$ne\": null}}", 400, "invalid_field",
        (x, q) -> q.withBody("{\"prescriberId\": {\"$ne\": null}}")));
    c.add(field(Route.SET_TEAM, "prescriberId as a number", "prescriberId", 42, 400, "invalid_field"));
    c.add(field(Route.SET_TEAM, "therapistId as a boolean", "therapistId", true, 400, "invalid_field"));
    c.add(field(Route.SET_TEAM, "prescriberId empty", "prescriberId", "", 400, "invalid_field"));
    c.add(field(Route.SET_TEAM, "prescriberId of 65 characters", "prescriberId", "p".repeat(65), 400,
        "invalid_field"));
    c.add(field(Route.SET_TEAM, "prescriberId ../x", "prescriberId", "../x", 400, "invalid_field"));
    c.add(idField(Route.SET_TEAM, "prescriberId of a therapist", "prescriberId", "okafor"));
    c.add(idField(Route.SET_TEAM, "prescriberId of a patient", "prescriberId", "ana"));
    c.add(idField(Route.SET_TEAM, "prescriberId of the admin", "prescriberId", "admin"));
    c.add(idField(Route.SET_TEAM, "navigatorId of the prescriber", "navigatorId", "rivera"));
    c.add(field(Route.SET_TEAM, "prescriberId unknown", "prescriberId", "nosuchuser0000", 400, "invalid_field"));
    c.add(new Case(Route.SET_TEAM, "an empty object (no prescriber or therapist)", 400, "care_team_incomplete",
        (x, q) -> q.withBody("{}")));
    c.add(new Case(Route.SET_TEAM, "only a navigator", 400, "care_team_incomplete",
        (x, q) -> q.withBody(new JsonObject().put("navigatorId", IDS.get("lee")).encode())));
    c.add(field(Route.SET_TEAM, "unknown field members", "members", new JsonArray().add("x"), 400, "invalid_field"));
    // create a staff account
    c.add(json(Route.CREATE_STAFF, "role {\"$in\": [\"admin\"]}", "role", "{\"$in\": [\"admin\"]}", 400,
        "invalid_field"));
    c.add(field(Route.CREATE_STAFF, "role patient", "role", "patient", 400, "invalid_field"));
    c.add(field(Route.CREATE_STAFF, "role superuser", "role", "superuser", 400, "invalid_field"));
    c.add(field(Route.CREATE_STAFF, "role of 41 characters", "role", "r".repeat(41), 400, "invalid_field"));
    c.add(field(Route.CREATE_STAFF, "role as a number", "role", 1, 400, "invalid_field"));
    c.add(field(Route.CREATE_STAFF, "email as a boolean", "email", false, 400, "invalid_field"));
    c.add(field(Route.CREATE_STAFF, "name of 121 characters", "name", "n".repeat(121), 400, "invalid_field"));
    c.add(field(Route.CREATE_STAFF, "unknown field status", "status", "active", 400, "invalid_field"));
    c.add(field(Route.CREATE_STAFF, "unknown field passwordHash", "passwordHash", "x", 400, "invalid_field"));
    c.add(field(Route.CREATE_STAFF, "an email already taken", "email", "admin" + DOMAIN, 409, "email_taken"));
    c.add(without(Route.CREATE_STAFF, "role missing", "role"));
    // update a user
    c.add(field(Route.UPDATE_USER, "status invited", "status", "invited", 400, "invalid_field"));
    c.add(field(Route.UPDATE_USER, "status bogus", "status", "bogus", 400, "invalid_field"));
    c.add(field(Route.UPDATE_USER, "status as a boolean", "status", false, 400, "invalid_field"));
    c.add(field(Route.UPDATE_USER, "status null", "status", null, 400, "invalid_field"));
    c.add(json(Route.UPDATE_USER, "status {\"$ne\": \"x\"}", "status", "{\"$ne\": \"x\"}", 400, "invalid_field"));
    c.add(field(Route.UPDATE_USER, "name of 121 characters", "name", "n".repeat(121), 400, "invalid_field"));
    c.add(field(Route.UPDATE_USER, "name blank", "name", "  ", 400, "invalid_field"));
    c.add(field(Route.UPDATE_USER, "name as a number", "name", 3, 400, "invalid_field"));
    c.add(field(Route.UPDATE_USER, "unknown field role", "role", "admin", 400, "invalid_field"));
    c.add(field(Route.UPDATE_USER, "unknown field email", "email", "taken.over" + DOMAIN, 400, "invalid_field"));
    c.add(new Case(Route.UPDATE_USER, "an empty object", 400, "nothing_to_change", (x, q) -> q.withBody("{}")));
    // education
    c.add(json(Route.ASSIGN_EDUCATION, "moduleId {\"$gt\": \"\"}", "moduleId", op, 400, "invalid_field"));
    c.add(field(Route.ASSIGN_EDUCATION, "moduleId not in the library", "moduleId", "no-such-module", 400, "invalid_field"));
    c.add(field(Route.ASSIGN_EDUCATION, "moduleId as a number", "moduleId", 3, 400, "invalid_field"));
    c.add(without(Route.ASSIGN_EDUCATION, "moduleId missing", "moduleId"));
    c.add(field(Route.ASSIGN_EDUCATION, "note of 1001 characters", "note", "n".repeat(1001), 400, "invalid_field"));
    c.add(json(Route.ASSIGN_EDUCATION, "note {\"$ne\": null}", "note", "{\"$ne\": null}", 400, "invalid_field"));
    c.add(field(Route.ASSIGN_EDUCATION, "dueDate not a date", "dueDate", "next week", 400, "invalid_field"));
    c.add(field(Route.ASSIGN_EDUCATION, "dueDate in the past", "dueDate", "2001-01-01", 400, "invalid_field"));
    c.add(field(Route.ASSIGN_EDUCATION, "dueDate years ahead", "dueDate", "2099-01-01", 400, "invalid_field"));
    c.add(field(Route.EDUCATION_PROGRESS, "event unknown", "event", "finished", 400, "invalid_field"));
    c.add(json(Route.EDUCATION_PROGRESS, "event {\"$gt\": \"\"}", "event", op, 400, "invalid_field"));
    c.add(field(Route.EDUCATION_PROGRESS, "position 101", "position", 101, 400, "invalid_field"));
    c.add(field(Route.EDUCATION_PROGRESS, "position as text", "position", "50", 400, "invalid_field"));
    c.add(field(Route.EDUCATION_PROGRESS, "position 1.5", "position", 1.5, 400, "invalid_field"));
    c.add(field(Route.EDUCATION_PROGRESS, "answers on a position event", "answers", new JsonObject().put("q1", "a"), 400,
        "invalid_field"));
    return c;
  }

  /** Path parameters that are not ids we issued, or ids of nothing: all look like "not found". */
  static Stream<Case> badIds() {
    List<Case> cases = new ArrayList<>();
    Map<String, String> raw = new LinkedHashMap<>();
    raw.put("{\"$gt\":\"\"} (encoded)", "%7B%22%24gt%22%3A%22%22%7D");
    raw.put("{\"$ne\":null} (encoded)", "%7B%22%24ne%22%3Anull%7D");
    raw.put("..%2F..", "..%2F..");
    raw.put("..%2F..%2Fadmin%2Fusers", "..%2F..%2Fadmin%2Fusers");
    raw.put("200 characters", "a".repeat(200));
    raw.put("$where (encoded)", "%24where");
    raw.put("a NUL byte", "%00");
    raw.put("a space inside", "a%20b");
    raw.put("null", "null");
    for (Route r : Route.values()) {
      if (r.idParam == null) {
        continue;
      }
      raw.forEach((what, value) -> cases.add(new Case(r, "id " + what, 404, "not_found",
          (c, q) -> q.withPath(c.resolve(r.template.replace("{" + r.idParam + "}", value))))));
      String unknown = r.idParam.equals("token") ? "t" + UUID.randomUUID().toString().replace("-", "")
          : "nosuch" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
      cases.add(new Case(r, "an unknown id of the right shape", 404, "not_found",
          (c, q) -> q.withPath(c.resolve(r.template.replace("{" + r.idParam + "}", unknown)))));
      if (Set.of("ana", "chloe", "david").contains(r.idParam) && r != Route.UPDATE_USER) {
        cases.add(new Case(r, "the id of a staff member, not a patient", 404, "not_found",
            (c, q) -> q.withPath(c.resolve(r.template.replace("{" + r.idParam + "}", IDS.get("rivera"))))));
      }
      if (r == Route.REVOKE_SESSION) {
        cases.add(new Case(r, "another user's session id", 404, "not_found",
            (c, q) -> q.withPath("/api/v1/me/sessions/" + currentSessionId(signIn("ben")))));
      }
    }
    return cases.stream();
  }

  /** Query parameters of the audit listing. */
  static Stream<Case> badQueries() {
    Map<String, String> raw = new LinkedHashMap<>();
    raw.put("limit=abc", "?limit=abc");
    raw.put("limit=0", "?limit=0");
    raw.put("limit=501", "?limit=501");
    raw.put("limit=-5", "?limit=-5");
    raw.put("limit=1e3", "?limit=1e3");
    raw.put("limit=99999999999", "?limit=99999999999");
    raw.put("limit= (empty)", "?limit=");
    raw.put("before=0", "?before=0");
    raw.put("before=abc", "?before=abc");
    raw.put("before={\"$gt\":0} (encoded)", "?before=%7B%22%24gt%22%3A0%7D");
    return raw.entrySet().stream().map(e -> new Case(Route.ADMIN_AUDIT, e.getKey(), 400, "invalid_field",
        (c, q) -> q.withPath(q.path() + e.getValue())));
  }

  /** Sessions that are over, revoked or forged, on every route that needs one. */
  static Stream<Case> deadSessions() {
    List<Case> cases = new ArrayList<>();
    for (Route r : Route.values()) {
      if (r.caller == null) {
        continue;
      }
      cases.add(new Case(r, "a session idle for 31 minutes", 401, "session_expired", (c, q) -> {
        tandem.clock().advance(Duration.ofMinutes(31));
        return q;
      }));
      cases.add(new Case(r, "a revoked (logged-out) bearer token", 401, "session_expired", (c, q) -> {
        String token = tandem.client().post("/api/v1/auth/login", credentials(r.caller).put("client", "app"))
            .expect(200).json().getString("token");
        tandem.client().withBearer(token).post("/api/v1/auth/logout", null).expect(204);
        return q.withClient(tandem.client().withBearer(token));
      }));
      cases.add(new Case(r, "a garbage bearer token", 401, "session_expired",
          (c, q) -> q.withClient(tandem.client().withBearer("garbage-token"))));
      cases.add(new Case(r, "a 300-character bearer token", 401, "session_expired",
          (c, q) -> q.withClient(tandem.client().withBearer("A".repeat(300)))));
      cases.add(new Case(r, "a bearer token {\"$gt\":\"\"}", 401, "session_expired",
          (c, q) -> q.withClient(tandem.client().withBearer("{\"$gt\":\"\"}"))));
      cases.add(new Case(r, "a garbage session cookie", 401, "session_expired", (c, q) -> {
        Map<String, String> h = new HashMap<>(q.headers());
        h.put("Cookie", "tandem_session=garbage");
        return q.withClient(tandem.client()).withHeaders(h);
      }));
      cases.add(new Case(r, "a garbage bearer next to a valid cookie", 401, "session_expired", (c, q) -> {
        Map<String, String> h = new HashMap<>(q.headers());
        h.put("Authorization", "Bearer garbage-token");
        return q.withHeaders(h);
      }));
    }
    return cases.stream();
  }

  static Stream<Route> bodyRoutes() {
    return Stream.of(Route.values()).filter(Route::hasBody);
  }

  // ---- the tests ----

  @ParameterizedTest(name = "{0}")
  @MethodSource("badBodies")
  void badBodiesAreRefusedWithAJsonErrorAndChangeNothing(Case c) {
    run(c);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badIds")
  void badOrUnknownIdsLookLikeNotFoundAndChangeNothing(Case c) {
    run(c);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badQueries")
  void badQueryParametersAreRefused(Case c) {
    run(c);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deadSessions")
  void deadOrForgedSessionsAreRefusedAndChangeNothing(Case c) {
    run(c);
  }

  /** Control: the unmodified request of each body route is accepted (then undone), so the bad part is what fails. */
  @ParameterizedTest(name = "control: {0} with its valid body succeeds")
  @MethodSource("bodyRoutes")
  void theValidRequestBehindEachCaseIsAccepted(Route route) {
    Ctx ctx = new Ctx(route);
    Http.Response r = ctx.valid().send();
    assertTrue(r.status() >= 200 && r.status() < 300, () -> route + " " + r.status() + " " + r.text());
    switch (route) {
      case PASSWORD -> ctx.caller.put("/api/v1/me/password", new JsonObject().put("currentPassword",
          "entirely new passphrase 5").put("newPassword", OWNER_PASSWORD)).expect(204);
      case SET_TEAM -> adminClient().put("/api/v1/patients/" + IDS.get("chloe") + "/care-team",
          new JsonObject().put("prescriberId", IDS.get("rivera"))).expect(200);
      case ASSIGN_EDUCATION -> ctx.caller.delete("/api/v1/patients/" + IDS.get("eve") + "/education/assignments/video-visit-ready")
          .expect(204);
      case UPDATE_USER -> {
        assertEquals("disabled", r.json().getJsonObject("user").getString("status"));
        adminClient().patch("/api/v1/admin/users/" + IDS.get("david"), new JsonObject().put("status", "active")
            .put("name", "David Kim")).expect(200);
      }
      default -> {
      }
    }
    stillWorks(ctx);
  }

  private static void run(Case c) {
    Ctx ctx = new Ctx(c.route());
    Req req = c.bad().apply(ctx, ctx.valid());
    JsonObject apiBefore = witness(ctx);
    StoreState storeBefore = StoreState.read(mongo.getDatabase("tandem"));

    Http.Response r = req.send();
    StoreState storeAfter = StoreState.read(mongo.getDatabase("tandem"));

    assertTrue(r.status() >= 400 && r.status() < 500, () -> c + ": a 4xx, never a 5xx; got " + r.status() + " " + r.text());
    assertEquals(c.status(), r.status(), () -> c + ": body " + r.text());
    assertErrorBody(r, c.code());
    storeAfter.assertNothingChangedSince(storeBefore, c.toString());
    assertEquals(apiBefore, witness(ctx), "what the API shows did not change");
    stillWorks(ctx);
  }

  /** What each route would change, read through the API (before and after must be equal). */
  private static JsonObject witness(Ctx ctx) {
    return switch (ctx.route) {
      case LOGIN, LOGOUT, REVOKE_SESSION, ME, ME_SESSIONS -> new JsonObject().put("victimSessions",
          sessionIds(ctx.observer("victim")));
      case PASSWORD -> new JsonObject().put("ownerSessions", sessionIds(ctx.observer("owner")));
      case ACCEPT, INVITATION_SHOW -> new JsonObject()
          .put("invitation", tandem.client().get("/api/v1/invitations/" + ctx.token).expect(200).json())
          .put("users", users().size());
      case INVITE_PATIENT, CREATE_STAFF -> new JsonObject().put("users", users().size())
          .put("hasEmail", users().stream().anyMatch(u -> ctx.unique.equals(u.getString("email"))));
      case SET_TEAM -> team(IDS.get("chloe"));
      case UPDATE_USER -> users().stream().filter(u -> IDS.get("david").equals(u.getString("id"))).findFirst()
          .orElseThrow();
      case ASSIGN_EDUCATION -> ctx.observer("okafor").get("/api/v1/patients/" + IDS.get("eve") + "/education").expect(200).json()
          .getJsonArray("assignments").stream().map(o -> (JsonObject) o)
          .collect(JsonObject::new, (j, o) -> j.put(o.getString("moduleId"), o), JsonObject::mergeIn);
      case EDUCATION_PROGRESS, PATIENT_EDUCATION -> ctx.observer("okafor").get("/api/v1/patients/" + IDS.get("ana") + "/education")
          .expect(200).json().getJsonArray("assignments").stream().map(o -> (JsonObject) o)
          .collect(JsonObject::new, (j, o) -> j.put(o.getString("moduleId"), o.getJsonObject("progress")), JsonObject::mergeIn);
      case BOOK_VISIT -> new JsonObject().put("users", users().size()).put("visits", mongo.getDatabase("tandem")
          .getCollection("visits").countDocuments()).put("claims", mongo.getDatabase("tandem").getCollection("visitSlots").countDocuments());
      default -> new JsonObject().put("users", users().size());
    };
  }

  /** After a rejection the account or link involved still works normally. */
  private static void stillWorks(Ctx ctx) {
    switch (ctx.route) {
      case LOGIN -> tandem.client().login(VICTIM, VICTIM_PASSWORD).expect(200);
      case PASSWORD -> tandem.client().login(OWNER, OWNER_PASSWORD).expect(200);
      case UPDATE_USER -> {
        tandem.client().login("david" + DOMAIN, TestTandem.DEMO_PASSWORD).expect(200);
        assertEquals("David Kim", users().stream().filter(u -> IDS.get("david").equals(u.getString("id")))
            .findFirst().orElseThrow().getString("name"));
      }
      case SET_TEAM -> assertEquals(new JsonObject().put("prescriberId", IDS.get("rivera")).putNull("therapistId")
          .putNull("navigatorId"), team(IDS.get("chloe")));
      default -> {
      }
    }
  }

  // ---- case builders ----

  static Case raw(Route r, String what, String body) {
    return new Case(r, what, 400, "invalid_json", (c, q) -> q.withBody(body));
  }

  static Case field(Route r, String what, String field, Object value, int status, String code) {
    return new Case(r, what, status, code, (c, q) -> q.withBody(new JsonObject(q.body()).put(field, value).encode()));
  }

  /** Puts raw JSON text as a field's value (operators, arrays), keeping the rest of the valid body. */
  static Case json(Route r, String what, String field, String jsonValue, int status, String code) {
    return new Case(r, what, status, code, (c, q) -> {
      JsonObject rest = new JsonObject(q.body());
      rest.remove(field);
      return q.withBody(appendRaw(rest.encode(), field, jsonValue));
    });
  }

  /** The valid body with a second, raw value for a field it already has (last one wins in Jackson). */
  static Case duplicate(Route r, String what, String field, String jsonValue, int status, String code) {
    return new Case(r, what, status, code, (c, q) -> q.withBody(appendRaw(q.body(), field, jsonValue)));
  }

  private static String appendRaw(String objectText, String field, String jsonValue) {
    String open = objectText.substring(0, objectText.length() - 1);
    return open + (open.endsWith("{") ? "" : ",") + "\"" + field + "\":" + jsonValue + "}";
  }

  static Case without(Route r, String what, String field) {
    return new Case(r, what, 400, "invalid_field", (c, q) -> {
      JsonObject b = new JsonObject(q.body());
      b.remove(field);
      return q.withBody(b.encode());
    });
  }

  static Case idField(Route r, String what, String field, String whoseId) {
    return new Case(r, what, 400, "invalid_field",
        (c, q) -> q.withBody(new JsonObject(q.body()).put(field, IDS.get(whoseId)).encode()));
  }

  static Case contentType(Route r, String what, String ct) {
    return new Case(r, "Content-Type " + what, 415, "unsupported_media_type",
        (c, q) -> q.withHeaders(Map.of("Content-Type", ct)));
  }

  // ---- setup and helpers ----

  @BeforeAll
  static void start(Vertx vertx) {
    // Hundreds of sign-ins: the cheapest Argon2 cost keeps the run short (hashing is not under test here).
    tandem = TestTandem.start(vertx, Map.of("identity.login-throttle.max-failures-per-account", "1000",
        "identity.login-throttle.max-failures-per-address", "100000", "identity.password.argon2-memory-kib", "1024",
        "identity.password.argon2-iterations", "1",
        // The demo's check-in history loads in the background; "nothing changed" needs a store at rest.
        "demo.checkin-history", "false"));
    mongo = MongoClients.create(tandem.mongoUri());
    for (JsonObject u : users()) {
      IDS.put(u.getString("email").replace(DOMAIN, ""), u.getString("id"));
    }
    activateStaff(VICTIM, VICTIM_PASSWORD);
    activateStaff(OWNER, OWNER_PASSWORD);
  }

  @AfterAll
  static void stop() {
    mongo.close();
    tandem.close();
  }

  private static void activateStaff(String email, String password) {
    String link = adminClient().post("/api/v1/admin/users", new JsonObject().put("email", email)
        .put("name", "Test Account").put("role", "navigator")).expect(201).json().getJsonObject("invitation")
        .getString("link");
    tandem.client().post("/api/v1/invitations/" + link.substring(link.indexOf("token=") + 6) + "/accept",
        new JsonObject().put("password", password)).expect(200);
  }

  static JsonObject credentials(String who) {
    return switch (who) {
      case "victim" -> new JsonObject().put("email", VICTIM).put("password", VICTIM_PASSWORD);
      case "owner" -> new JsonObject().put("email", OWNER).put("password", OWNER_PASSWORD);
      default -> new JsonObject().put("email", who + DOMAIN).put("password", TestTandem.DEMO_PASSWORD);
    };
  }

  static Http signIn(String who) {
    Http h = tandem.client();
    h.post("/api/v1/auth/login", credentials(who)).expect(200);
    return h;
  }

  /** A signed-in admin for reading state; signs in again after the clock has ended its session. */
  static Http adminClient() {
    if (admin == null || admin.get("/api/v1/me").status() != 200) {
      admin = signIn("admin");
    }
    return admin;
  }

  static List<JsonObject> users() {
    return adminClient().get("/api/v1/admin/users").expect(200).array("users").stream().map(o -> (JsonObject) o)
        .toList();
  }

  static JsonObject team(String patientId) {
    JsonObject t = adminClient().get("/api/v1/admin/care-teams").expect(200).array("careTeams").stream()
        .map(o -> (JsonObject) o).filter(x -> patientId.equals(x.getString("patientId"))).findFirst().orElseThrow();
    JsonObject ids = new JsonObject();
    for (String slot : new String[] {"prescriber", "therapist", "navigator"}) {
      JsonObject m = t.getJsonObject(slot);
      ids.put(slot + "Id", m == null ? null : m.getString("id"));
    }
    return ids;
  }

  static JsonArray sessionIds(Http h) {
    return new JsonArray(h.get("/api/v1/me/sessions").expect(200).array("sessions").stream()
        .map(o -> ((JsonObject) o).getString("id")).sorted().collect(Collectors.toList()));
  }

  static String currentSessionId(Http h) {
    return h.get("/api/v1/me/sessions").expect(200).array("sessions").stream().map(o -> (JsonObject) o)
        .filter(s -> s.getBoolean("current")).findFirst().orElseThrow().getString("id");
  }

  static String invitePatient(String email) {
    String link = signIn("rivera").post("/api/v1/patients", new JsonObject().put("email", email)
        .put("name", "Invited Person")).expect(201).json().getJsonObject("invitation").getString("link");
    return link.substring(link.indexOf("token=") + 6);
  }

  static void assertErrorBody(Http.Response r, String code) {
    String ct = r.header("Content-Type");
    assertNotNull(ct, "errors carry a Content-Type");
    assertTrue(ct.startsWith("application/json"), ct);
    JsonObject body = r.json();
    assertNotNull(body, "an error body");
    JsonObject error = body.getJsonObject("error");
    assertNotNull(error, r.text());
    assertEquals(code, error.getString("code"), r.text());
    assertFalse(error.getString("message", "").isBlank(), "a message a person can act on");
  }
}

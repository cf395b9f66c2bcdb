package dev.tandem.visits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.testing.Http;
import dev.tandem.testing.MutableClock;
import dev.tandem.testing.TestTandem;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Jitsi's event_sync posts (the shape mod_event_sync_component sends) record attendance on the
 * visit found by room name; a wrong or missing secret is 401, an unknown room 404, and a
 * destroyed room completes a visit in progress.
 */
@ExtendWith(VertxExtension.class)
class JitsiWebhookIT {
  static final String HOOK_SECRET = "webhook-shared-secret-for-tests";
  static TestTandem tandem;
  static Member rivera;
  static Member ben;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    tandem = TestTandem.start(vertx, Map.of("identity.password.argon2-memory-kib", "1024", "identity.password.argon2-iterations", "1",
        "visits.webhook-secret", HOOK_SECRET, "visits.jitsi.app-secret", "a-prosody-app-secret-of-at-least-32-bytes"),
        Files.createTempDirectory("webhook"), new MutableClock(Instant.parse("2026-12-02T15:00:00Z")));
    rivera = Member.login(tandem, "rivera");
    ben = Member.login(tandem, "ben");
  }

  @AfterAll
  static void stop() {
    tandem.close();
  }

  private static Http.Response post(String secret, JsonObject event) {
    Map<String, String> h = secret == null ? Map.of("Content-Type", "application/json")
        : Map.of("Content-Type", "application/json", "X-Tandem-Webhook-Secret", secret);
    return tandem.client().send("POST", "/api/v1/jitsi/events", event.encode(), h);
  }

  private static JsonObject event(String name, String room, String occupantId) {
    JsonObject e = new JsonObject().put("event_name", name).put("room_name", room).put("room_jid", room + "@conference.meet.test")
        .put("is_breakout", false).put("created_at", 1764687600);
    if (occupantId != null) {
      e.put("occupant", new JsonObject().put("id", occupantId).put("name", "someone").put("occupant_jid", "x@meet.test/abc")
          .put("joined_at", 1764687660));
    }
    return e;
  }

  @Test
  void jitsiEventsRecordAttendanceAndADestroyedRoomCompletesTheVisit() {
    String id = rivera.book(ben.id(), "medication-review", "2026-12-02T15:10:00Z", 30).expect(201).json()
        .getJsonObject("visit").getString("id");
    String room = rivera.http().post("/api/v1/visits/" + id + "/token", null).expect(200).json().getString("room");
    ben.http().post("/api/v1/visits/" + id + "/arrive", null).expect(200);
    rivera.http().post("/api/v1/visits/" + id + "/admit", null).expect(200);

    post(HOOK_SECRET, event("muc-room-created", room, null)).expect(200);
    JsonObject joined = post(HOOK_SECRET, event("muc-occupant-joined", room.toUpperCase(), ben.id())).expect(200).json();
    assertEquals(true, joined.getBoolean("participant"));
    post(HOOK_SECRET, event("muc-occupant-joined", room, rivera.id())).expect(200);
    assertEquals(false, post(HOOK_SECRET, event("muc-occupant-joined", room, "someone-else")).expect(200).json().getBoolean("participant"));
    post(HOOK_SECRET, event("muc-occupant-left", room, ben.id())).expect(200);
    post(HOOK_SECRET, event("muc-room-destroyed", room, null)).expect(200);

    JsonObject v = rivera.http().get("/api/v1/visits/" + id).expect(200).json().getJsonObject("visit");
    assertEquals("completed", v.getString("status"));
    List<String> trail = v.getJsonArray("attendance").stream().map(o -> (JsonObject) o)
        .map(a -> a.getString("event") + (a.getString("userId") == null ? "" : ":" + a.getString("userId"))).toList();
    assertEquals(List.of("arrived:" + ben.id(), "admitted:" + ben.id(), "room-created", "joined:" + ben.id(),
        "joined:" + rivera.id(), "joined", "left:" + ben.id(), "room-destroyed"), trail);
  }

  @Test
  void theWebhookRefusesWrongSecretsUnknownRoomsAndBadEvents() {
    Http.Response none = post(null, event("muc-room-created", "tandem-whatever", null));
    assertEquals(401, none.status());
    assertEquals(401, post("webhook-shared-secret-for-tests-but-wrong", event("muc-room-created", "tandem-x", null)).status());
    assertEquals(401, post("", event("muc-room-created", "tandem-x", null)).status());
    Http.Response unknown = post(HOOK_SECRET, event("muc-room-created", "tandem-no-such-room", null));
    assertEquals(404, unknown.status());
    assertEquals("not_found", unknown.errorCode());
    assertEquals("invalid_field", post(HOOK_SECRET, event("muc-room-exploded", "tandem-x", null)).errorCode());
    assertEquals("invalid_field", post(HOOK_SECRET, new JsonObject().put("event_name", "muc-room-created")
        .put("room_name", new JsonObject().put("$gt", ""))).errorCode());
    Http.Response malformed = tandem.client().send("POST", "/api/v1/jitsi/events", "{nope", Map.of("Content-Type", "application/json",
        "X-Tandem-Webhook-Secret", HOOK_SECRET));
    assertEquals(400, malformed.status());
    assertTrue(malformed.text().contains("invalid_json"));
  }
}

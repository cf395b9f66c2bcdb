package dev.tandem.visits;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.tandem.testing.LiveSocket;
import dev.tandem.testing.Http;
import dev.tandem.testing.TestTandem;
import io.vertx.core.json.JsonObject;

/** A signed-in demo account for the visits tests: its id, name, bearer session and HTTP client. */
record Member(String key, String id, String name, String token, Http http) {

  static Member login(TestTandem tandem, String key) {
    JsonObject r = tandem.client().post("/api/v1/auth/login", new JsonObject().put("email", key + "@tandem-demo.org")
        .put("password", TestTandem.DEMO_PASSWORD).put("client", "app")).expect(200).json();
    assertNotNull(r.getString("token"));
    JsonObject user = r.getJsonObject("user");
    return new Member(key, user.getString("id"), user.getString("name"), r.getString("token"),
        tandem.client().withBearer(r.getString("token")));
  }

  /** Books one visit; returns the raw response. */
  Http.Response book(String patientId, String type, String start, int minutes) {
    return http.post("/api/v1/visits", new JsonObject().put("patientId", patientId).put("type", type).put("start", start)
        .put("durationMinutes", minutes));
  }

  LiveSocket live(TestTandem tandem) {
    return LiveSocket.connect(tandem.port(), token, key);
  }
}

package dev.tandem.messaging;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.tandem.testing.Http;
import dev.tandem.testing.TestTandem;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One signed-in device of a demo user, as an app signs in: its own session (bearer token), the
 * user's id, an HTTP client using the token, and shortcuts for the messaging API.
 */
final class Device {
  private static final AtomicInteger SEQ = new AtomicInteger();
  final String key;
  final String userId;
  final String name;
  final String token;
  final Http http;
  private final TestTandem tandem;

  private Device(TestTandem tandem, String key, String userId, String name, String token) {
    this.tandem = tandem;
    this.key = key;
    this.userId = userId;
    this.name = name;
    this.token = token;
    this.http = tandem.client().withBearer(token);
  }

  /** Signs in as a demo account ("ana", "rivera", "admin", …) with {"client":"app"}: a new session. */
  static Device login(TestTandem tandem, String key) {
    JsonObject r = tandem.client().post("/api/v1/auth/login", new JsonObject().put("email", key + "@tandem-demo.org")
        .put("password", TestTandem.DEMO_PASSWORD).put("client", "app")).expect(200).json();
    assertNotNull(r.getString("token"), "app login returns a token");
    JsonObject user = r.getJsonObject("user");
    return new Device(tandem, key, user.getString("id"), user.getString("name"), r.getString("token"));
  }

  /** This device's live socket (same session). */
  LiveClient live() {
    return LiveClient.connect(tandem.port(), token, key + "#" + SEQ.incrementAndGet());
  }

  /** A fresh client id, unique across the run. */
  static String cid(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 13);
  }

  static String patientThread(Device patient) {
    return "p-" + patient.userId;
  }

  static String teamThread(Device patient) {
    return "t-" + patient.userId;
  }

  Http.Response send(String conversationId, String clientId, String body) {
    return http.post("/api/v1/conversations/" + conversationId + "/messages",
        new JsonObject().put("clientId", clientId).put("body", body));
  }

  /** Sends a new message; expects 201 and returns the response body. */
  JsonObject sent(String conversationId, String body) {
    return send(conversationId, cid(key), body).expect(201).json();
  }

  /** The stored message of a new send. */
  JsonObject say(String conversationId, String body) {
    return sent(conversationId, body).getJsonObject("message");
  }

  Http.Response historyResponse(String conversationId, String query) {
    return http.get("/api/v1/conversations/" + conversationId + "/messages" + (query == null ? "" : "?" + query));
  }

  JsonArray history(String conversationId, String query) {
    return historyResponse(conversationId, query).expect(200).json().getJsonArray("messages");
  }

  /** Every message of a conversation, paging forward by seq. */
  List<JsonObject> fullHistory(String conversationId) {
    List<JsonObject> out = new ArrayList<>();
    long after = 0;
    while (true) {
      JsonArray page = history(conversationId, "after=" + after + "&limit=200");
      page.forEach(o -> out.add((JsonObject) o));
      if (page.size() < 200) {
        return out;
      }
      after = page.getJsonObject(page.size() - 1).getLong("seq");
    }
  }

  Http.Response read(String conversationId, Object seq) {
    return http.post("/api/v1/conversations/" + conversationId + "/read", new JsonObject().put("seq", seq));
  }

  JsonObject conversations() {
    return http.get("/api/v1/conversations").expect(200).json();
  }

  /** This user's entry for one conversation in GET /conversations, or null when it is not listed. */
  JsonObject conversation(String conversationId) {
    for (Object o : conversations().getJsonArray("conversations")) {
      JsonObject c = (JsonObject) o;
      if (conversationId.equals(c.getString("id"))) {
        return c;
      }
    }
    return null;
  }

  List<String> conversationIds() {
    return conversations().getJsonArray("conversations").stream().map(o -> ((JsonObject) o).getString("id")).toList();
  }
}

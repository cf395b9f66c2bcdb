package dev.tandem.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Sorts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;

/**
 * What the store holds that a refused request must not touch: every user, care team and
 * invitation document, and which sessions exist and whether they are revoked. (Sessions may
 * be purged in the background, so a later snapshot may only lack sessions, never add or revoke.)
 */
public record StoreState(Map<String, List<String>> documents, Map<String, Boolean> sessions) {
  public static StoreState read(MongoDatabase db) {
    Map<String, List<String>> docs = new LinkedHashMap<>();
    for (String c : List.of("users", "careTeams", "invitations")) {
      List<String> all = new ArrayList<>();
      db.getCollection(c).find().sort(Sorts.ascending("_id")).forEach(d -> all.add(d.toJson()));
      docs.put(c, all);
    }
    Map<String, Boolean> sessions = new HashMap<>();
    for (Document d : db.getCollection("sessions").find()) {
      sessions.put(d.getString("_id"), d.getBoolean("revoked"));
    }
    return new StoreState(docs, sessions);
  }

  public void assertNothingChangedSince(StoreState before, String what) {
    for (String c : documents.keySet()) {
      assertEquals(before.documents.get(c), documents.get(c), () -> what + ": the " + c + " collection changed");
    }
    sessions.forEach((id, revoked) -> {
      assertTrue(before.sessions.containsKey(id), () -> what + ": a session was created");
      assertEquals(before.sessions.get(id), revoked, () -> what + ": a session was revoked");
    });
  }
}

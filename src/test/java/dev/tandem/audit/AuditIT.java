package dev.tandem.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import dev.tandem.testing.Http;
import dev.tandem.testing.TestTandem;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The hash-chained audit log through the real server: what is recorded, and tamper detection. */
@ExtendWith(VertxExtension.class)
class AuditIT {
  TestTandem tandem;

  @BeforeEach
  void start(Vertx vertx) {
    tandem = TestTandem.start(vertx);
  }

  @AfterEach
  void stop() {
    tandem.close();
  }

  private static List<JsonObject> entries(Http admin) {
    JsonArray a = admin.get("/api/v1/admin/audit?limit=500").expect(200).array("entries");
    List<JsonObject> l = new ArrayList<>();
    a.forEach(o -> l.add((JsonObject) o));
    return l;
  }

  @Test
  void securityEventsAndPatientReadsAreRecordedWithoutSecrets() {
    Http ana = tandem.signedIn("ana");
    String anaId = ana.get("/api/v1/me").json().getJsonObject("user").getString("id");
    tandem.client().login("ana@tandem-demo.org", "definitely wrong pass").expect(401);
    Http rivera = tandem.signedIn("rivera");
    rivera.get("/api/v1/patients/" + anaId).expect(200);
    tandem.signedIn("okafor").get("/api/v1/patients/" + anaId).expect(200);
    tandem.signedIn("lee").post("/api/v1/auth/logout", null).expect(204);
    Http admin = tandem.signedIn("admin");
    List<JsonObject> log = entries(admin);

    assertTrue(log.stream().anyMatch(e -> e.getString("type").equals("auth.login") && e.getString("outcome").equals("failure")
        && anaId.equals(e.getString("actorId"))));
    assertTrue(log.stream().anyMatch(e -> e.getString("type").equals("auth.logout")));
    assertEquals(2, log.stream().filter(e -> e.getString("type").equals("patient.read") && anaId.equals(e.getString("patientId")))
        .count());
    assertTrue(log.stream().anyMatch(e -> e.getString("type").equals("careteam.change")));
    assertTrue(log.stream().anyMatch(e -> e.getString("type").equals("invitation.create")));
    String all = log.toString();
    assertFalse(all.contains(TestTandem.DEMO_PASSWORD));
    assertFalse(all.contains("definitely wrong pass"));
    // Newest first, each linked to the one before.
    for (int i = 0; i + 1 < log.size(); i++) {
      assertEquals(log.get(i + 1).getString("hash"), log.get(i).getString("prev"));
      assertEquals(log.get(i + 1).getLong("seq") + 1, log.get(i).getLong("seq"));
    }
  }

  @Test
  void aDeniedReadIsRecordedAsDenied() {
    String davidId = tandem.signedIn("david").get("/api/v1/me").json().getJsonObject("user").getString("id");
    tandem.signedIn("rivera").get("/api/v1/patients/" + davidId).expect(404);
    assertTrue(entries(tandem.signedIn("admin")).stream().anyMatch(e -> e.getString("type").equals("access.denied")
        && e.getString("outcome").equals("denied") && davidId.equals(e.getString("patientId"))));
  }

  @Test
  void theChainStaysIntactUnderConcurrentAppends() {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      String who = new String[] {"ana", "ben", "eve", "rivera"}[i % 4];
      all.add(CompletableFuture.runAsync(() -> {
        Http h = tandem.signedIn(who);
        for (int j = 0; j < 10; j++) {
          h.get("/api/v1/patients").expect(200);
        }
      }));
    }
    all.forEach(CompletableFuture::join);
    JsonObject v = tandem.signedIn("admin").get("/api/v1/admin/audit/verify").expect(200).json();
    assertTrue(v.getBoolean("ok"), v.encode());
    assertTrue(v.getLong("checked") > 80, v.encode());
  }

  @Test
  void verificationNamesTheFirstAlteredOrMissingEntry() {
    Http admin = tandem.signedIn("admin");
    assertTrue(admin.get("/api/v1/admin/audit/verify").expect(200).json().getBoolean("ok"));
    try (MongoClient client = MongoClients.create(tandem.mongoUri())) {
      MongoCollection<Document> audit = client.getDatabase("tandem").getCollection("audit");
      // Someone with database access rewrites who did something.
      audit.updateOne(Filters.eq("_id", 5L), Updates.set("actorId", "someone-else"));
      JsonObject v = admin.get("/api/v1/admin/audit/verify").expect(200).json();
      assertFalse(v.getBoolean("ok"));
      assertEquals(5, v.getJsonObject("firstBroken").getLong("seq"));
      assertTrue(v.getJsonObject("firstBroken").getString("reason").contains("altered"), v.encode());

      // Rewriting the hash too does not help: the next entry no longer links to it.
      Document e5 = audit.find(Filters.eq("_id", 5L)).first();
      audit.updateOne(Filters.eq("_id", 5L), Updates.set("hash", "f".repeat(64)));
      v = admin.get("/api/v1/admin/audit/verify").expect(200).json();
      assertEquals(5, v.getJsonObject("firstBroken").getLong("seq"), v.encode());

      audit.replaceOne(Filters.eq("_id", 5L), e5);
      audit.deleteOne(Filters.eq("_id", 3L));
      v = admin.get("/api/v1/admin/audit/verify").expect(200).json();
      assertEquals(3, v.getJsonObject("firstBroken").getLong("seq"), v.encode());
      assertTrue(v.getJsonObject("firstBroken").getString("reason").contains("missing"), v.encode());
    }
  }
}

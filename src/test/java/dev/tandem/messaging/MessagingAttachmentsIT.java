package dev.tandem.messaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import dev.tandem.testing.Http;
import dev.tandem.testing.TestTandem;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Images and PDFs in a conversation: type by content, encrypted at rest, only for members. */
@ExtendWith(VertxExtension.class)
class MessagingAttachmentsIT {
  static TestTandem tandem;
  static final byte[] PNG = concat(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A},
      "zebra-quokka-5521 image data".getBytes(StandardCharsets.UTF_8));
  static final byte[] PDF = "%PDF-1.4\n1 0 obj << >> endobj\nquince-marmot-8812\n%%EOF\n".getBytes(StandardCharsets.UTF_8);

  @BeforeAll
  static void start(Vertx vertx) {
    tandem = TestTandem.start(vertx, Map.of("messaging.attachment-max-bytes", "4096"));
  }

  @AfterAll
  static void stop() {
    tandem.close();
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static String token(String who) {
    return tandem.client().post("/api/v1/auth/login", new JsonObject().put("email", who + "@tandem-demo.org")
        .put("password", TestTandem.DEMO_PASSWORD).put("client", "app")).expect(200).json().getString("token");
  }

  private static HttpResponse<byte[]> raw(String method, String path, String token, String contentType, byte[] body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(tandem.baseUrl() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String anaThread(Http ana) {
    return "p-" + ana.get("/api/v1/me").json().getJsonObject("user").getString("id");
  }

  @Test
  void anImageIsStoredEncryptedAndOnlyTheCareTeamCanOpenIt() throws Exception {
    String ana = token("ana");
    String thread = anaThread(tandem.client().withBearer(ana));
    HttpResponse<byte[]> up = raw("POST", "/api/v1/conversations/" + thread + "/attachments?clientId=img-1&name=rash.png",
        ana, "image/png", PNG);
    assertEquals(201, up.statusCode(), new String(up.body()));
    JsonObject msg = new JsonObject(new String(up.body(), StandardCharsets.UTF_8)).getJsonObject("message");
    assertEquals("attachment", msg.getString("kind"));
    assertEquals("image/png", msg.getJsonObject("attachment").getString("mime"));
    String url = msg.getJsonObject("attachment").getString("url");

    HttpResponse<byte[]> got = raw("GET", url, token("rivera"), null, null);
    assertEquals(200, got.statusCode());
    assertArrayEquals(PNG, got.body());
    assertEquals("image/png", got.headers().firstValue("Content-Type").orElse(""));
    assertTrue(got.headers().firstValue("Content-Disposition").orElse("").startsWith("attachment"));
    assertEquals(404, raw("GET", url, token("ben"), null, null).statusCode(), "another patient");
    assertEquals(404, raw("GET", url, token("admin"), null, null).statusCode(), "admins do not read clinical content");

    try (MongoClient c = MongoClients.create(tandem.mongoUri())) {
      for (String coll : c.getDatabase("tandem").listCollectionNames()) {
        for (Document d : c.getDatabase("tandem").getCollection(coll).find(new Document())) {
          String json = d.toJson();
          assertFalse(json.contains("zebra-quokka-5521"), coll);
          assertFalse(json.contains(Base64.getEncoder().encodeToString(PNG)), coll);
          assertFalse(json.contains("rash.png"), "file names are encrypted too: " + coll);
        }
      }
    }
  }

  @Test
  void theTypeIsDecidedByContentNotByNameOrHeader() throws Exception {
    String ana = token("ana");
    String thread = anaThread(tandem.client().withBearer(ana));
    byte[] script = "<script>alert(1)</script>".getBytes(StandardCharsets.UTF_8);
    HttpResponse<byte[]> fake = raw("POST", "/api/v1/conversations/" + thread + "/attachments?clientId=fake-1&name=photo.png",
        ana, "image/png", script);
    assertEquals(415, fake.statusCode());
    assertTrue(new String(fake.body()).contains("unsupported_file_type"));
    HttpResponse<byte[]> pdf = raw("POST", "/api/v1/conversations/" + thread + "/attachments?clientId=pdf-1&name=labs.txt",
        ana, "application/octet-stream", PDF);
    assertEquals(201, pdf.statusCode(), new String(pdf.body()));
    assertTrue(new String(pdf.body()).contains("application/pdf"));
    assertEquals(415, raw("POST", "/api/v1/conversations/" + thread + "/attachments?clientId=form-1", ana,
        "text/plain", PDF).statusCode(), "types an HTML form could send are refused");
    HttpResponse<byte[]> big = raw("POST", "/api/v1/conversations/" + thread + "/attachments?clientId=big-1", ana, "image/png",
        concat(PNG, new byte[5000]));
    assertEquals(413, big.statusCode());
    assertEquals(400, raw("POST", "/api/v1/conversations/" + thread + "/attachments?clientId=$gt", ana, "image/png", PNG)
        .statusCode());
  }

  @Test
  void aTamperedFileIsWithheld() throws Exception {
    String ana = token("ana");
    String thread = anaThread(tandem.client().withBearer(ana));
    HttpResponse<byte[]> up = raw("POST", "/api/v1/conversations/" + thread + "/attachments?clientId=img-t&name=t.png",
        ana, "image/png", PNG);
    JsonObject att = new JsonObject(new String(up.body(), StandardCharsets.UTF_8)).getJsonObject("message").getJsonObject("attachment");
    try (MongoClient c = MongoClients.create(tandem.mongoUri())) {
      var coll = c.getDatabase("tandem").getCollection("attachments");
      Document d = coll.find(Filters.eq("_id", att.getString("id"))).first();
      assertNotNull(d);
      byte[] ct = Base64.getDecoder().decode(d.getString("ct"));
      ct[ct.length - 3] ^= 0x01;
      coll.updateOne(Filters.eq("_id", att.getString("id")), Updates.set("ct", Base64.getEncoder().encodeToString(ct)));
    }
    HttpResponse<byte[]> got = raw("GET", att.getString("url"), ana, null, null);
    assertEquals(422, got.statusCode());
    assertTrue(new String(got.body()).contains("tampered"));
  }
}

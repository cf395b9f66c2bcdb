package dev.tandem.messaging;

import static dev.tandem.messaging.LiveClient.message;
import static dev.tandem.messaging.LiveClient.messageIn;
import static dev.tandem.messaging.LiveClient.type;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import dev.tandem.testing.Http;
import dev.tandem.testing.MutableClock;
import dev.tandem.testing.TestTandem;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.HttpCookie;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.LongStream;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Live delivery over the real WebSocket: every device of every member, exactly once; catch-up
 * after a dropped connection; idempotent sends over HTTP and the socket, also when retries race;
 * receipts and unread counts; bad frames and refused upgrades. The clock stands on a Wednesday
 * at 10:00 in New York (clinic hours), so no after-hours replies interfere.
 */
@ExtendWith(VertxExtension.class)
class MessagingLiveIT {
  static TestTandem tandem;
  static MongoClient mongo;
  static MongoCollection<Document> messages;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    tandem = TestTandem.start(vertx, Map.of(), Files.createTempDirectory("tandem-msg-live"),
        new MutableClock(Instant.parse("2026-11-25T15:00:00Z")));
    mongo = MongoClients.create(tandem.mongoUri());
    messages = mongo.getDatabase("tandem").getCollection("messages");
  }

  @AfterAll
  static void stop() {
    mongo.close();
    tandem.close();
  }

  private static JsonObject sendFrame(String conversationId, String clientId, String body) {
    return new JsonObject().put("type", "send").put("conversationId", conversationId).put("clientId", clientId).put("body", body);
  }

  private static long seqOf(JsonObject event) {
    return event.getJsonObject("message").getLong("seq");
  }

  // ---- live delivery --------------------------------------------------------------------------

  @Test
  void aMessageReachesEveryOpenDeviceOfEveryMemberExactlyOnce() {
    Device anaPhone = Device.login(tandem, "ana");
    Device anaLaptop = Device.login(tandem, "ana");
    Device riveraPhone = Device.login(tandem, "rivera");
    Device riveraLaptop = Device.login(tandem, "rivera");
    Device ben = Device.login(tandem, "ben");
    String conv = Device.patientThread(anaPhone);
    try (LiveClient ap = anaPhone.live(); LiveClient al = anaLaptop.live(); LiveClient rp = riveraPhone.live();
        LiveClient rl = riveraLaptop.live(); LiveClient bp = ben.live()) {
      List<LiveClient> four = List.of(ap, al, rp, rl);

      String clientId = Device.cid("ana-ws");
      JsonObject ok = ap.request(sendFrame(conv, clientId, "Hola, ¿puedo cambiar la cita del jueves?"));
      assertEquals("send.ok", ok.getString("type"), ok::encode);
      assertFalse(ok.getBoolean("duplicate"));
      JsonObject first = ok.getJsonObject("message");
      assertEquals(conv, first.getString("conversationId"));
      assertEquals(anaPhone.userId, first.getString("senderId"));
      assertEquals("patient", first.getString("senderRole"));
      assertEquals("Ana García", first.getString("senderName"));
      assertEquals("text", first.getString("kind"));
      assertEquals(clientId, first.getString("clientId"));
      assertEquals("ok", first.getString("status"));
      assertEquals("Hola, ¿puedo cambiar la cita del jueves?", first.getString("body"));
      assertFalse(first.getBoolean("crisis"));
      for (LiveClient s : four) {
        assertEquals(first, s.await(message(first.getString("id"))).getJsonObject("message"), "the event carries the message");
      }

      JsonObject reply = riveraLaptop.say(conv, "Sí, claro. Le escribo la nueva hora.");
      assertEquals(first.getLong("seq") + 1, reply.getLong("seq"));
      for (LiveClient s : four) {
        JsonObject ev = s.await(message(reply.getString("id"))).getJsonObject("message");
        assertEquals("Sí, claro. Le escribo la nueva hora.", ev.getString("body"));
        assertEquals("Dr. Maya Rivera", ev.getString("senderName"));
      }

      // A later message on every socket bounds the wait for duplicates (one publisher, one address: in order).
      JsonObject barrier = anaLaptop.say(conv, "Gracias");
      for (LiveClient s : four) {
        s.await(message(barrier.getString("id")));
        assertEquals(1, s.count(message(first.getString("id"))), "first message exactly once");
        assertEquals(1, s.count(message(reply.getString("id"))), "reply exactly once");
        List<Long> order = s.all(messageIn(conv)).stream().map(MessagingLiveIT::seqOf).toList();
        assertEquals(List.of(first.getLong("seq"), reply.getLong("seq"), barrier.getLong("seq")), order, "in order");
      }

      // Ben is not in ana's thread: his socket gets nothing of it.
      JsonObject benOwn = ben.say("p-" + ben.userId, "hello from ben");
      bp.await(message(benOwn.getString("id")));
      assertEquals(0, bp.count(messageIn(conv)), "a non-member never receives the thread's messages");
    }
  }

  @Test
  void aDroppedDeviceCatchesUpWithoutLosingOrRepeatingAMessage() {
    Device eve = Device.login(tandem, "eve");
    Device riveraPhone = Device.login(tandem, "rivera");
    Device riveraLaptop = Device.login(tandem, "rivera");
    String conv = Device.patientThread(eve);
    long base = riveraPhone.conversation(conv).getLong("lastSeq");
    Map<Long, String> sent = new TreeMap<>();
    try (LiveClient rl = riveraLaptop.live()) {
      LiveClient rp = riveraPhone.live();
      for (int i = 0; i < 3; i++) {
        JsonObject m = eve.say(conv, "before the drop " + i);
        sent.put(m.getLong("seq"), m.getString("id"));
        rp.await(message(m.getString("id")));
      }
      List<JsonObject> beforeDrop = rp.all(messageIn(conv)).stream().map(e -> e.getJsonObject("message")).toList();
      long lastSeen = beforeDrop.stream().mapToLong(m -> m.getLong("seq")).max().orElseThrow();
      rp.abort();

      Set<Long> whileDown = new HashSet<>();
      for (int i = 0; i < 20; i++) {
        Device from = i % 2 == 0 ? eve : riveraLaptop;
        JsonObject m = from.say(conv, "while the phone is offline " + i);
        sent.put(m.getLong("seq"), m.getString("id"));
        whileDown.add(m.getLong("seq"));
      }

      // Reconnect: open the socket first, then catch up, while the conversation goes on.
      try (LiveClient rp2 = riveraPhone.live()) {
        for (int i = 0; i < 2; i++) {
          JsonObject m = eve.say(conv, "right after the reconnect " + i);
          sent.put(m.getLong("seq"), m.getString("id"));
        }
        List<JsonObject> catchUp = riveraPhone.history(conv, "after=" + lastSeen + "&limit=200").stream()
            .map(o -> (JsonObject) o).toList();
        String lastId = null;
        for (int i = 0; i < 3; i++) {
          JsonObject m = riveraLaptop.say(conv, "after the catch-up " + i);
          sent.put(m.getLong("seq"), m.getString("id"));
          lastId = m.getString("id");
        }
        rp2.await(message(lastId));
        List<JsonObject> live = rp2.all(messageIn(conv)).stream().map(e -> e.getJsonObject("message")).toList();

        assertNoRepeats("live events after the reconnect", live);
        assertNoRepeats("catch-up page", catchUp);
        assertTrue(catchUp.stream().allMatch(m -> m.getLong("seq") > lastSeen), "after=N returns only seq > N");
        List<Long> catchUpSeqs = catchUp.stream().map(m -> m.getLong("seq")).toList();
        assertEquals(catchUpSeqs.stream().sorted().toList(), catchUpSeqs, "catch-up is ascending by seq");
        assertTrue(catchUpSeqs.containsAll(whileDown), "everything sent while offline comes back in the catch-up");

        Map<Long, String> merged = new TreeMap<>();
        for (List<JsonObject> source : List.of(beforeDrop, live, catchUp)) {
          for (JsonObject m : source) {
            String prev = merged.putIfAbsent(m.getLong("seq"), m.getString("id"));
            assertTrue(prev == null || prev.equals(m.getString("id")), "one message per seq: " + m.getLong("seq"));
          }
        }
        long last = base + 28;
        assertEquals(LongStream.rangeClosed(base + 1, last).boxed().toList(), new ArrayList<>(merged.keySet()),
            "every seq present once, none missing");
        assertEquals(sent, merged, "exactly the sent messages");
      }

      // The laptop never dropped: it saw all 28, each once.
      for (String id : sent.values()) {
        rl.await(message(id));
        assertEquals(1, rl.count(message(id)));
      }
    }
  }

  private static void assertNoRepeats(String what, List<JsonObject> msgs) {
    Set<Long> seqs = new HashSet<>();
    for (JsonObject m : msgs) {
      assertTrue(seqs.add(m.getLong("seq")), what + ": seq " + m.getLong("seq") + " twice");
    }
  }

  // ---- idempotency ----------------------------------------------------------------------------

  private static long stored(String conversationId, String clientId) {
    return messages.countDocuments(Filters.and(Filters.eq("conversationId", conversationId), Filters.eq("clientId", clientId)));
  }

  @Test
  void aRetriedSendNeverCreatesASecondMessage() {
    Device chloe = Device.login(tandem, "chloe");
    Device chloeLaptop = Device.login(tandem, "chloe");
    Device rivera = Device.login(tandem, "rivera");
    String conv = Device.patientThread(chloe);
    try (LiveClient cs = chloe.live(); LiveClient rs = rivera.live()) {
      String clientId = Device.cid("retry");
      Http.Response first = chloe.send(conv, clientId, "Can I take the dose at night?").expect(201);
      assertFalse(first.json().getBoolean("duplicate"));
      JsonObject original = first.json().getJsonObject("message");

      Http.Response again = chloe.send(conv, clientId, "Can I take the dose at night?").expect(200);
      assertTrue(again.json().getBoolean("duplicate"));
      assertEquals(original.getString("id"), again.json().getJsonObject("message").getString("id"));
      assertEquals(original.getLong("seq"), again.json().getJsonObject("message").getLong("seq"));
      assertEquals("Can I take the dose at night?", again.json().getJsonObject("message").getString("body"));

      JsonObject overSocket = cs.request(sendFrame(conv, clientId, "Can I take the dose at night?"));
      assertEquals("send.ok", overSocket.getString("type"), overSocket::encode);
      assertTrue(overSocket.getBoolean("duplicate"));
      assertEquals(original.getString("id"), overSocket.getJsonObject("message").getString("id"));

      Http.Response otherDevice = chloeLaptop.send(conv, clientId, "Can I take the dose at night?").expect(200);
      assertTrue(otherDevice.json().getBoolean("duplicate"), "same user, another session: still the same message");
      assertEquals(original.getString("id"), otherDevice.json().getJsonObject("message").getString("id"));
      assertEquals(1, stored(conv, clientId));

      // The other way round: first over the socket, then the retry over HTTP.
      String clientId2 = Device.cid("retry-ws");
      JsonObject wsFirst = cs.request(sendFrame(conv, clientId2, "And with food?"));
      assertFalse(wsFirst.getBoolean("duplicate"), wsFirst::encode);
      Http.Response httpRetry = chloe.send(conv, clientId2, "And with food?").expect(200);
      assertTrue(httpRetry.json().getBoolean("duplicate"));
      assertEquals(wsFirst.getJsonObject("message").getString("id"), httpRetry.json().getJsonObject("message").getString("id"));
      assertEquals(1, stored(conv, clientId2));

      // A retry is not announced again.
      JsonObject barrier = chloe.say(conv, "thanks");
      rs.await(message(barrier.getString("id")));
      assertEquals(1, rs.count(message(original.getString("id"))));
      assertEquals(1, rs.count(message(wsFirst.getJsonObject("message").getString("id"))));
      assertEquals(original.getLong("seq") + 2, barrier.getLong("seq"), "retries use no sequence numbers");
    }
  }

  @Test
  void theSameClientIdFromAnotherSenderOrInAnotherConversationIsANewMessage() {
    Device ben = Device.login(tandem, "ben");
    Device rivera = Device.login(tandem, "rivera");
    String clientId = Device.cid("shared");
    JsonObject a = ben.send(Device.patientThread(ben), clientId, "from ben").expect(201).json().getJsonObject("message");
    JsonObject b = rivera.send(Device.patientThread(ben), clientId, "from rivera").expect(201).json().getJsonObject("message");
    JsonObject c = rivera.send(Device.teamThread(ben), clientId, "from rivera, team").expect(201).json().getJsonObject("message");
    assertNotEquals(a.getString("id"), b.getString("id"));
    assertNotEquals(b.getString("id"), c.getString("id"));
    assertEquals("from rivera", b.getString("body"));
    assertEquals(2, stored(Device.patientThread(ben), clientId));
    assertEquals(1, stored(Device.teamThread(ben), clientId));
  }

  /** One attempt: HTTP or the socket; the answer normalised to the POST response body. */
  private static Callable<JsonObject> attempt(Device d, LiveClient socket, String conv, String clientId, String body) {
    if (socket == null) {
      return () -> {
        Http.Response r = d.send(conv, clientId, body);
        assertTrue(r.status() == 200 || r.status() == 201, () -> "status " + r.status() + ": " + r.text());
        JsonObject j = r.json();
        assertEquals(r.status() == 200, j.getBoolean("duplicate"), "200 exactly for a duplicate");
        return j;
      };
    }
    return () -> {
      JsonObject j = socket.request(sendFrame(conv, clientId, body));
      assertEquals("send.ok", j.getString("type"), j::encode);
      return j;
    };
  }

  private static List<JsonObject> race(ExecutorService pool, Callable<JsonObject> a, Callable<JsonObject> b) throws Exception {
    CyclicBarrier gate = new CyclicBarrier(2);
    Future<JsonObject> fa = pool.submit(() -> {
      gate.await(5, TimeUnit.SECONDS);
      return a.call();
    });
    Future<JsonObject> fb = pool.submit(() -> {
      gate.await(5, TimeUnit.SECONDS);
      return b.call();
    });
    return List.of(fa.get(20, TimeUnit.SECONDS), fb.get(20, TimeUnit.SECONDS));
  }

  @Test
  void concurrentRetriesFromTwoDevicesStoreExactlyOneMessage() throws Exception {
    Device phone = Device.login(tandem, "chloe");
    Device laptop = Device.login(tandem, "chloe");
    String conv = Device.patientThread(phone);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (LiveClient laptopSocket = laptop.live()) {
      for (int round = 0; round < 8; round++) {
        String clientId = Device.cid("race" + round);
        String body = "racing retry " + round;
        // Even rounds: two HTTP requests; odd rounds: HTTP against the socket.
        List<JsonObject> answers = race(pool, attempt(phone, null, conv, clientId, body),
            attempt(laptop, round % 2 == 0 ? null : laptopSocket, conv, clientId, body));
        long originals = answers.stream().filter(j -> !j.getBoolean("duplicate")).count();
        assertEquals(1, originals, "exactly one original per clientId, round " + round + ": " + answers);
        assertEquals(answers.get(0).getJsonObject("message").getString("id"), answers.get(1).getJsonObject("message").getString("id"),
            "both answers name the same message, round " + round);
        assertEquals(body, answers.get(1).getJsonObject("message").getString("body"));
        assertEquals(1, stored(conv, clientId), "one stored message, round " + round);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void racingRetriesLeaveNoGapInTheSequenceNumbers() throws Exception {
    Device phone = Device.login(tandem, "rivera");
    Device laptop = Device.login(tandem, "rivera");
    Device okafor = Device.login(tandem, "okafor");
    Device ben = Device.login(tandem, "ben");
    String conv = Device.teamThread(ben);
    long base = phone.conversation(conv).getLong("lastSeq");
    JsonObject okaforBefore = okafor.conversation(conv);
    if (okaforBefore.getLong("lastSeq") > 0) {
      okafor.read(conv, okaforBefore.getLong("lastSeq")).expect(204);
    }
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 10; round++) {
        String clientId = Device.cid("gap" + round);
        race(pool, attempt(phone, null, conv, clientId, "handoff note " + round),
            attempt(laptop, null, conv, clientId, "handoff note " + round));
      }
    } finally {
      pool.shutdownNow();
    }
    JsonObject last = phone.say(conv, "last note");
    List<Long> seqs = phone.fullHistory(conv).stream().map(m -> m.getLong("seq")).filter(s -> s > base).toList();
    assertEquals(11, seqs.size(), "10 raced messages and one more are stored");
    assertAll(
        () -> assertEquals(LongStream.rangeClosed(base + 1, base + 11).boxed().toList(), seqs,
            "sequence numbers are 1, 2, 3… with no gaps (a client waiting for a missing seq would wait forever)"),
        () -> assertEquals(base + 11, last.getLong("seq"), "seq of the next message"),
        () -> assertEquals(base + 11, phone.conversation(conv).getLong("lastSeq"), "lastSeq in /conversations"),
        () -> assertEquals(11, okafor.conversation(conv).getLong("unread"), "unread counts real messages only"));
  }

  @Test
  void historyPagesBackFromTheLatestAndForwardFromASeqWithoutOverlap() {
    Device rivera = Device.login(tandem, "rivera");
    Device eve = Device.login(tandem, "eve");
    String conv = Device.teamThread(eve);
    long base = rivera.conversation(conv).getLong("lastSeq");
    for (int i = 1; i <= 53; i++) {
      rivera.say(conv, "note " + i);
    }
    long last = base + 53;
    List<Long> latest = rivera.history(conv, null).stream().map(o -> ((JsonObject) o).getLong("seq")).toList();
    assertEquals(LongStream.rangeClosed(last - 49, last).boxed().toList(), latest, "no parameters: the latest 50, ascending");
    List<Long> older = rivera.history(conv, "before=" + latest.get(0) + "&limit=2").stream()
        .map(o -> ((JsonObject) o).getLong("seq")).toList();
    assertEquals(List.of(last - 51, last - 50), older, "before=N: the page just before, ascending");
    assertEquals(List.of(last - 1, last), rivera.history(conv, "after=" + (last - 2)).stream()
        .map(o -> ((JsonObject) o).getLong("seq")).toList());
    assertEquals(0, rivera.history(conv, "after=" + last).size(), "nothing after the last");
    assertEquals("note 53", rivera.history(conv, "after=" + (last - 1)).getJsonObject(0).getString("body"));
  }

  // ---- receipts and unread counts ----------------------------------------------------------

  @Test
  void readReceiptsReachTheSenderAndClearUnreadOnEveryDevice() {
    Device ben = Device.login(tandem, "ben");
    Device riveraPhone = Device.login(tandem, "rivera");
    Device riveraLaptop = Device.login(tandem, "rivera");
    String conv = Device.patientThread(ben);
    long base = riveraPhone.conversation(conv).getLong("lastSeq");
    if (base > 0) {
      riveraPhone.read(conv, base).expect(204);
    }
    try (LiveClient bs = ben.live(); LiveClient rs = riveraPhone.live()) {
      for (int i = 1; i <= 3; i++) {
        assertEquals(base + i, ben.say(conv, "question " + i).getLong("seq"));
      }
      for (Device d : List.of(riveraPhone, riveraLaptop)) {
        JsonObject c = d.conversation(conv);
        assertEquals(3, c.getLong("unread"), "unread on each of rivera's devices");
        assertEquals(base, c.getLong("readSeq"));
        assertEquals(base + 3, c.getLong("lastSeq"));
        assertTrue(d.conversations().getLong("unread") >= 3, "total unread includes the thread");
      }
      JsonObject benSide = ben.conversation(conv);
      assertEquals(0, benSide.getLong("unread"), "the sender's own messages count as read");
      assertEquals(base + 3, benSide.getLong("readSeq"));

      Predicate<JsonObject> riverasReceipts = e -> "receipt".equals(e.getString("type")) && conv.equals(e.getString("conversationId"))
          && riveraPhone.userId.equals(e.getString("userId")) && e.containsKey("readSeq");
      riveraPhone.read(conv, base + 3).expect(204);
      JsonObject receipt = bs.await(riverasReceipts.and(e -> e.getLong("readSeq") == base + 3));
      assertNull(receipt.getValue("deliveredSeq"));
      for (Device d : List.of(riveraPhone, riveraLaptop)) {
        JsonObject c = d.conversation(conv);
        assertEquals(0, c.getLong("unread"), "read on one device clears unread on every device");
        assertEquals(base + 3, c.getLong("readSeq"));
      }

      // Reading an older position never moves the read position back, not even in what the sender is told.
      riveraLaptop.read(conv, base + 1).expect(204);
      assertEquals(base + 3, riveraPhone.conversation(conv).getLong("readSeq"));
      assertEquals(0, riveraLaptop.conversation(conv).getLong("unread"));
      JsonObject barrier = riveraPhone.say(conv, "I read them all");
      bs.await(message(barrier.getString("id")));
      List<Long> told = bs.all(riverasReceipts).stream().map(e -> e.getLong("readSeq")).toList();
      assertEquals(told.stream().sorted().toList(), told, "read receipts the sender sees never go backwards: " + told);
      assertTrue(told.stream().allMatch(s -> s >= base + 3), "no receipt below the stored read position: " + told);

      // A read position past the end does not swallow the next message.
      riveraPhone.read(conv, base + 1000).expect(204);
      JsonObject next = ben.say(conv, "one more");
      assertEquals(1, riveraLaptop.conversation(conv).getLong("unread"));

      // Over the socket: delivered (no answer; the sender gets a receipt) and read (answered read.ok).
      rs.send(new JsonObject().put("type", "delivered").put("conversationId", conv).put("seq", next.getLong("seq")));
      bs.await(e -> "receipt".equals(e.getString("type")) && riveraPhone.userId.equals(e.getString("userId"))
          && Long.valueOf(next.getLong("seq")).equals(e.getLong("deliveredSeq")));
      JsonObject readOk = rs.request(new JsonObject().put("type", "read").put("conversationId", conv).put("seq", next.getLong("seq")));
      assertEquals("read.ok", readOk.getString("type"), readOk::encode);
      assertEquals(0, riveraLaptop.conversation(conv).getLong("unread"));
      assertEquals(next.getLong("seq"), riveraLaptop.conversation(conv).getLong("readSeq"));
    }
  }

  // ---- bad frames and refused upgrades -----------------------------------------------------

  @Test
  void badFramesGetAnErrorFrameStoreNothingAndLeaveTheSocketOpen() {
    Device ana = Device.login(tandem, "ana");
    String conv = Device.patientThread(ana);
    String clientId = Device.cid("bad");
    try (LiveClient s = ana.live()) {
      long before = messages.countDocuments();
      List<String> unparseable = List.of("this is not json", "{\"type\":\"send\"", "[1,2,3]", "null", "42", "\"send\"", "");
      for (int i = 0; i < unparseable.size(); i++) {
        s.sendText(unparseable.get(i));
        JsonObject err = s.awaitCount(type("error"), i + 1, LiveClient.WAIT).get(i);
        assertError(err, "frame " + unparseable.get(i));
      }
      List<JsonObject> bad = List.of(
          new JsonObject(),
          new JsonObject().put("type", "teleport"),
          new JsonObject().put("type", 42),
          sendFrame(conv, "bad id!", "hello"),
          sendFrame(conv, "x".repeat(65), "hello"),
          sendFrame(conv, clientId, "x".repeat(4001)),
          sendFrame(conv, clientId, ""),
          sendFrame(conv, clientId, "   \n  "),
          sendFrame(conv, clientId, "hi").put("extra", true),
          sendFrame(conv, clientId, "hi").put("conversationId", new JsonObject().put("$gt", "")),
          sendFrame(conv, clientId, "hi").put("clientId", new JsonObject().put("$gt", "")),
          sendFrame(conv, clientId, "hi").put("body", new JsonObject().put("$gt", "")),
          new JsonObject().put("type", "send").put("conversationId", conv).put("clientId", clientId),
          sendFrame("t-" + ana.userId, clientId, "into the team thread"),
          sendFrame("p-nobody", clientId, "unknown thread"),
          new JsonObject().put("type", "read").put("conversationId", conv).put("seq", "3"),
          new JsonObject().put("type", "read").put("conversationId", conv).put("seq", 0),
          new JsonObject().put("type", "read").put("conversationId", conv).put("seq", -1),
          new JsonObject().put("type", "read").put("conversationId", conv).put("seq", 1.5),
          new JsonObject().put("type", "read").put("conversationId", conv).put("seq", new JsonObject().put("$gt", 0)),
          new JsonObject().put("type", "read").put("conversationId", conv),
          new JsonObject().put("type", "delivered").put("conversationId", conv).put("seq", "1"));
      for (JsonObject frame : bad) {
        JsonObject answer = s.request(frame);
        assertError(answer, "frame " + frame.encode());
      }
      assertTrue(s.isOpen(), "the socket stays open after bad frames");
      assertEquals(before, messages.countDocuments(), "bad frames store nothing");
      JsonObject pong = s.request(new JsonObject().put("type", "ping"));
      assertEquals("pong", pong.getString("type"));
      JsonObject ok = s.request(sendFrame(conv, clientId, "and now a good one"));
      assertEquals("send.ok", ok.getString("type"), ok::encode);
      assertEquals(before + 1, messages.countDocuments());
    }
  }

  private static void assertError(JsonObject answer, String what) {
    assertEquals("error", answer.getString("type"), () -> what + " -> " + answer.encode());
    JsonObject error = answer.getJsonObject("error");
    assertNotNull(error, what);
    String code = error.getString("code");
    assertNotNull(code, what);
    assertNotEquals("internal_error", code, () -> what + " -> " + answer.encode());
    assertFalse(error.getString("message", "").isBlank(), what);
  }

  @Test
  void theLiveSocketRefusesForeignOriginsAndCallersWithoutASession() {
    Device rivera = Device.login(tandem, "rivera");
    int port = tandem.port();
    String bearer = "Bearer " + rivera.token;
    Map<String, Map<String, String>> refused403 = new HashMap<>();
    refused403.put("foreign site", Map.of("Authorization", bearer, "Origin", "https://evil.example"));
    refused403.put("same host, other port", Map.of("Authorization", bearer, "Origin", "http://127.0.0.1:1"));
    refused403.put("look-alike host", Map.of("Authorization", bearer, "Origin", "http://127.0.0.1." + port + ".evil.example"));
    refused403.forEach((what, headers) -> {
      LiveClient.Raw r = LiveClient.upgrade(port, headers);
      assertEquals(403, r.status(), what + ": " + r.body());
      assertEquals("forbidden", r.json().getJsonObject("error").getString("code"), what);
    });
    Map<String, Map<String, String>> refused401 = Map.of(
        "no credentials", Map.of(),
        "unknown bearer", Map.of("Authorization", "Bearer not-a-real-session-token"),
        "unknown cookie", Map.of("Cookie", "tandem_session=not-a-real-session-token"));
    refused401.forEach((what, headers) -> {
      LiveClient.Raw r = LiveClient.upgrade(port, headers);
      assertEquals(401, r.status(), what + ": " + r.body());
      assertNotNull(r.json().getJsonObject("error").getString("code"), what);
    });

    // Controls: our own origin with a bearer, and a browser's session cookie, are let in.
    assertEquals(101, LiveClient.upgrade(port, Map.of("Authorization", bearer, "Origin", "http://127.0.0.1:" + port)).status());
    Http browser = tandem.signedIn("rivera");
    HttpCookie session = browser.cookies().getCookieStore().getCookies().stream()
        .filter(c -> c.getName().equals("tandem_session")).findFirst().orElseThrow();
    assertEquals(101, LiveClient.upgrade(port, Map.of("Cookie", "tandem_session=" + session.getValue(),
        "Origin", "http://127.0.0.1:" + port)).status());
  }
}

package dev.tandem.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Sorts;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.MongoClientBulkWriteResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bulk writes handed to the embedded engine in process ({@link InProcessWrites}) against the same
 * writes sent over the socket by the MongoDB driver (what an external MongoDB gets): each step
 * runs on two fresh embedded stores, one each way, and must give the same result or the same
 * error (class, write error indexes and codes), and in the end the same stored documents, field
 * order and BSON types included, before and after a restart (the journal recorded the same).
 */
class InProcessWritesTest {
  @TempDir
  Path dirA;
  @TempDir
  Path dirB;

  private Vertx vertx;
  private EmbeddedMongo emA;
  private EmbeddedMongo emB;
  private Store direct;
  private Store wire;

  @BeforeEach
  void open() throws Exception {
    vertx = Vertx.vertx();
    emA = EmbeddedMongo.startFile(dirA, "127.0.0.1", 0, false);
    emB = EmbeddedMongo.startFile(dirB, "127.0.0.1", 0, false);
    direct = Store.over(vertx, emA, "t");
    wire = Store.over(vertx, emB.connectionString(), "t");
    // "u" has a unique key (every document there carries one: a missing key counts as null, and
    // two nulls collide); "c" only an index the engine ignores.
    List<Store.Index> indexes = List.of(Store.Index.unique("u", "u_email", new JsonObject().put("email", 1)),
        Store.Index.plain("c", "c_group", new JsonObject().put("group", 1)));
    await(() -> direct.ensureIndexes(indexes));
    await(() -> wire.ensureIndexes(indexes));
  }

  @AfterEach
  void close() throws Exception {
    await(() -> direct.close());
    await(() -> wire.close());
    emA.close();
    emB.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static <T> T await(Supplier<Future<T>> f) throws Exception {
    return f.get().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** One bulk write both ways; the outcomes must match. Returns whether it took the in-process path. */
  private boolean both(String collection, List<BulkOperation> ops, boolean ordered) throws Exception {
    long before = InProcessWrites.TAKEN.get();
    String a = outcome(direct, collection, copy(ops), ordered);
    boolean taken = InProcessWrites.TAKEN.get() > before;
    String b = outcome(wire, collection, copy(ops), ordered);
    assertEquals(b, a, "outcome of " + ops.size() + " ops, first " + ops.get(0).toJson());
    return taken;
  }

  private static List<BulkOperation> copy(List<BulkOperation> ops) {
    List<BulkOperation> out = new ArrayList<>();
    ops.forEach(o -> out.add(new BulkOperation(o.toJson().copy())));
    return out;
  }

  private static String outcome(Store s, String collection, List<BulkOperation> ops, boolean ordered) throws Exception {
    try {
      MongoClientBulkWriteResult r = await(() -> s.mongo().bulkWriteWithOptions(collection, ops, new BulkWriteOptions(ordered)));
      return "ok " + r.toJson().encode();
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable t = e.getCause();
      if (t instanceof MongoBulkWriteException b) {
        StringBuilder sb = new StringBuilder("bulk error, inserted " + b.getWriteResult().getInsertedCount() + ", matched "
            + b.getWriteResult().getMatchedCount() + ", modified " + b.getWriteResult().getModifiedCount() + ", upserts "
            + b.getWriteResult().getUpserts().size() + ":");
        for (BulkWriteError w : b.getWriteErrors()) {
          sb.append(' ').append(w.getIndex()).append('/').append(w.getCode());
        }
        sb.append(StoreErrors.isDuplicateKey(t) ? " duplicate" : "");
        return sb.toString();
      }
      if (t instanceof MongoException m) {
        return "error " + m.getClass().getSimpleName() + " " + m.getCode();
      }
      return "failure " + t.getClass().getName();
    }
  }

  private List<Document> stored(EmbeddedMongo em, String collection) {
    try (MongoClient c = MongoClients.create(em.connectionString())) {
      return c.getDatabase("t").getCollection(collection).find().sort(Sorts.ascending("_id")).into(new ArrayList<>());
    }
  }

  private void sameDocuments(String collection) {
    List<Document> a = stored(emA, collection);
    List<Document> b = stored(emB, collection);
    assertEquals(b.size(), a.size(), collection);
    for (int i = 0; i < a.size(); i++) {
      // toJson in relaxed-off (canonical) mode spells every BSON type: an int32 is not an int64 or a double.
      assertEquals(b.get(i).toJson(), a.get(i).toJson(), collection + " #" + i);
    }
  }

  private static BulkOperation insert(JsonObject d) {
    return BulkOperation.createInsert(d);
  }

  private static BulkOperation update(JsonObject q, JsonObject u, boolean upsert, boolean multi) {
    return BulkOperation.createUpdate(q, u, upsert, multi);
  }

  private static JsonObject id(Object id) {
    return new JsonObject().put("_id", id);
  }

  @Test
  void insertsGiveTheSameDocumentsResultsAndErrors() throws Exception {
    JsonObject rich = new JsonObject().put("name", "Ana ñ 漢字 \u0000x").put("i", 7).put("l", 1L << 40).put("d", 2.5)
        .put("whole", 3.0).put("neg", -0.0).put("t", true).put("f", false).putNull("nothing")
        .put("nested", new JsonObject().put("a", new JsonArray().add(1).addNull().add("x").add(new JsonObject().put("k", 1L))
            .add(new JsonArray().add(new JsonArray()))).put("empty", new JsonObject()))
        .put("_id", "late-id");
    assertTrue(both("c", List.of(insert(rich), insert(id("a").put("email", "a@x")), insert(id(5).put("email", "b@x")),
        insert(id(6L)), insert(id(1.5))), false));
    // Duplicate ids and a duplicate unique key, unordered: the rest land.
    assertTrue(both("u", List.of(insert(id("a").put("email", "a@x")), insert(id("b").put("email", "b@x"))), false));
    assertTrue(both("u", List.of(insert(id("c").put("email", "c@x")), insert(id("a").put("email", "z@x")),
        insert(id("d").put("email", "a@x")), insert(id("e").put("email", "e@x"))), false));
    assertTrue(both("c", List.of(insert(id("b")), insert(id("a")), insert(id("d"))), false));
    // Ordered: stops at the first error.
    assertTrue(both("c", List.of(insert(id("e")), insert(id("e")), insert(id("f"))), true));
    // A single duplicate (what a retried upload is).
    assertTrue(both("c", List.of(insert(id("f"))), false));
    // Field names the driver and the engine have opinions on.
    both("c", List.of(insert(id("g").put("a.b", 1))), false);
    both("c", List.of(insert(id("h").put("$bad", 1))), false);
    both("c", List.of(insert(id("i").put("inner", new JsonObject().put("$x", 1)))), false);
    // Not taken (the driver's way on both sides): extended JSON, no _id, a delete, mixed kinds.
    assertTrue(!both("c", List.of(insert(id("j").put("when", new JsonObject().put("$date", "2026-11-28T05:00:00Z")))), false));
    assertTrue(!both("c", List.of(BulkOperation.createDelete(id("b"))), false));
    assertTrue(!both("c", List.of(insert(id("k")), update(id("k"), new JsonObject().put("$set", new JsonObject().put("x", 1)),
        false, false)), true));
    sameDocuments("c");
    sameDocuments("u");
  }

  @Test
  void updatesGiveTheSameDocumentsResultsAndErrors() throws Exception {
    List<BulkOperation> seed = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      seed.add(insert(id("p" + i).put("group", i % 3).put("email", "p" + i + "@x").put("rev", 0).put("n", i)
          .put("doc", new JsonObject().put("list", new JsonArray().add(i)).put("s", "v" + i))));
    }
    assertTrue(both("u", seed, false));
    JsonObject set = new JsonObject().put("$set", new JsonObject().put("doc.s", "changed").put("instruments.daily",
        new JsonObject().put("latest", new JsonObject().put("total", 3).put("at", "2026-11-28T05:00:00.000000000Z"))));
    assertTrue(both("u", List.of(
        update(id("p1"), set, false, false),
        update(id("p2"), new JsonObject().put("$inc", new JsonObject().put("n", 5)).put("$push",
            new JsonObject().put("doc.list", new JsonObject().put("$each", new JsonArray().add(7).add(8)))), false, false),
        update(id("p3"), new JsonObject().put("$unset", new JsonObject().put("doc", "")), false, false),
        update(id("p4"), new JsonObject().put("$set", new JsonObject().put("n", 4)), false, false), // no change
        update(id("nope"), set, false, false), // matches nothing
        update(id("new1"), new JsonObject().put("$setOnInsert", new JsonObject().put("created", 1).put("email", "new1@x")).put("$push",
            new JsonObject().put("points", new JsonObject().put("v", 1))), true, false), // upsert inserts
        update(id("p5"), new JsonObject().put("$setOnInsert", new JsonObject().put("created", 1)), true, false),
        update(new JsonObject().put("group", 1), new JsonObject().put("$set", new JsonObject().put("g1", true)), false, true)),
        false));
    assertTrue(both("u", List.of(update(id("p4"), set, false, false), update(id("p5"), set, false, false)), true));
    // Compare-and-set replacements: one wins, one loses; a replacement keeps the stored _id.
    assertTrue(both("u", List.of(
        BulkOperation.createReplace(id("p6").put("rev", 0), new JsonObject().put("rev", 1).put("email", "p6@x")
            .put("hits", new JsonArray().add("x"))),
        BulkOperation.createReplace(id("p7").put("rev", 9), new JsonObject().put("rev", 10).put("email", "p7@x")),
        BulkOperation.createReplace(id("new2").put("rev", 0), id("new2").put("rev", 1).put("email", "new2@x"), true)), false));
    // Errors: $inc on a string, a unique key taken, the _id changed; unordered and ordered.
    List<BulkOperation> bad = List.of(
        update(id("p8"), new JsonObject().put("$inc", new JsonObject().put("email", 1)), false, false),
        update(id("p9"), new JsonObject().put("$set", new JsonObject().put("email", "p10@x")), false, false),
        BulkOperation.createReplace(id("p11"), id("other").put("x", 1).put("email", "p11@x")),
        update(id("p12"), new JsonObject().put("$set", new JsonObject().put("ok", 1)), false, false));
    assertTrue(both("u", bad, false));
    assertTrue(both("u", List.of(bad.get(3), bad.get(1), update(id("p13"), set, false, false)), true));
    // A write the engine refuses as a whole (a bad operator) answers alike.
    both("u", List.of(update(id("p14"), new JsonObject().put("$nonsense", new JsonObject().put("x", 1)), false, false)), false);
    // An update to a collection that does not exist yet creates it the same way.
    assertTrue(both("fresh", List.of(update(id("x"), new JsonObject().put("$set", new JsonObject().put("v", 1)), true, false)), false));
    sameDocuments("u");
    sameDocuments("fresh");
  }

  @Test
  void randomWritesLeaveTheSameStoreBeforeAndAfterARestart() throws Exception {
    Random rnd = new Random(42);
    for (int round = 0; round < 60; round++) {
      List<BulkOperation> ops = new ArrayList<>();
      boolean inserts = rnd.nextBoolean();
      int n = 1 + rnd.nextInt(12);
      for (int i = 0; i < n; i++) {
        String key = "r" + rnd.nextInt(40);
        if (inserts) {
          ops.add(insert(id(key).put("v", randomValue(rnd, 3)).put("email", rnd.nextInt(5) == 0 ? "e" + rnd.nextInt(10) : null)));
        } else {
          JsonObject u = new JsonObject();
          switch (rnd.nextInt(4)) {
            case 0 -> u.put("$set", new JsonObject().put("v." + rnd.nextInt(3), randomValue(rnd, 2)));
            case 1 -> u.put("$inc", new JsonObject().put("count", rnd.nextInt(3)));
            case 2 -> u.put("$push", new JsonObject().put("log", randomValue(rnd, 1)));
            default -> u.put("$setOnInsert", new JsonObject().put("first", round)).put("$set", new JsonObject().put("round", round));
          }
          ops.add(update(id(key), u, rnd.nextBoolean(), false));
        }
      }
      both("r", ops, rnd.nextInt(4) == 0);
    }
    sameDocuments("r");
    List<Document> beforeRestart = stored(emA, "r");
    await(() -> direct.close());
    emA.close();
    emA = EmbeddedMongo.startFile(dirA, "127.0.0.1", 0, false);
    direct = Store.over(vertx, emA, "t");
    List<Document> after = stored(emA, "r");
    assertEquals(beforeRestart.stream().map(Document::toJson).toList(), after.stream().map(Document::toJson).toList());
  }

  private static Object randomValue(Random rnd, int depth) {
    switch (rnd.nextInt(depth > 0 ? 8 : 6)) {
      case 0:
        return rnd.nextInt(100);
      case 1:
        return rnd.nextLong();
      case 2:
        return rnd.nextDouble();
      case 3:
        return "s" + rnd.nextInt(1000);
      case 4:
        return rnd.nextBoolean();
      case 5:
        return null;
      case 6: {
        JsonObject o = new JsonObject();
        for (int i = rnd.nextInt(4); i > 0; i--) {
          o.put("k" + rnd.nextInt(5), randomValue(rnd, depth - 1));
        }
        return o;
      }
      default: {
        JsonArray a = new JsonArray();
        for (int i = rnd.nextInt(4); i > 0; i--) {
          a.add(randomValue(rnd, depth - 1));
        }
        return a;
      }
    }
  }
}

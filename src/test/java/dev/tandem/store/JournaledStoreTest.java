package dev.tandem.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Updates;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;

/** The embedded store's journal: what was written comes back after a restart, a crash or a compaction. */
class JournaledStoreTest {

  private interface Body {
    void run(MongoDatabase db) throws Exception;
  }

  private static void withStore(Path dir, Body body) throws Exception {
    try (EmbeddedMongo em = EmbeddedMongo.startFile(dir, "127.0.0.1", 0, false);
        MongoClient client = MongoClients.create(em.connectionString())) {
      body.run(client.getDatabase("t"));
    }
  }

  @Test
  void insertsUpdatesDeletesAndDropsSurviveARestart() throws Exception {
    Path dir = Files.createTempDirectory("journal");
    ObjectId oid = new ObjectId();
    withStore(dir, db -> {
      db.getCollection("a").insertMany(List.of(new Document("_id", "x").append("n", 1),
          new Document("_id", "y").append("n", 2), new Document("_id", 7).append("n", 3),
          new Document("_id", oid).append("nested", new Document("k", List.of(1, 2)))));
      db.getCollection("a").updateOne(new Document("_id", "x"), Updates.combine(Updates.inc("n", 10), Updates.set("s", "é")));
      db.getCollection("a").deleteOne(new Document("_id", "y"));
      db.getCollection("gone").insertOne(new Document("_id", "z"));
      db.getCollection("gone").drop();
    });
    withStore(dir, db -> {
      assertEquals(11, db.getCollection("a").find(new Document("_id", "x")).first().getInteger("n"));
      assertEquals("é", db.getCollection("a").find(new Document("_id", "x")).first().getString("s"));
      assertNull(db.getCollection("a").find(new Document("_id", "y")).first());
      assertEquals(3, db.getCollection("a").find(new Document("_id", 7)).first().getInteger("n"));
      assertEquals(List.of(1, 2), db.getCollection("a").find(new Document("_id", oid)).first()
          .get("nested", Document.class).getList("k", Integer.class));
      assertEquals(0, db.getCollection("gone").countDocuments());
    });
  }

  @Test
  void uniqueIndexesAreEnforcedOverReloadedData() throws Exception {
    Path dir = Files.createTempDirectory("journal");
    withStore(dir, db -> db.getCollection("u").insertOne(new Document("_id", "1").append("email", "a@b")));
    withStore(dir, db -> {
      db.getCollection("u").createIndex(new Document("email", 1), new IndexOptions().unique(true));
      assertThrows(MongoWriteException.class,
          () -> db.getCollection("u").insertOne(new Document("_id", "2").append("email", "a@b")));
    });
  }

  /**
   * FastUniqueIndex skips the key comparison when an update left every key field the same object:
   * updates that do change a key (top-level, dotted, or to a taken value) must still move or
   * refuse the index entry, before and after a restart.
   */
  @Test
  void uniqueKeysChangedByUpdatesAreReindexedAndStillEnforced() throws Exception {
    Path dir = Files.createTempDirectory("journal");
    withStore(dir, db -> {
      var u = db.getCollection("u");
      u.createIndex(new Document("email", 1), new IndexOptions().unique(true));
      u.createIndex(new Document("profile.handle", 1), new IndexOptions().unique(true).sparse(true));
      u.insertMany(List.of(new Document("_id", "1").append("email", "a@b").append("n", 0),
          new Document("_id", "2").append("email", "c@d").append("n", 0)));
      u.updateOne(new Document("_id", "1"), Updates.inc("n", 1)); // keys untouched
      u.updateOne(new Document("_id", "1"), Updates.set("email", "new@b")); // top-level key moved
      u.updateOne(new Document("_id", "2"), Updates.set("profile", new Document("handle", "dee"))); // dotted key added
      assertEquals("1", u.find(new Document("email", "new@b")).first().getString("_id"));
      assertNull(u.find(new Document("email", "a@b")).first());
      u.insertOne(new Document("_id", "3").append("email", "a@b")); // the old key is free again
      assertThrows(MongoWriteException.class, () -> u.updateOne(new Document("_id", "3"), Updates.set("email", "c@d")));
      assertThrows(MongoWriteException.class,
          () -> u.updateOne(new Document("_id", "1"), Updates.set("profile", new Document("handle", "dee"))));
      u.updateOne(new Document("_id", "2"), Updates.inc("n", 1)); // keys untouched, the sparse one set
      assertEquals("c@d", u.find(new Document("_id", "2")).first().getString("email"));
      assertEquals(1, u.find(new Document("_id", "1")).first().getInteger("n"));
      // Whole-document replacements (a path of their own): a key moves, a collision changes nothing.
      u.replaceOne(new Document("_id", "3"), new Document("email", "moved@b").append("n", 5));
      assertEquals("3", u.find(new Document("email", "moved@b")).first().getString("_id"));
      assertNull(u.find(new Document("email", "a@b")).first());
      assertThrows(MongoWriteException.class, () -> u.replaceOne(new Document("_id", "3"), new Document("email", "c@d")));
      assertEquals(new Document("_id", "3").append("email", "moved@b").append("n", 5), u.find(new Document("_id", "3")).first());
      u.replaceOne(new Document("_id", "3"), new Document("email", "a@b"));
    });
    withStore(dir, db -> {
      var u = db.getCollection("u");
      // As Tandem does at every start: indexes are (re)created idempotently over the reloaded data.
      u.createIndex(new Document("email", 1), new IndexOptions().unique(true));
      u.createIndex(new Document("profile.handle", 1), new IndexOptions().unique(true).sparse(true));
      assertEquals("1", u.find(new Document("email", "new@b")).first().getString("_id"));
      assertEquals("3", u.find(new Document("email", "a@b")).first().getString("_id"));
      assertThrows(MongoWriteException.class, () -> u.insertOne(new Document("_id", "4").append("email", "new@b")));
      assertThrows(MongoWriteException.class,
          () -> u.insertOne(new Document("_id", "5").append("profile", new Document("handle", "dee"))));
    });
  }

  @Test
  void aTornRecordAtTheEndIsCutOffAndEverythingBeforeItKept() throws Exception {
    Path dir = Files.createTempDirectory("journal");
    withStore(dir, db -> {
      for (int i = 0; i < 50; i++) {
        db.getCollection("c").insertOne(new Document("_id", "d" + i).append("v", "x".repeat(100)));
      }
    });
    Path journal = onlyJournal(dir);
    // A write the process never finished: a record header promising more bytes than follow.
    try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.APPEND)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {0, 0, 1, 0, 9, 9, 9, 9, 'P', 't', 0}));
    }
    long torn = Files.size(journal);
    withStore(dir, db -> {
      assertEquals(50, db.getCollection("c").countDocuments());
      db.getCollection("c").insertOne(new Document("_id", "after"));
    });
    withStore(dir, db -> assertEquals(51, db.getCollection("c").countDocuments()));
    assertTrue(torn > 0);
  }

  @Test
  void aFlippedByteInTheLastRecordDropsOnlyThatRecord() throws Exception {
    Path dir = Files.createTempDirectory("journal");
    withStore(dir, db -> db.getCollection("c").insertOne(new Document("_id", "keep")));
    // After the restart's snapshot, append one more record and corrupt it.
    withStore(dir, db -> db.getCollection("c").insertOne(new Document("_id", "torn").append("v", "abcdef")));
    Path journal = onlyJournal(dir);
    byte[] bytes = Files.readAllBytes(journal);
    bytes[bytes.length - 3] ^= 0x55;
    Files.write(journal, bytes);
    withStore(dir, db -> {
      assertEquals(1, db.getCollection("c").countDocuments(new Document("_id", "keep")));
      assertEquals(0, db.getCollection("c").countDocuments(new Document("_id", "torn")));
    });
  }

  @Test
  void compactionRewritesTheJournalToTheLiveDocumentsOnly() throws Exception {
    Path dir = Files.createTempDirectory("journal");
    try (EmbeddedMongo em = EmbeddedMongo.startFile(dir, "127.0.0.1", 0, false);
        MongoClient client = MongoClients.create(em.connectionString())) {
      var c = client.getDatabase("t").getCollection("counter");
      c.insertOne(new Document("_id", "k").append("n", 0).append("pad", "p".repeat(500)));
      for (int i = 0; i < 300; i++) {
        c.updateOne(new Document("_id", "k"), Updates.inc("n", 1));
      }
      long before = storeBytes(dir);
      em.compact();
      long after = storeBytes(dir);
      assertTrue(after * 50 < before, "compacted " + before + " -> " + after + " bytes");
      c.updateOne(new Document("_id", "k"), Updates.inc("n", 1));
    }
    withStore(dir, db -> assertEquals(301, db.getCollection("counter").find().first().getInteger("n")));
  }

  @Test
  void writesThatRaceACompactionAllSurviveARestart() throws Exception {
    Path dir = Files.createTempDirectory("journal");
    int writes;
    try (EmbeddedMongo em = EmbeddedMongo.startFile(dir, "127.0.0.1", 0, false);
        MongoClient client = MongoClients.create(em.connectionString())) {
      var bulk = client.getDatabase("t").getCollection("bulk");
      List<Document> docs = new ArrayList<>();
      for (int i = 0; i < 20_000; i++) {
        docs.add(new Document("_id", "b" + i).append("n", i).append("pad", "p".repeat(200)));
      }
      bulk.insertMany(docs);
      var hot = client.getDatabase("t").getCollection("hot");
      for (int i = 0; i < 10; i++) {
        hot.insertOne(new Document("_id", "h" + i).append("n", 0).append("log", new ArrayList<>()));
      }
      // Writers keep changing documents in place (and adding and removing others) while the
      // snapshot is written; the compaction must neither wait for them nor lose what they did.
      var stop = new java.util.concurrent.atomic.AtomicBoolean();
      var count = new java.util.concurrent.atomic.AtomicInteger();
      Thread writer = new Thread(() -> {
        for (int i = 0; !stop.get() || i < 200; i++) {
          hot.updateOne(new Document("_id", "h" + (i % 10)), Updates.combine(Updates.inc("n", 1), Updates.push("log", i)));
          bulk.insertOne(new Document("_id", "new" + i).append("n", i));
          bulk.deleteOne(new Document("_id", "b" + i));
          count.incrementAndGet();
        }
      });
      writer.start();
      em.compact();
      em.compact();
      stop.set(true);
      writer.join();
      writes = count.get();
      try (Stream<Path> files = Files.list(dir)) {
        List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
        assertEquals(List.of("journal-3.log", "snapshot-3.log"), names, "older generations removed");
      }
    }
    withStore(dir, db -> {
      long n = 0;
      for (Document d : db.getCollection("hot").find()) {
        n += d.getInteger("n");
        assertEquals(d.getInteger("n"), d.getList("log", Integer.class).size());
      }
      assertEquals(writes, n);
      assertEquals(20_000, db.getCollection("bulk").countDocuments());
      assertEquals(writes, db.getCollection("bulk").countDocuments(new Document("_id", new Document("$regex", "^new"))));
    });
  }

  @Test
  void aCompactionCutShortLeavesEverythingReadable() throws Exception {
    Path dir = Files.createTempDirectory("journal");
    try (EmbeddedMongo em = EmbeddedMongo.startFile(dir, "127.0.0.1", 0, false);
        MongoClient client = MongoClients.create(em.connectionString())) {
      var c = client.getDatabase("t").getCollection("c");
      c.insertOne(new Document("_id", "before").append("n", 1));
      em.compact();
      c.insertOne(new Document("_id", "after").append("n", 2));
      c.updateOne(new Document("_id", "before"), Updates.set("n", 3));
    }
    // The process died after switching to generation 3 and while writing its snapshot.
    Files.write(dir.resolve("journal-3.log"), new byte[0]);
    Files.write(dir.resolve("snapshot-3.tmp"), new byte[] {1, 2, 3});
    withStore(dir, db -> {
      assertEquals(3, db.getCollection("c").find(new Document("_id", "before")).first().getInteger("n"));
      assertEquals(2, db.getCollection("c").find(new Document("_id", "after")).first().getInteger("n"));
      db.getCollection("c").insertOne(new Document("_id", "later"));
    });
    assertFalse(Files.exists(dir.resolve("snapshot-3.tmp")));
    withStore(dir, db -> assertEquals(3, db.getCollection("c").countDocuments()));
  }

  @Test
  void queriesOnIdAndOtherFieldsMatchExactlyWhatTheyAskFor() throws Exception {
    Path dir = Files.createTempDirectory("journal");
    withStore(dir, db -> {
      var c = db.getCollection("cas");
      for (int i = 0; i < 50; i++) {
        c.insertOne(new Document("_id", "d" + i).append("rev", (long) (i % 3)).append("k", i % 2 == 0 ? "even" : "odd"));
      }
      c.insertOne(new Document("_id", new Document("a", 1)).append("rev", 0L));
      // compare-and-set: only the matching revision is replaced
      assertEquals(0, c.replaceOne(new Document("_id", "d4").append("rev", 2L), new Document("rev", 9L)).getMatchedCount());
      assertEquals(1, c.replaceOne(new Document("_id", "d4").append("rev", 1L), new Document("rev", 2L)).getMatchedCount());
      assertEquals(2L, c.find(new Document("_id", "d4")).first().getLong("rev"));
      assertEquals(0, c.countDocuments(new Document("_id", "missing").append("rev", 0L)));
      assertEquals(List.of("d2", "d8"), c.find(new Document("_id", new Document("$in", List.of("d2", "d3", "d8", "nope")))
          .append("k", "even")).sort(new Document("_id", 1)).map(d -> d.getString("_id")).into(new ArrayList<>()));
      assertEquals(1, c.countDocuments(new Document("_id", new Document("$eq", "d3")).append("k", "odd")));
      assertEquals(1, c.countDocuments(new Document("_id", new Document("a", 1)).append("rev", 0L)));
      assertEquals(3, c.countDocuments(new Document("_id", new Document("$gte", "d7")).append("rev", new Document("$gte", 0L))));
    });
  }

  @Test
  void aStoreFileFromTandem01IsImportedAndSetAside() throws Exception {
    Path dir = Files.createTempDirectory("journal");
    Path legacy = dir.resolve("tandem.mv.db");
    MVStore mv = new MVStore.Builder().fileName(legacy.toString()).open();
    var old = new de.bwaldvogel.mongo.MongoServer(new de.bwaldvogel.mongo.backend.h2.H2Backend(mv));
    var address = old.bind();
    try (MongoClient client = MongoClients.create("mongodb://127.0.0.1:" + address.getPort())) {
      client.getDatabase("t").getCollection("users").insertOne(new Document("_id", "u1").append("name", "Ana"));
      client.getDatabase("t").getCollection("messages").insertOne(new Document("_id", "m1").append("seq", 1L));
    } finally {
      old.shutdownNow();
      mv.close();
    }
    withStore(dir, db -> {
      assertEquals("Ana", db.getCollection("users").find().first().getString("name"));
      assertEquals(1L, db.getCollection("messages").find().first().getLong("seq"));
    });
    assertFalse(Files.exists(legacy));
    assertTrue(Files.exists(dir.resolve("tandem.mv.db.imported")));
    withStore(dir, db -> assertEquals(1, db.getCollection("users").countDocuments()));
  }

  @Test
  void nonUniqueIndexesAnswerExactlyLikeAFullScanThroughRandomChanges() throws Exception {
    Path dir = Files.createTempDirectory("journal");
    java.util.Random rnd = new java.util.Random(42);
    Object[] values = {"a", "b", "c", 1, 2L, 2.0, true, List.of("a", "b"), new Document("x", 1), null};
    withStore(dir, db -> {
      var indexed = db.getCollection("indexed");
      var plain = db.getCollection("plain");
      indexed.createIndex(new Document("k", 1).append("seq", -1));
      for (int i = 0; i < 2000; i++) {
        String id = "d" + rnd.nextInt(300);
        Object v = values[rnd.nextInt(values.length)];
        int op = rnd.nextInt(4);
        for (var c : List.of(indexed, plain)) {
          switch (op) {
            case 0, 1 -> c.replaceOne(new Document("_id", id), new Document("k", v).append("seq", (long) i),
                new com.mongodb.client.model.ReplaceOptions().upsert(true));
            case 2 -> c.updateOne(new Document("_id", id), Updates.set("k", v));
            default -> c.deleteOne(new Document("_id", id));
          }
        }
      }
      for (Document q : List.of(new Document("k", "a"), new Document("k", 2), new Document("k", 2.0),
          new Document("k", true), new Document("k", new Document("$in", List.of("b", 1))),
          new Document("k", new Document("$eq", "c")), new Document("k", "a").append("seq", new Document("$gt", 1000L)),
          new Document("k", "zzz"))) {
        List<Document> fromIndex = indexed.find(q).sort(new Document("seq", -1)).into(new ArrayList<>());
        List<Document> fromScan = plain.find(q).sort(new Document("seq", -1)).into(new ArrayList<>());
        assertEquals(fromScan, fromIndex, "query " + q.toJson());
      }
    });
    withStore(dir, db -> {
      db.getCollection("indexed").createIndex(new Document("k", 1).append("seq", -1));
      assertEquals(db.getCollection("plain").countDocuments(new Document("k", "b")),
          db.getCollection("indexed").countDocuments(new Document("k", "b")));
    });
  }

  /**
   * Operator updates take {@link PathCopyingUpdate} when they can: run a random mix of operators,
   * paths (nested, missing, through arrays and nulls, on index keys), values of every kind and
   * conflicting or invalid updates against the embedded store and against mongo-java-server's
   * unmodified in-memory engine, and require the same answers (matched, modified, upserted, or the
   * same error), the same documents with the same field order, and the same again after a restart.
   */
  @Test
  void operatorUpdatesGiveExactlyWhatTheUnmodifiedEngineGives() throws Exception {
    Path dir = Files.createTempDirectory("journal");
    var reference = new de.bwaldvogel.mongo.MongoServer(new de.bwaldvogel.mongo.backend.memory.MemoryBackend());
    reference.bind("127.0.0.1", 0);
    java.util.Random rnd = new java.util.Random(7);
    String[] paths = {"n", "s", "s.x", "s.y", "s.t.u", "s.t", "arr", "arr.0", "arr.1.z", "nul", "nul.x", "new.deep.er", "u", "k.m",
        "k", "g", "_id", "str.x", "list"};
    Object[] values = {1, 2L, 2.5, -0.0, "a", "b", true, null, List.of(1, "x"), new Document("z", 1), new Document("$bad", 1),
        new Document("d.ot", 1), List.of(new Document("z", 2))};
    String[] operators = {"$set", "$set", "$set", "$inc", "$inc", "$push", "$unset", "$max", "$min", "$mul", "$setOnInsert",
        "$addToSet", "$rename", "$pop"};
    List<Document> results = new ArrayList<>();
    try (MongoClient plain = MongoClients.create("mongodb://127.0.0.1:" + reference.getLocalAddress().getPort())) {
      withStore(dir, db -> {
        var ours = db.getCollection("c");
        var theirs = plain.getDatabase("t").getCollection("c");
        for (var c : List.of(ours, theirs)) {
          c.createIndex(new Document("u", 1), new IndexOptions().unique(true).sparse(true));
          c.createIndex(new Document("k.m", 1));
          c.createIndex(new Document("g", 1));
          for (int i = 0; i < 12; i++) {
            c.insertOne(new Document("_id", "d" + i).append("n", i).append("s", new Document("x", i).append("t", new Document("u", 1)))
                .append("arr", List.of(1, new Document("z", 0))).append("nul", null).append("str", "text")
                .append("k", new Document("m", i % 3)).append("g", i % 3).append("list", new ArrayList<>(List.of("p"))));
          }
        }
        for (int i = 0; i < 3000; i++) {
          Document update = new Document();
          int ops = 1 + rnd.nextInt(3);
          for (int o = 0; o < ops; o++) {
            String op = operators[rnd.nextInt(operators.length)];
            Document change = update.get(op, Document.class);
            if (change == null) {
              change = new Document();
              update.append(op, change);
            }
            String path = paths[rnd.nextInt(paths.length)];
            Object v = switch (op) {
              case "$inc", "$mul" -> rnd.nextInt(5) == 0 ? "x" : rnd.nextBoolean() ? rnd.nextInt(3) : 1.5;
              case "$unset" -> "";
              case "$rename" -> "renamed" + rnd.nextInt(2);
              case "$pop" -> 1;
              case "$push" -> rnd.nextInt(4) == 0 ? new Document("$each", List.of(rnd.nextInt(3), "e")) : values[rnd.nextInt(values.length)];
              default -> values[rnd.nextInt(values.length)];
            };
            change.append(path, v);
          }
          Document selector = new Document("_id", "d" + rnd.nextInt(14));
          if (rnd.nextInt(6) == 0) {
            selector.append("n", rnd.nextInt(4));
          }
          boolean upsert = rnd.nextInt(8) == 0;
          String a;
          String b;
          if (rnd.nextInt(5) == 0) {
            // A whole-document replacement (compare-and-set style when the selector has more than _id).
            Document replacement = new Document();
            if (rnd.nextInt(6) == 0) {
              replacement.append("_id", rnd.nextBoolean() ? selector.get("_id") : "other");
            }
            for (int f = rnd.nextInt(5); f > 0; f--) {
              replacement.append(List.of("n", "g", "s", "str", "k").get(rnd.nextInt(5)), values[rnd.nextInt(values.length)]);
            }
            update.clear();
            update.putAll(replacement);
            var options = new com.mongodb.client.model.ReplaceOptions().upsert(upsert);
            a = outcome(() -> ours.replaceOne(selector, replacement, options));
            b = outcome(() -> theirs.replaceOne(selector, replacement, options));
          } else {
            var options = new com.mongodb.client.model.UpdateOptions().upsert(upsert);
            a = outcome(() -> ours.updateOne(selector, update, options));
            b = outcome(() -> theirs.updateOne(selector, update, options));
          }
          assertEquals(b, a, "update " + i + ": " + selector.toJson() + " " + update.toJson());
          for (String field : List.of("g", "u")) {
            // An index left behind by an update would miss the document under its new value.
            Object set = update.containsKey("$set") ? update.get("$set", Document.class).get(field) : update.get(field);
            if (set != null && !(set instanceof Document)) {
              Document q = new Document(field, set);
              assertEquals(theirs.find(q).sort(new Document("_id", 1)).into(new ArrayList<>()),
                  ours.find(q).sort(new Document("_id", 1)).into(new ArrayList<>()), "update " + i + ", then " + q.toJson());
            }
          }
        }
        // Set to the same values of other numeric types: stored again, but not counted as modified.
        for (Object v : List.of(List.of(1, new Document("a", 2)), List.of(1.0, new Document("a", 2L)), new Document("a", 1),
            new Document("a", 1.0), new Document("b", 1.0))) {
          Document u = new Document("$set", new Document("s.v", v));
          assertEquals(outcome(() -> theirs.updateOne(new Document("_id", "d1"), u)), outcome(() -> ours.updateOne(new Document("_id", "d1"), u)));
        }
        // Replaced by the same values of other numeric types: stored again, but not counted as modified.
        for (Document r : List.of(new Document("n", 1).append("s", List.of(2L)), new Document("n", 1.0).append("s", List.of(2)))) {
          assertEquals(outcome(() -> theirs.replaceOne(new Document("_id", "d0"), r)), outcome(() -> ours.replaceOne(new Document("_id", "d0"), r)));
        }
        List<Document> expected = theirs.find().sort(new Document("_id", 1)).into(new ArrayList<>());
        assertEquals(expected.stream().map(Document::toJson).toList(),
            ours.find().sort(new Document("_id", 1)).into(new ArrayList<>()).stream().map(Document::toJson).toList());
        for (Object v : values) {
          if (v instanceof Document) {
            continue; // read as a query operator
          }
          for (String field : List.of("k.m", "u", "g")) {
            Document q = new Document(field, v);
            assertEquals(theirs.find(q).sort(new Document("_id", 1)).into(new ArrayList<>()).stream().map(Document::toJson).toList(),
                ours.find(q).sort(new Document("_id", 1)).into(new ArrayList<>()).stream().map(Document::toJson).toList(),
                "through the index: " + q.toJson());
          }
        }
        // A dotted field name in a replacement: the engine answers with an error after removing the
        // document's other fields (a half-written record); this store refuses before changing anything.
        Document before = ours.find(new Document("_id", "d1")).first();
        assertTrue(outcome(() -> ours.replaceOne(new Document("_id", "d1"), new Document("n", 1).append("a.b", 2)))
            .startsWith("an error reply"));
        assertEquals(before.toJson(), ours.find(new Document("_id", "d1")).first().toJson());
        ours.replaceOne(new Document("_id", "d1"), before);
        results.addAll(expected);
      });
    } finally {
      reference.shutdownNow();
    }
    withStore(dir, db -> assertEquals(results.stream().map(Document::toJson).toList(),
        db.getCollection("c").find().sort(new Document("_id", 1)).into(new ArrayList<>()).stream().map(Document::toJson).toList()));
  }

  private static String outcome(java.util.function.Supplier<com.mongodb.client.result.UpdateResult> update) {
    try {
      var r = update.get();
      return "ok matched=" + r.getMatchedCount() + " modified=" + r.getModifiedCount() + " upserted=" + r.getUpsertedId();
    } catch (com.mongodb.MongoException e) {
      return "error " + e.getCode() + " " + e.getMessage().replaceAll("server 127\\.0\\.0\\.1:\\d+", "server");
    } catch (IllegalArgumentException e) {
      return "refused by the driver " + e.getMessage();
    } catch (org.bson.BsonInvalidOperationException e) {
      return "an error reply the driver cannot read: " + e.getMessage(); // an engine error without a code
    }
  }

  private static long storeBytes(Path dir) throws IOException {
    long total = 0;
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        total += Files.size(p);
      }
    }
    return total;
  }

  private static Path onlyJournal(Path dir) throws IOException {
    List<Path> logs = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(p -> p.getFileName().toString().matches("journal-\\d+\\.log")).forEach(logs::add);
    }
    assertEquals(1, logs.size(), "one journal generation: " + logs);
    return logs.get(0);
  }
}

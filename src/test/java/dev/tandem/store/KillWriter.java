package dev.tandem.store;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.bson.Document;

/**
 * Child process for {@link DurabilityKillIT}: opens the embedded store on a data directory and
 * writes from several threads as fast as it can, printing each write only after the server
 * acknowledged it. The parent kills it with SIGKILL mid-stream. Each round writes both ways the
 * store is written: over the socket by a MongoDB client, and through Tandem's store client,
 * whose bulk writes go to the engine in process ({@link InProcessWrites}).
 */
public final class KillWriter {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int threads = Integer.parseInt(args[1]);
    String run = args[2];
    EmbeddedMongo em = EmbeddedMongo.startFile(dir, "127.0.0.1", 0, false);
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, "UTF-8");
    Vertx vertx = Vertx.vertx();
    Store store = Store.over(vertx, em, "killtest");
    try (MongoClient client = MongoClients.create(em.connectionString())) {
      MongoCollection<Document> acks = client.getDatabase("killtest").getCollection("acks");
      MongoCollection<Document> counters = client.getDatabase("killtest").getCollection("counters");
      out.println("READY");
      out.flush();
      Thread[] ts = new Thread[threads];
      for (int t = 0; t < threads; t++) {
        final int me = t;
        ts[t] = new Thread(() -> {
          for (long n = 0; ; n++) {
            String id = run + "-w" + me + "-" + n;
            acks.insertOne(new Document("_id", id).append("payload", "x".repeat(200)));
            Document c = counters.findOneAndUpdate(new Document("_id", "c" + me), Updates.inc("value", 1L),
                new FindOneAndUpdateOptions().upsert(true).returnDocument(ReturnDocument.AFTER));
            synchronized (out) {
              out.println("I " + id);
              out.println("C c" + me + " " + c.getLong("value"));
              out.flush();
            }
            // The same through the in-process path: an insert, and an upserted counter whose
            // value is at least the number of increments acknowledged.
            String bid = id + "-b";
            try {
              store.mongo().bulkWriteWithOptions("acks", List.of(BulkOperation.createInsert(
                  new JsonObject().put("_id", bid).put("payload", "y".repeat(200)))),
                  new BulkWriteOptions(false)).toCompletionStage().toCompletableFuture().get();
              store.mongo().bulkWriteWithOptions("counters", List.of(BulkOperation.createUpdate(
                  new JsonObject().put("_id", "b" + me),
                  new JsonObject().put("$inc", new JsonObject().put("value", 1L)), true, false)),
                  new BulkWriteOptions(false)).toCompletionStage().toCompletableFuture().get();
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
            synchronized (out) {
              out.println("I " + bid);
              out.println("C b" + me + " " + (n + 1));
              out.flush();
            }
          }
        });
        ts[t].start();
      }
      for (Thread t : ts) {
        t.join();
      }
    }
  }
}

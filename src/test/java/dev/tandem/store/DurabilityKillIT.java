package dev.tandem.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * No acknowledged write is lost when the process is killed: a child JVM writes to the embedded
 * store from several threads, the test kills it with SIGKILL mid-stream, reopens the same data
 * directory and checks that every write the child saw acknowledged is there: those sent over the
 * socket and those Tandem's store client hands to the engine in process.
 */
class DurabilityKillIT {

  @Test
  void everyAcknowledgedWriteSurvivesSigkill() throws Exception {
    Path dir = Files.createTempDirectory("tandem-kill");
    for (int round = 0; round < 3; round++) {
      Result r = writeThenKill(dir, 4, 1500, "r" + round);
      assertTrue(r.inserted.size() >= 1500, "child acknowledged too few writes: " + r.inserted.size());
      assertTrue(r.inserted.stream().anyMatch(id -> id.endsWith("-b")), "no write through the in-process path was acknowledged");
      try (EmbeddedMongo em = EmbeddedMongo.startFile(dir, "127.0.0.1", 0, false);
          MongoClient client = MongoClients.create(em.connectionString())) {
        MongoDatabase db = client.getDatabase("killtest");
        Set<String> stored = new HashSet<>();
        db.getCollection("acks").find().projection(new Document("_id", 1)).forEach(d -> stored.add(d.getString("_id")));
        List<String> lost = new ArrayList<>();
        for (String id : r.inserted) {
          if (!stored.contains(id)) {
            lost.add(id);
          }
        }
        assertEquals(List.of(), lost.subList(0, Math.min(10, lost.size())),
            "round " + round + ": " + lost.size() + " of " + r.inserted.size() + " acknowledged inserts lost");
        for (var e : r.counters.entrySet()) {
          Document c = db.getCollection("counters").find(new Document("_id", e.getKey())).first();
          assertTrue(c != null && c.getLong("value") >= e.getValue(),
              "round " + round + ": counter " + e.getKey() + " went back below its acknowledged value " + e.getValue());
        }
      }
    }
  }

  private record Result(List<String> inserted, Map<String, Long> counters) {
  }

  private static Result writeThenKill(Path dir, int threads, int killAfter, String run) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path errors = Files.createTempFile("kill-writer", ".err");
    Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        KillWriter.class.getName(), dir.toString(), Integer.toString(threads), run)
        .redirectError(errors.toFile()).start();
    List<String> inserted = new ArrayList<>();
    Map<String, Long> counters = new HashMap<>();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (java.io.IOException e) {
        lines.add("ERR " + e);
      } finally {
        lines.add(EOF);
      }
    }, "kill-writer-reader");
    reader.start();
    boolean killed = false;
    try {
      while (true) {
        String line = lines.poll(60, TimeUnit.SECONDS);
        if (line == null) {
          fail("the writer went silent for 60 s; its stderr: " + Files.readString(errors));
        }
        if (line == EOF) {
          break;
        }
        if (line.startsWith("I ")) {
          inserted.add(line.substring(2));
        } else if (line.startsWith("C ")) {
          String[] parts = line.split(" ");
          counters.merge(parts[1], Long.parseLong(parts[2]), Math::max);
        }
        if (!killed && inserted.size() >= killAfter) {
          // SIGKILL: no shutdown hooks, no final commit. Lines still in the pipe were
          // acknowledged before the kill; the reader delivers them until end of stream.
          p.toHandle().destroyForcibly();
          killed = true;
        }
      }
      assertTrue(killed, "the writer exited by itself; its stderr: " + Files.readString(errors));
    } finally {
      p.toHandle().destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
      reader.join(10_000);
    }
    return new Result(inserted, counters);
  }

  private static final String EOF = new String("<eof>");
}

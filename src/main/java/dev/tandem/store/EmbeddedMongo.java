package dev.tandem.store;

import com.mongodb.ServerAddress;
import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The embedded MongoDB-protocol server (mongo-java-server): in memory, made durable by a
 * write-ahead journal under the data directory ({@link JournaledBackend}), or memory only. It
 * listens on a real TCP port so any MongoDB client can look inside.
 */
public final class EmbeddedMongo implements AutoCloseable {
  private final MongoServer server;
  private final MongoBackend backend;
  private final InetSocketAddress address;
  private final ScheduledExecutorService housekeeping;
  private final HeapWatch heapWatch;

  private EmbeddedMongo(MongoBackend backend, String host, int port) {
    this.backend = backend;
    this.server = new MongoServer(backend);
    server.bind(host, port);
    this.address = server.getLocalAddress();
    if (backend instanceof JournaledBackend journaled) {
      housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tandem-store-compaction");
        t.setDaemon(true);
        return t;
      });
      housekeeping.scheduleWithFixedDelay(journaled::compactIfWorthIt, 30, 30, TimeUnit.SECONDS);
      heapWatch = HeapWatch.start();
    } else {
      housekeeping = null;
      heapWatch = null;
    }
  }

  /**
   * Loads the journal in {@code dataDir} (creating an empty one) and listens on host:port (0 = any
   * free port).
   */
  public static EmbeddedMongo startFile(Path dataDir, String host, int port, boolean syncOnCommit) throws IOException {
    Files.createDirectories(dataDir);
    JournaledBackend backend = JournaledBackend.open(dataDir, syncOnCommit);
    try {
      return new EmbeddedMongo(backend, host, port);
    } catch (RuntimeException e) {
      backend.close();
      throw e;
    }
  }

  /** Writes a snapshot and drops the journal records it replaces, now (tests and benchmarks; normally periodic). */
  public void compact() throws IOException {
    if (backend instanceof JournaledBackend journaled) {
      journaled.compact();
    }
  }

  /** A throw-away in-memory server on a free loopback port. */
  public static EmbeddedMongo startInMemory() {
    return new EmbeddedMongo(new MemoryBackend(), "127.0.0.1", 0);
  }

  /** Bulk writes to database {@code db} handed to this server's engine in process (see {@link InProcessWrites}). */
  InProcessWrites inProcessWrites(Vertx vertx, String db) {
    return new InProcessWrites(vertx, backend, db, new ServerAddress(address.getHostString(), address.getPort()));
  }

  public int port() {
    return address.getPort();
  }

  public String connectionString() {
    return "mongodb://" + address.getHostString() + ":" + address.getPort();
  }

  @Override
  public void close() {
    if (heapWatch != null) {
      heapWatch.close();
    }
    if (housekeeping != null) {
      // A compaction in progress stops (its unfinished snapshot is discarded; the journals hold everything).
      housekeeping.shutdownNow();
      try {
        housekeeping.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    server.shutdownNow();
    backend.close();
  }
}

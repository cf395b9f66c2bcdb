package dev.tandem.store;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.h2.mvstore.MVStore;

/**
 * The embedded MongoDB-protocol server (mongo-java-server): an H2 file under the data directory,
 * or memory for tests. It listens on a real TCP port so any MongoDB client can look inside.
 */
public final class EmbeddedMongo implements AutoCloseable {
  private final MongoServer server;
  private final MongoBackend backend;
  private final InetSocketAddress address;

  private EmbeddedMongo(MongoBackend backend, String host, int port) {
    this.backend = backend;
    this.server = new MongoServer(backend);
    server.bind(host, port);
    this.address = server.getLocalAddress();
  }

  /** Opens (or creates) {@code dataDir/tandem.mv.db} and listens on host:port (0 = any free port). */
  public static EmbeddedMongo startFile(Path dataDir, String host, int port, boolean syncOnCommit) throws IOException {
    Files.createDirectories(dataDir);
    Path file = dataDir.resolve("tandem.mv.db");
    MVStore store = new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().open();
    try {
      return new EmbeddedMongo(new DurableH2Backend(store, syncOnCommit), host, port);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
  }

  /** A throw-away in-memory server on a free loopback port. */
  public static EmbeddedMongo startInMemory() {
    return new EmbeddedMongo(new MemoryBackend(), "127.0.0.1", 0);
  }

  public int port() {
    return address.getPort();
  }

  public String connectionString() {
    return "mongodb://" + address.getHostString() + ":" + address.getPort();
  }

  @Override
  public void close() {
    server.shutdownNow();
    backend.close();
  }
}

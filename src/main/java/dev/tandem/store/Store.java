package dev.tandem.store;

import dev.tandem.config.StoreConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the configured store: starts the embedded server (default) or connects to an external
 * MongoDB, then creates every feature's indexes. The features' code is the same in both modes;
 * with the embedded store, bulk writes reach its engine in process ({@link InProcessWrites}).
 */
public final class Store {
  private static final Logger LOG = LoggerFactory.getLogger(Store.class);
  private final MongoClient mongo;
  private final EmbeddedMongo embedded;

  /** {@code engine}: the embedded server whose engine takes bulk writes in process (null: external); {@code embedded}: the one this store owns and closes. */
  private Store(Vertx vertx, String connectionString, String database, EmbeddedMongo engine, EmbeddedMongo embedded) {
    this.mongo = client(vertx, connectionString, database, engine);
    this.embedded = embedded;
  }

  /** An index a real MongoDB deployment needs. The embedded engine only enforces unique ones. */
  public record Index(String collection, JsonObject keys, boolean unique, String name) {
    public static Index unique(String collection, String name, JsonObject keys) {
      return new Index(collection, keys, true, name);
    }

    public static Index plain(String collection, String name, JsonObject keys) {
      return new Index(collection, keys, false, name);
    }
  }

  /** Opens the store; the embedded server is started on a worker thread (it does file I/O). */
  public static Future<Store> open(Vertx vertx, StoreConfig cfg) {
    if (cfg.mode() == StoreConfig.Mode.EXTERNAL) {
      return Future.succeededFuture(new Store(vertx, cfg.connectionString().value(), cfg.database(), null, null));
    }
    return vertx.executeBlocking(() -> EmbeddedMongo.startFile(cfg.dataDir().resolve("store"), cfg.embeddedHost(),
        cfg.embeddedPort(), cfg.syncOnCommit()))
        .map(em -> new Store(vertx, em.connectionString(), cfg.database(), em, em));
  }

  /** Wraps an already running server (tests, command-line tools). */
  public static Store over(Vertx vertx, EmbeddedMongo em, String database) {
    return new Store(vertx, em.connectionString(), database, em, null);
  }

  /** Connects to a MongoDB (or a running embedded server) by connection string. */
  public static Store over(Vertx vertx, String connectionString, String database) {
    return new Store(vertx, connectionString, database, null, null);
  }

  private static MongoClient client(Vertx vertx, String connectionString, String db, EmbeddedMongo engine) {
    JsonObject c = new JsonObject().put("connection_string", connectionString).put("db_name", db)
        .put("serverSelectionTimeoutMS", 5000).put("connectTimeoutMS", 5000);
    // MongoClient.createShared, with bulk writes through BulkWriter (TandemMongoClient says why).
    return new TandemMongoClient(vertx, c, "tandem-" + connectionString.hashCode() + "-" + db, engine);
  }

  public MongoClient mongo() {
    return mongo;
  }

  /** The embedded server's port, or -1 with an external store. */
  public int embeddedPort() {
    return embedded == null ? -1 : embedded.port();
  }

  public String embeddedConnectionString() {
    return embedded == null ? null : embedded.connectionString();
  }

  /** Creates indexes idempotently (createIndexes is a no-op for an existing identical index). */
  public Future<Void> ensureIndexes(List<Index> indexes) {
    List<Future<Void>> all = new ArrayList<>();
    for (Index i : indexes) {
      all.add(mongo.createIndexWithOptions(i.collection(), i.keys(), new IndexOptions().name(i.name()).unique(i.unique())));
    }
    return Future.all(all).mapEmpty();
  }

  /** Readiness: a round trip to the store. */
  public Future<Void> ping() {
    return mongo.runCommand("ping", new JsonObject().put("ping", 1)).mapEmpty();
  }

  public Future<Void> close() {
    return mongo.close().eventually(() -> {
      if (embedded != null) {
        embedded.close();
        LOG.info("embedded store closed");
      }
      return Future.succeededFuture();
    });
  }
}

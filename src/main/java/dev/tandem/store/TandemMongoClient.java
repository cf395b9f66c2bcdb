package dev.tandem.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.MongoClientBulkWriteResult;
import io.vertx.ext.mongo.impl.MongoClientImpl;
import java.util.List;

/**
 * vertx-mongo-client's client (what {@code MongoClient.createShared} builds: same data source
 * sharing, same driver client) with its bulk writes sent through {@link BulkWriter}, which says
 * why. Subclassing the implementation class reaches the driver client it opened (its protected
 * {@code mongo} field) instead of opening a second one: a second client cost the first start
 * ~1 s (its own server discovery, connection and threads; measured with
 * bench/run-foundation.sh). Tied to vertx-mongo-client 5.0.x, pinned by the Vert.x BOM.
 */
final class TandemMongoClient extends MongoClientImpl {
  private final BulkWriter bulk;

  TandemMongoClient(Vertx vertx, JsonObject config, String dataSourceName, EmbeddedMongo embedded) {
    super(vertx, config, dataSourceName);
    String db = config.getString("db_name");
    this.bulk = new BulkWriter(vertx, mongo, db, embedded == null || !InProcessWrites.ENABLED ? null : embedded.inProcessWrites(vertx, db));
  }

  @Override
  public Future<Void> close() {
    return bulk.close().eventually(super::close);
  }

  @Override
  public Future<MongoClientBulkWriteResult> bulkWrite(String collection, List<BulkOperation> operations) {
    return bulkWriteWithOptions(collection, operations, new BulkWriteOptions());
  }

  @Override
  public Future<MongoClientBulkWriteResult> bulkWriteWithOptions(String collection, List<BulkOperation> operations,
      BulkWriteOptions options) {
    if (collection == null || operations == null || options == null || options.getWriteOption() != null) {
      return super.bulkWriteWithOptions(collection, operations, options);
    }
    return bulk.write(collection, operations, options.isOrdered());
  }
}

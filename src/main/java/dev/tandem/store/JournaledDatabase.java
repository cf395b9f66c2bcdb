package dev.tandem.store;

import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import java.util.List;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;
import de.bwaldvogel.mongo.oplog.Oplog;

/** An in-memory database whose collections and drops are journaled. */
final class JournaledDatabase extends MemoryDatabase {
  private final JournaledBackend backend;

  JournaledDatabase(String name, CursorRegistry cursors, JournaledBackend backend) {
    super(name, cursors);
    this.backend = backend;
  }

  @Override
  protected MemoryCollection openOrCreateCollection(String name, CollectionOptions options) {
    // Called from the super constructor (system.namespaces) before this.backend is set: that one is not journaled.
    JournaledCollection c = new JournaledCollection(this, name, options, cursorRegistry, backend);
    if (backend != null && c.recorded()) {
      backend.register(c);
    }
    return c;
  }

  @Override
  protected Index<Integer> openOrCreateSecondaryIndex(String collectionName, String indexName, List<IndexKey> keys,
      boolean sparse) {
    return PrefixIndex.supports(keys) ? new PrefixIndex(indexName, keys, sparse)
        : super.openOrCreateSecondaryIndex(collectionName, indexName, keys, sparse);
  }

  @Override
  protected Index<Integer> openOrCreateUniqueIndex(String collectionName, String indexName, List<IndexKey> keys, boolean sparse) {
    return new FastUniqueIndex(indexName, keys, sparse);
  }

  /** The named collection, created if missing (used when loading the journal). */
  JournaledCollection collection(String name) {
    return (JournaledCollection) resolveOrCreateCollection(name);
  }

  @Override
  public void dropCollection(String collectionName, Oplog oplog) {
    super.dropCollection(collectionName, oplog);
    backend.dropped(getDatabaseName(), collectionName);
  }

  @Override
  public void drop(Oplog oplog) {
    super.drop(oplog);
    backend.dropped(getDatabaseName(), "");
  }
}

package dev.tandem.store;

import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.bson.Document;
import java.util.List;

/**
 * An in-memory collection that records every change in the journal as it happens. The hooks run
 * inside the collection's lock, so the journal holds changes to one document in the order they
 * were applied.
 */
final class JournaledCollection extends MemoryCollection {
  private final JournaledBackend backend;
  private final boolean recorded;

  JournaledCollection(MongoDatabase db, String name, CollectionOptions options, CursorRegistry cursors,
      JournaledBackend backend) {
    super(db, name, options, cursors);
    this.backend = backend;
    // system.namespaces / system.indexes are rebuilt from the collections and index definitions.
    this.recorded = backend != null && !name.startsWith("system.");
  }

  @Override
  public void addDocument(Document document) {
    // Compacted before the indexes see it, so they share its values too.
    super.addDocument(backend == null ? document : backend.compactor().compact(document));
  }

  /** Adds a document already compacted (loading at start: the journal replay compacts as it reads). */
  void addCompacted(Document document) {
    super.addDocument(document);
  }

  @Override
  protected Integer addDocumentInternal(Document document) {
    Integer position = super.addDocumentInternal(document);
    record(Journal.PUT, document);
    return position;
  }

  @Override
  protected void handleUpdate(Integer position, Document oldDocument, Document newDocument) {
    // The memory backend has already updated the stored document in place (oldDocument).
    super.handleUpdate(position, oldDocument, newDocument);
    record(Journal.PUT, newDocument);
  }

  @Override
  protected void removeDocument(Integer position) {
    Document gone = getDocument(position);
    super.removeDocument(position);
    if (gone != null) {
      record(Journal.DEL, new Document("_id", gone.get("_id")));
    }
  }

  private void record(byte op, Document document) {
    if (recorded) {
      backend.record(op, getDatabase().getDatabaseName(), getCollectionName(), document);
    }
  }

  /**
   * A query on {@code _id} and other fields ({@code {_id: x, rev: 3}}, a compare-and-set) goes
   * through the {@code _id} index: the engine only uses an index whose fields are exactly the
   * query's, so it scanned the whole collection for these (measured: a tenth of the server's CPU
   * under check-in uploads). The index narrows; the whole query is still applied.
   */
  @Override
  protected QueryResult queryDocuments(Document query, Document orderBy, int skip, int limit, int batchSize,
      Document fieldSelector) {
    if (query.size() > 1 && query.containsKey("_id")) {
      Object id = query.get("_id");
      boolean plain = !(id instanceof Document d) || d.keySet().stream().noneMatch(k -> k.startsWith("$"))
          || (d.size() == 1 && (d.containsKey("$in") || d.containsKey("$eq")));
      if (plain) {
        Document byId = new Document("_id", id);
        for (Index<Integer> index : getIndexes()) {
          if (index.canHandle(byId)) {
            return matchDocuments(query, index.getPositions(byId), orderBy, skip, limit, batchSize, fieldSelector);
          }
        }
      }
    }
    return super.queryDocuments(query, orderBy, skip, limit, batchSize, fieldSelector);
  }

  /**
   * No running data size (collStats' {@code size}, which Tandem does not read): the engine
   * computed it by encoding the whole old and new document on every update, a twentieth of the
   * server's CPU under single check-in uploads.
   */
  @Override
  protected boolean tracksDataSize() {
    return false;
  }

  boolean recorded() {
    return recorded;
  }

  /** Every live document; call only while writers are held off. */
  synchronized List<Document> documents() {
    return streamAllDocumentsWithPosition().map(d -> d.getDocument()).toList();
  }
}

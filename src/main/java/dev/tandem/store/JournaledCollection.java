package dev.tandem.store;

import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.ArrayFilters;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.TandemEngineAccess;
import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.exception.ImmutableFieldException;
import de.bwaldvogel.mongo.exception.MongoServerException;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.Oplog;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

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

  /**
   * A single-document operator update whose paths no index key starts with takes
   * {@link PathCopyingUpdate} (no deep copies, only the written paths compared); everything else,
   * and any update that matches nothing (an upsert inserts), goes the engine's way.
   */
  @Override
  public synchronized Document updateDocuments(Document selector, Document update, ArrayFilters arrayFilters, boolean multi,
      boolean upsert, Oplog oplog) {
    if (!multi && (arrayFilters == null || arrayFilters.isEmpty())) {
      Document result = updateOneByPaths(selector, update, oplog);
      if (result != null) {
        return result;
      }
    }
    return super.updateDocuments(selector, update, arrayFilters, multi, upsert, oplog);
  }

  private Document updateOneByPaths(Document selector, Document update, Oplog oplog) {
    if (!update.isEmpty() && update.keySet().stream().noneMatch(k -> k.startsWith("$"))) {
      return replaceOne(selector, update, oplog);
    }
    Set<String> top = PathCopyingUpdate.topLevelFields(update);
    if (top == null || top.contains(getIdField()) || touchesIndexKey(top)) {
      return null;
    }
    Document stored = firstMatch(selector);
    if (stored == null) {
      return null;
    }
    PathCopyingUpdate.Outcome outcome = PathCopyingUpdate.apply(stored, update, getIdField());
    if (outcome == null) {
      return null;
    }
    List<Object> modifiedIds = List.of();
    if (outcome.changed()) {
      // As the engine does: the stored top-level document changes in place; below it, the written
      // paths are new objects and everything else is shared with what was stored.
      Document updated = outcome.document();
      for (String k : top) {
        if (!updated.containsKey(k)) {
          stored.remove(k);
        }
      }
      for (String k : updated.keySet()) {
        Object v = updated.get(k);
        if (stored.get(k) != v || !stored.containsKey(k)) {
          stored.put(k, v);
        }
      }
      handleUpdate(null, stored, stored);
      if (outcome.modified()) {
        modifiedIds = List.of(stored.get(getIdField()));
      }
    }
    return updatedOne(selector, update, modifiedIds, oplog);
  }

  /**
   * A whole-document replacement, as the engine does it (the new document is the stored id then the
   * replacement's fields; the same index checks and errors), without its deep copy of the old
   * document, its copy of the replacement, and its normalizing copies of both to count the
   * document as modified: the old version is kept as a top-level copy (values below it are never
   * changed in place), and the modified count compares field by field, stopping at the first
   * difference (a compare-and-set replacement's revision differs).
   */
  private Document replaceOne(Document selector, Document replacement, Oplog oplog) {
    Document stored = firstMatch(selector);
    if (stored == null) {
      return null;
    }
    String idField = getIdField();
    Document updated = new Document();
    updated.put(idField, stored.get(idField));
    if (!replacement.equals(updated)) {
      Object oldId = stored.get(idField);
      Object newId = replacement.get(idField);
      if (newId != null && oldId != null && !TandemEngineAccess.nullAwareEquals(oldId, newId)) {
        throw new ImmutableFieldException(
            "After applying the update, the (immutable) field '_id' was found to have been altered to _id: " + newId);
      }
      updated.putAll(replacement);
    }
    Utils.validateFieldNames(updated);
    List<Object> modifiedIds = List.of();
    if (!updated.equals(stored)) {
      for (String k : updated.keySet()) {
        if (k.contains(".")) {
          throw new MongoServerException("illegal field name. must not happen as it must be caught by the driver");
        }
      }
      for (Index<Integer> index : getIndexes()) {
        index.checkUpdate(stored, updated, this);
      }
      Integer position = null;
      for (Index<Integer> index : getIndexes()) {
        Integer p = index.getPosition(stored);
        if (p != null && position != null && !p.equals(position)) {
          throw new IllegalStateException("Expected one element but got at least two"); // the engine's words
        }
        position = p != null ? p : position;
      }
      for (Index<Integer> index : getIndexes()) {
        index.updateInPlace(stored, updated, position, this);
      }
      Document before = new Document(stored);
      stored.keySet().retainAll(updated.keySet());
      stored.putAll(updated);
      handleUpdate(position, before, stored);
      if (!sameValues(before, stored)) {
        modifiedIds = List.of(stored.get(idField));
      }
    }
    return updatedOne(selector, replacement, modifiedIds, oplog);
  }

  /** The first stored document the selector matches (what the engine's single update takes), or null. */
  private Document firstMatch(Document selector) {
    Iterator<Document> matches = queryDocuments(selector, null, 0, 0, 0, null).iterator();
    return matches.hasNext() ? matches.next() : null;
  }

  /** The engine's reply to an update of one matched document, after telling the oplog. */
  private Document updatedOne(Document selector, Document update, List<Object> modifiedIds, Oplog oplog) {
    oplog.handleUpdate(getFullName(), selector, update, modifiedIds);
    Document result = new Document();
    result.put("n", 1);
    result.put("nModified", modifiedIds.size());
    return result;
  }

  /** The engine's normalized equality of two documents, field by field, scalars first, stopping at the first difference. */
  private static boolean sameValues(Document a, Document b) {
    if (!a.keySet().equals(b.keySet())) {
      return false;
    }
    for (int pass = 0; pass < 2; pass++) {
      for (String k : a.keySet()) {
        Object va = a.get(k);
        boolean container = va instanceof Document || va instanceof java.util.Collection;
        if ((pass == 0) != container && !TandemEngineAccess.nullAwareEquals(va, b.get(k))) {
          return false;
        }
      }
    }
    return true;
  }

  private boolean touchesIndexKey(Set<String> topLevelFields) {
    for (Index<Integer> index : getIndexes()) {
      for (IndexKey key : index.getKeys()) {
        String k = key.getKey();
        int dot = k.indexOf('.');
        if (topLevelFields.contains(dot < 0 ? k : k.substring(0, dot))) {
          return true;
        }
      }
    }
    return false;
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

package de.bwaldvogel.mongo.backend;

import de.bwaldvogel.mongo.bson.Document;

/**
 * Tandem's window onto package-private parts of mongo-java-server's update engine (1.47.0, the
 * version pom.xml pins), so that {@code dev.tandem.store.PathCopyingUpdate} applies update
 * operators with the engine's own code (same results, same errors) to a document it copied only
 * along the updated paths, instead of the engine's deep copies. It lives in the engine's package
 * because that code is not public; the store's differential test runs every supported operator
 * through both this path and an unmodified in-memory engine, so an engine upgrade that changes
 * these internals fails the build rather than the data.
 */
public final class TandemEngineAccess {
  private TandemEngineAccess() {
  }

  /** The engine's check that no two paths of one update overlap (throws its conflict error). */
  public static void validateUpdateQuery(Document update) {
    AbstractMongoCollection.validateUpdateQuery(update);
  }

  /** Applies one update operator ({@code $set}, {@code $inc}, ...) to {@code target} in place, as on an existing document. */
  public static void apply(Document target, String operator, Document change, String idField) {
    new FieldUpdates(target, UpdateOperator.fromValue(operator), idField, false, null, ArrayFilters.empty()).apply(change, operator);
  }

  /** The engine's value equality for counting modified documents (numbers compared by value, null equals missing). */
  public static boolean nullAwareEquals(Object a, Object b) {
    return Utils.nullAwareEquals(a, b);
  }
}

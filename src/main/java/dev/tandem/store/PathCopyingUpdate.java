package dev.tandem.store;

import de.bwaldvogel.mongo.backend.TandemEngineAccess;
import de.bwaldvogel.mongo.bson.Document;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An operator update ({@code $set}, {@code $inc}, {@code $push}, ...) of one stored document
 * without the engine's whole-document work. mongo-java-server updates a document by deep-copying
 * it twice (the old version, then the base of the new one), comparing old and new in full twice
 * (once strictly, once after normalizing both into fresh copies) and re-deriving every index key.
 * Measured under single check-in uploads (JFR, 2 cores): that was 71% of the store thread's CPU
 * and a third of the server's, for updates that touch one or two small fields.
 *
 * <p>Here the document is copied only along the paths the update writes (the top level and each
 * sub-document on a path; everything else is shared, which is safe because the engine never
 * changes a stored value in place below the top level), the engine's own operator code runs on
 * that copy, and only the written paths are compared. The caller takes this path only when no
 * index key can be affected; anything else (positional or array paths, a path through a
 * non-document, other operators, replacements) returns {@code null} and goes the engine's way.
 */
final class PathCopyingUpdate {
  /** Operators whose engine code replaces the value at the path rather than changing it in place. */
  private static final Set<String> OPERATORS = Set.of("$set", "$setOnInsert", "$inc", "$mul", "$push", "$unset", "$max", "$min");
  private static final Object MISSING = new Object();

  /** The updated copy, and whether it differs strictly ({@code changed}) and by value ({@code modified}). */
  record Outcome(Document document, boolean changed, boolean modified) {
  }

  private PathCopyingUpdate() {
  }

  /**
   * The top-level fields an update writes to an existing document (so not those of
   * {@code $setOnInsert}), in the order it writes them; {@code null} when the
   * update is not one this path takes (a replacement, another operator, a positional or empty path).
   */
  static Set<String> topLevelFields(Document update) {
    if (update.isEmpty()) {
      return null;
    }
    Set<String> top = new LinkedHashSet<>();
    for (Map.Entry<String, Object> e : update.entrySet()) {
      if (!OPERATORS.contains(e.getKey()) || !(e.getValue() instanceof Document change) || change.isEmpty()) {
        return null;
      }
      for (String path : change.keySet()) {
        if (path.isEmpty() || path.charAt(0) == '$' || path.charAt(0) == '.' || path.charAt(path.length() - 1) == '.'
            || path.contains(".$") || path.contains("..")) {
          return null;
        }
        if (!e.getKey().equals("$setOnInsert")) { // writes nothing to a document that exists
          int dot = path.indexOf('.');
          top.add(dot < 0 ? path : path.substring(0, dot));
        }
      }
    }
    return top;
  }

  /**
   * Applies {@code update} (which passed {@link #topLevelFields}) to a copy of {@code stored};
   * {@code stored} itself is not changed. {@code null} when a path runs through an array or a
   * non-document value, which only the engine's own path handles.
   */
  static Outcome apply(Document stored, Document update, String idField) {
    TandemEngineAccess.validateUpdateQuery(update);
    Document copy = new Document(stored);
    Set<Document> copied = Collections.newSetFromMap(new IdentityHashMap<>());
    List<String> written = writtenPaths(update);
    for (String path : written) {
      if (!copyAlong(copy, path, copied)) {
        return null;
      }
    }
    for (Map.Entry<String, Object> e : update.entrySet()) {
      TandemEngineAccess.apply(copy, e.getKey(), (Document) e.getValue(), idField);
    }
    boolean changed = false;
    boolean modified = false;
    for (String path : written) {
      Object before = at(stored, path);
      Object after = at(copy, path);
      if (!Objects.equals(before, after)) {
        changed = true;
        if ((before == MISSING) != (after == MISSING) || surelyDiffer(before, after)
            || !TandemEngineAccess.nullAwareEquals(before, after)) {
          modified = true;
        }
      }
    }
    return new Outcome(copy, changed, modified);
  }

  /** The paths an update writes to an existing document ({@code $setOnInsert} writes nothing there). */
  private static List<String> writtenPaths(Document update) {
    List<String> paths = new ArrayList<>();
    for (Map.Entry<String, Object> e : update.entrySet()) {
      if (!e.getKey().equals("$setOnInsert")) {
        paths.addAll(((Document) e.getValue()).keySet());
      }
    }
    return paths;
  }

  /**
   * Whether two values cannot be equal after the engine's normalization, decided without it: a
   * normalized list keeps its length and a normalized document its field names. Normalizing
   * copies every element, and a {@code $push} onto a trend bucket compared two whole lists of
   * points that way (a third of this class's allocation under single check-in uploads, JFR).
   */
  private static boolean surelyDiffer(Object a, Object b) {
    if (a instanceof List<?> x && b instanceof List<?> y) {
      return x.size() != y.size();
    }
    if (a instanceof Document x && b instanceof Document y) {
      return !x.keySet().equals(y.keySet());
    }
    return false;
  }

  /** Replaces each sub-document on the path (not its last step) with a shallow copy, once. */
  private static boolean copyAlong(Document top, String path, Set<Document> copied) {
    Document cur = top;
    int from = 0;
    for (int dot = path.indexOf('.'); dot >= 0; dot = path.indexOf('.', from)) {
      String key = path.substring(from, dot);
      Object v = cur.get(key);
      if (v == null) {
        if (cur.containsKey(key)) {
          return false; // the engine decides what a null on the way means
        }
        return true; // missing: the engine creates fresh sub-documents on the copy
      }
      if (!(v instanceof Document d)) {
        return false;
      }
      if (!copied.contains(d)) {
        d = new Document(d);
        cur.put(key, d);
        copied.add(d);
      }
      cur = d;
      from = dot + 1;
    }
    return true;
  }

  /** The value at a dotted path of documents, or {@link #MISSING}. */
  private static Object at(Document doc, String path) {
    Object cur = doc;
    int from = 0;
    while (true) {
      if (!(cur instanceof Document d)) {
        return MISSING;
      }
      int dot = path.indexOf('.', from);
      String key = dot < 0 ? path.substring(from) : path.substring(from, dot);
      if (!d.containsKey(key)) {
        return MISSING;
      }
      cur = d.get(key);
      if (dot < 0) {
        return cur;
      }
      from = dot + 1;
    }
  }
}

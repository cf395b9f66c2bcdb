package de.bwaldvogel.mongo.backend;

import de.bwaldvogel.mongo.backend.memory.index.MemoryUniqueIndex;
import de.bwaldvogel.mongo.bson.Document;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * mongo-java-server's in-memory unique index with a short way to a document's key when every key
 * field is a top-level field (no dots) holding a single value (not an array): the field's value,
 * normalized as the engine normalizes it, which is what the engine's general code arrives at. The
 * engine's code splits each key path with a regular expression into a new list, collects the values
 * into a new map, streams them to look for arrays and builds the set through another stream, for
 * every document inserted and for both sides of every update: under single check-in uploads the
 * path splitting alone was 14% of what the server allocated (JFR allocation samples). Arrays,
 * dotted paths and "$" go the engine's way.
 *
 * <p>It lives in the engine's package because the method it overrides is package-private (as
 * {@link TandemEngineAccess}); {@code JournaledStoreTest} runs the store's operations against an
 * unmodified in-memory engine and compares the results, duplicate-key errors included.
 */
public abstract class TopLevelKeyUniqueIndex extends MemoryUniqueIndex {
  /** The key fields, or null when any of them is not a plain top-level field. */
  private final String[] topLevel;
  /**
   * An empty index of the same keys, for the engine's own key extraction in the cases this class
   * does not shorten (the overridden method is not visible as {@code super.} from here; called on
   * an instance of the engine's class, the engine's implementation runs).
   */
  private final Index<?> engine;

  protected TopLevelKeyUniqueIndex(String name, List<IndexKey> keys, boolean sparse) {
    super(name, keys, sparse);
    String[] f = new String[keys.size()];
    for (int i = 0; i < f.length; i++) {
      String k = keys.get(i).getKey();
      if (k.isEmpty() || k.indexOf('.') >= 0 || k.equals("$")) {
        f = null;
        break;
      }
      f[i] = k;
    }
    this.topLevel = f;
    this.engine = new MemoryUniqueIndex(name, keys, sparse);
  }

  /** The key fields when all of them are plain top-level fields, else null (do not modify). */
  protected final String[] topLevelFields() {
    return topLevel;
  }

  @Override
  Set<KeyValue> getKeyValues(Document document, boolean normalize) {
    if (topLevel == null) {
      return engine.getKeyValues(document, normalize);
    }
    List<Object> values = new ArrayList<>(topLevel.length);
    for (String field : topLevel) {
      Object v = document.getOrMissing(field);
      if (v instanceof Collection) {
        return engine.getKeyValues(document, normalize);
      }
      values.add(normalize ? Utils.normalizeValue(v) : v);
    }
    return Set.of(new KeyValue(values));
  }
}

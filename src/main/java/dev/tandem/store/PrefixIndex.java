package dev.tandem.store;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.bson.Document;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A non-unique index for the embedded engine, which otherwise accepts such indexes and ignores
 * them (every query on them scanned the whole collection). It maps the value of the index's
 * first field to the positions of the documents holding it, and answers queries that test that
 * field for equality (a plain value or {@code $in}). It only narrows the search: the engine still
 * applies the whole query (and sort) to the documents it returns, so a superset is always correct.
 * Documents whose first-field value is not a plain string, number or boolean (arrays,
 * sub-documents, dates, ids) are returned for every query. All calls run under the owning
 * collection's lock.
 */
final class PrefixIndex extends Index<Integer> {
  private final String field;
  private final Map<Object, Set<Integer>> byValue = new HashMap<>();
  private final Set<Integer> unkeyed = new LinkedHashSet<>();
  private final Map<Object, Integer> byId = new HashMap<>();
  private final Map<Integer, Object> valueAt = new HashMap<>();

  PrefixIndex(String name, List<IndexKey> keys, boolean sparse) {
    super(name, keys, sparse);
    this.field = keys.get(0).getKey();
  }

  /** Whether a field can be served: dotted paths and _id are left to the engine. */
  static boolean supports(List<IndexKey> keys) {
    String f = keys.get(0).getKey();
    return !f.contains(".") && !f.equals("_id") && !f.startsWith("$");
  }

  private static final Object UNKEYED = new Object();

  /** The map key for a stored value, or UNKEYED when equality on it is not simple. */
  private static Object keyOf(Object v) {
    if (v instanceof String || v instanceof Boolean) {
      return v;
    }
    if (v instanceof Number n && !(v instanceof java.math.BigDecimal)) {
      double d = n.doubleValue();
      return Double.isNaN(d) ? UNKEYED : (Object) (d == 0.0 ? 0.0 : d);
    }
    return UNKEYED;
  }

  /** The map key for a queried value, or null when this index cannot answer it. */
  private static Object queryKeyOf(Object v) {
    Object k = keyOf(v);
    return k == UNKEYED ? null : k;
  }

  private Object valueKey(Document d) {
    return d.containsKey(field) ? keyOf(d.get(field)) : UNKEYED;
  }

  @Override
  public Integer getPosition(Document document) {
    return byId.get(Journal.idKey(document));
  }

  @Override
  public void checkAdd(Document document, MongoCollection<Integer> collection) {
    // not unique: nothing to refuse
  }

  @Override
  public void add(Document document, Integer position, MongoCollection<Integer> collection) {
    Object k = valueKey(document);
    byId.put(Journal.idKey(document), position);
    valueAt.put(position, k);
    if (k == UNKEYED) {
      unkeyed.add(position);
    } else {
      byValue.computeIfAbsent(k, x -> new LinkedHashSet<>()).add(position);
    }
  }

  @Override
  public Integer remove(Document document) {
    Integer position = byId.remove(Journal.idKey(document));
    if (position != null) {
      unlink(position);
    }
    return position;
  }

  private void unlink(Integer position) {
    Object k = valueAt.remove(position);
    if (k == UNKEYED) {
      unkeyed.remove(position);
    } else if (k != null) {
      Set<Integer> s = byValue.get(k);
      if (s != null) {
        s.remove(position);
        if (s.isEmpty()) {
          byValue.remove(k);
        }
      }
    }
  }

  @Override
  public boolean canHandle(Document query) {
    return keysFor(query) != null;
  }

  /** The value keys a query asks for on the first field, or null when it does not ask plainly. */
  private List<Object> keysFor(Document query) {
    if (!query.containsKey(field)) {
      return null;
    }
    Object q = query.get(field);
    if (q instanceof Document op) {
      if (op.size() != 1) {
        return null;
      }
      if (op.get("$eq") != null) {
        Object k = queryKeyOf(op.get("$eq"));
        return k == null ? null : List.of(k);
      }
      if (op.get("$in") instanceof Collection<?> in) {
        List<Object> keys = new ArrayList<>(in.size());
        for (Object v : in) {
          Object k = queryKeyOf(v);
          if (k == null) {
            return null;
          }
          keys.add(k);
        }
        return keys;
      }
      return null;
    }
    Object k = queryKeyOf(q);
    return k == null ? null : List.of(k);
  }

  @Override
  public Iterable<Integer> getPositions(Document query) {
    List<Object> keys = Objects.requireNonNull(keysFor(query));
    Set<Integer> out = new LinkedHashSet<>(unkeyed);
    for (Object k : keys) {
      Set<Integer> s = byValue.get(k);
      if (s != null) {
        out.addAll(s);
      }
    }
    return new ArrayList<>(out);
  }

  @Override
  public long getCount() {
    return byId.size();
  }

  @Override
  public long getDataSize() {
    return 0;
  }

  @Override
  public void checkUpdate(Document oldDocument, Document newDocument, MongoCollection<Integer> collection) {
    // not unique: nothing to refuse
  }

  @Override
  public void updateInPlace(Document oldDocument, Document newDocument, Integer position,
      MongoCollection<Integer> collection) {
    Object before = valueAt.get(position);
    Object after = valueKey(newDocument);
    if (Objects.equals(before, after) && before != null) {
      return;
    }
    unlink(position);
    valueAt.put(position, after);
    byId.put(Journal.idKey(newDocument), position);
    if (after == UNKEYED) {
      unkeyed.add(position);
    } else {
      byValue.computeIfAbsent(after, x -> new LinkedHashSet<>()).add(position);
    }
  }

  @Override
  public void drop() {
    byValue.clear();
    unkeyed.clear();
    byId.clear();
    valueAt.clear();
  }
}

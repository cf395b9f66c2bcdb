package dev.tandem.checkins;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open safety alerts, held in memory for the monitoring panel and the Alerts list. Both read
 * every open alert of a clinician's patients on every request, and reading them from the store
 * cost in proportion to how many were open (measured: with the benchmark's ~40,000 open alerts
 * on one panel, p95 165 ms, most of it encoding and decoding those documents). This node's
 * writes (raise, acknowledge, escalate, messaging's crisis alerts) apply here at once; a read
 * that finds the set older than {@code refreshMillis} (by the service clock) reads it again
 * first, so alerts another node wrote show within that time (one request in each interval pays
 * the store read). Changes made while a refresh is reading are applied again on top of what it
 * read. When a refresh fails, the last set is served and the refresh is retried after half the
 * interval.
 */
final class OpenAlerts {
  private static final Logger LOG = LoggerFactory.getLogger(OpenAlerts.class);
  private final CheckinStore store;
  private final long refreshMillis;
  private final Clock clock;
  /** patientId -> alert id -> document; null until first loaded. */
  private Map<String, Map<String, JsonObject>> byPatient;
  /** Clock millis of the last (attempted) read of the whole set. */
  private long loadedAt;
  private Future<Void> loading;
  private List<JsonObject> changedWhileLoading;

  OpenAlerts(CheckinStore store, long refreshMillis, Clock clock) {
    this.store = store;
    this.refreshMillis = refreshMillis;
    this.clock = clock;
  }

  /** Open alerts of these patients (all patients when null), in no particular order. */
  Future<List<JsonObject>> of(Collection<String> patientIds) {
    synchronized (this) {
      if (byPatient != null && clock.millis() - loadedAt <= refreshMillis) {
        return Future.succeededFuture(pick(patientIds));
      }
    }
    return load().map(v -> {
      synchronized (this) {
        return pick(patientIds);
      }
    });
  }

  /** A document as stored after a write on this node: kept while open, dropped otherwise. */
  synchronized void changed(JsonObject doc) {
    if (byPatient != null) {
      apply(byPatient, doc);
    }
    if (changedWhileLoading != null) {
      changedWhileLoading.add(doc.copy());
    }
  }

  private List<JsonObject> pick(Collection<String> patientIds) {
    List<JsonObject> out = new ArrayList<>();
    if (patientIds == null) {
      byPatient.values().forEach(m -> out.addAll(m.values()));
    } else {
      for (String id : patientIds) {
        Map<String, JsonObject> m = byPatient.get(id);
        if (m != null) {
          out.addAll(m.values());
        }
      }
    }
    return out;
  }

  private static void apply(Map<String, Map<String, JsonObject>> into, JsonObject doc) {
    String patientId = doc.getString("patientId");
    String id = doc.getString("_id");
    if (patientId == null || id == null) {
      return;
    }
    if ("open".equals(doc.getString("status"))) {
      into.computeIfAbsent(patientId, k -> new LinkedHashMap<>()).put(id, doc);
    } else {
      Map<String, JsonObject> m = into.get(patientId);
      if (m != null && m.remove(id) != null && m.isEmpty()) {
        into.remove(patientId);
      }
    }
  }

  private synchronized Future<Void> load() {
    if (loading != null) {
      return loading;
    }
    long started = clock.millis();
    changedWhileLoading = new ArrayList<>();
    Future<Void> f = store.openAlerts().map(list -> {
      Map<String, Map<String, JsonObject>> fresh = new HashMap<>();
      list.forEach(d -> apply(fresh, d));
      synchronized (this) {
        changedWhileLoading.forEach(d -> apply(fresh, d));
        byPatient = fresh;
        loadedAt = started;
      }
      return (Void) null;
    });
    Future<Void> done = f.recover(t -> {
      synchronized (this) {
        LOG.warn("reading the open safety alerts failed: {}", t.toString());
        if (byPatient == null) {
          return Future.failedFuture(t);
        }
        loadedAt = clock.millis() - refreshMillis / 2; // serve the last set; try again soon, not on every read
        return Future.succeededFuture();
      }
    });
    loading = done;
    done.onComplete(ar -> {
      synchronized (this) {
        if (loading == done) {
          loading = null;
          changedWhileLoading = null;
        }
      }
    });
    return done;
  }
}

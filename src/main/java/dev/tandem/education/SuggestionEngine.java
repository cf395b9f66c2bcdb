package dev.tandem.education;

import dev.tandem.audit.AuditEvent;
import dev.tandem.audit.AuditLog;
import dev.tandem.config.EducationConfig;
import dev.tandem.http.Ids;
import dev.tandem.identity.IdentityService;
import dev.tandem.identity.Role;
import dev.tandem.store.JsonCopies;
import dev.tandem.store.Times;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumer of contract 1, {@code checkins.scored}: each newly scored check-in is tested
 * against the suggest rules in the modules' front matter (for example GAD-7 total 10 or more →
 * the anxiety module). A match stores one open suggestion per patient and module for the care
 * team to confirm or dismiss; it is not raised again while open, while the module is assigned,
 * or for education.resuggest-after once dismissed. Rules over several check-ins ("sleep under
 * 6 hours on 3 of the last 7 daily check-ins") keep a short per-rule history, idempotent on
 * the response id.
 */
public final class SuggestionEngine {
  public static final String ADDRESS = "checkins.scored";
  private static final Logger LOG = LoggerFactory.getLogger(SuggestionEngine.class);
  private static final int RETRIES = 5;
  private final Library library;
  private final EducationStore store;
  private final IdentityService identity;
  private final AuditLog audit;
  private final EducationConfig cfg;
  private final Clock clock;
  private final Map<String, List<Queued>> waiting = new HashMap<>();
  private final Set<String> running = new HashSet<>();
  /**
   * The last history this engine wrote for each rule (with its stored rev), so the next check-in
   * writes without reading first (measured: a read and a write per rule per check-in were a
   * quarter of the store commands under uploads). The write is a compare-and-set on rev, so a
   * history changed elsewhere fails it and is read again; nothing stale is ever written.
   */
  private final Map<String, JsonObject> histories = new java.util.concurrent.ConcurrentHashMap<>();
  private static final int MAX_HISTORIES = 50_000;
  /**
   * Rule-history replaces waiting for the write in progress: all of them go out in one bulk
   * write (group commit). One replace per daily check-in was the most frequent store command
   * under single uploads (measured: ~1 per upload, 6,000-8,000 per 10 s).
   */
  private final List<PendingWrite> pendingWrites = new ArrayList<>();
  private boolean writing;

  private record PendingWrite(JsonObject doc, long expectedRev, Promise<Boolean> done) {
  }

  SuggestionEngine(Library library, EducationStore store, IdentityService identity, AuditLog audit, EducationConfig cfg,
      Clock clock) {
    this.library = library;
    this.store = store;
    this.identity = identity;
    this.audit = audit;
    this.cfg = cfg;
    this.clock = clock;
  }

  /** Listens on this node only: the check-ins feature publishes locally on the node that accepted the response. */
  void listen(Vertx vertx) {
    vertx.eventBus().<Object>localConsumer(ADDRESS, msg -> {
      Future<List<String>> applied = msg.body() instanceof JsonObject o ? onScored(o) : Future.succeededFuture(List.of());
      // Never log the event itself: it carries a patient's answers.
      applied.onFailure(t -> LOG.warn("education suggestion from a check-in failed: {}", t.toString()));
      // A sender that asks (a request, not a publish) learns when the event has been applied.
      if (msg.replyAddress() != null) {
        applied.onComplete(ar -> msg.reply(new JsonArray(ar.succeeded() ? ar.result() : List.of())));
      }
    });
  }

  /** One scored check-in waiting for its patient's turn. */
  private record Queued(JsonObject event, String responseId, Instant at, Promise<List<String>> done) {
  }

  /**
   * Applies every rule to one scored check-in; succeeds with the ids of modules newly suggested.
   *
   * <p>A patient's events are applied in turn on this node, and the events that arrive while
   * one is being applied are applied together: an offline batch of check-ins arrives as a burst
   * of events for one patient, and taking it in one pass costs one read and one write of each
   * rule's history instead of one per check-in (measured: the engine's store calls were most of
   * the server's work under batched uploads). The result is the same as applying them one after
   * another: each history keeps its order, and a module is suggested for the first event that
   * fires it (later ones would find that suggestion open).
   */
  public Future<List<String>> onScored(JsonObject e) {
    String patientId = e.getValue("patientId") instanceof String s && Ids.valid(s) ? s : null;
    String instrument = e.getValue("instrument") instanceof String s ? s : null;
    if (patientId == null || instrument == null) {
      return Future.succeededFuture(List.of());
    }
    Queued q = new Queued(e, e.getValue("responseId") instanceof String s ? s : "", instant(e.getValue("answeredAt")),
        Promise.promise());
    boolean start;
    synchronized (waiting) {
      waiting.computeIfAbsent(patientId, k -> new ArrayList<>()).add(q);
      start = running.add(patientId);
    }
    if (start) {
      drain(patientId);
    }
    return q.done().future();
  }

  private void drain(String patientId) {
    List<Queued> batch;
    synchronized (waiting) {
      batch = waiting.remove(patientId);
      if (batch == null) {
        running.remove(patientId);
        return;
      }
    }
    Future<List<List<String>>> applied;
    try {
      applied = applyAll(patientId, batch);
    } catch (RuntimeException ex) {
      applied = Future.failedFuture(ex);
    }
    applied.onComplete(ar -> {
      for (int k = 0; k < batch.size(); k++) {
        if (ar.succeeded()) {
          batch.get(k).done().complete(ar.result().get(k));
        } else {
          batch.get(k).done().fail(ar.cause());
        }
      }
      drain(patientId);
    });
  }

  private Future<List<List<String>>> applyAll(String patientId, List<Queued> batch) {
    return identity.user(patientId).compose(u -> {
      List<List<String>> results = new ArrayList<>();
      batch.forEach(q -> results.add(new ArrayList<>()));
      if (u == null || u.role() != Role.PATIENT) {
        return Future.succeededFuture(results);
      }
      List<Future<?>> work = new ArrayList<>();
      for (EducationModule m : library.all()) {
        List<SuggestRule> rules = m.suggest();
        for (int i = 0; i < rules.size(); i++) {
          SuggestRule r = rules.get(i);
          List<Integer> mine = new ArrayList<>();
          for (int k = 0; k < batch.size(); k++) {
            if (r.instrument().equalsIgnoreCase(batch.get(k).event().getString("instrument"))) {
              mine.add(k);
            }
          }
          if (mine.isEmpty()) {
            continue;
          }
          boolean[] hits = new boolean[mine.size()];
          for (int j = 0; j < mine.size(); j++) {
            hits[j] = r.matches(batch.get(mine.get(j)).event());
          }
          Future<boolean[]> fires = r.needsHistory()
              ? remember(patientId + ":" + m.id() + ":" + i, mine.stream().map(batch::get).toList(), hits, r, RETRIES)
              : Future.succeededFuture(hits);
          work.add(fires.compose(f -> {
            int first = 0;
            while (first < f.length && !f[first]) {
              first++;
            }
            if (first == f.length) {
              return Future.succeededFuture();
            }
            List<String> forEvent = results.get(mine.get(first));
            return suggest(patientId, m.id(), r).onSuccess(id -> {
              if (id != null && !forEvent.contains(id)) {
                forEvent.add(id);
              }
            });
          }));
        }
      }
      return Future.all(work).map(all -> results);
    });
  }

  private Instant instant(Object v) {
    if (v instanceof String s) {
      try {
        return Times.parseInstant(s);
      } catch (DateTimeParseException e) {
        // Fall through: an unreadable time counts as now.
      }
    }
    return clock.instant();
  }

  /**
   * Adds results to the rule's history in order (keeping the latest of-last after each), in one
   * read (skipped when this engine wrote the history last) and one compare-and-set write; for
   * each, whether it fired: a hit with enough hits among the kept ones. A duplicate delivery (a
   * response id already kept) changes nothing.
   */
  private Future<boolean[]> remember(String id, List<Queued> events, boolean[] hit, SuggestRule r, int tries) {
    JsonObject known = histories.get(id);
    return (known != null ? Future.succeededFuture(known) : store.signal(id)).compose(doc -> {
      long rev = doc == null ? 0 : doc.getLong("rev", 0L);
      List<JsonObject> hits = new ArrayList<>();
      if (doc != null) {
        doc.getJsonArray("hits", new JsonArray()).forEach(o -> hits.add((JsonObject) o));
      }
      boolean[] fired = new boolean[events.size()];
      boolean changed = false;
      for (int j = 0; j < events.size(); j++) {
        Queued q = events.get(j);
        if (!q.responseId().isEmpty() && hits.stream().anyMatch(h -> q.responseId().equals(h.getString("responseId")))) {
          continue;
        }
        changed = true;
        hits.add(new JsonObject().put("responseId", q.responseId()).put("at", Times.format(q.at()))
            .put("hit", hit[j]));
        hits.sort(Comparator.comparing(h -> h.getString("at")));
        List<JsonObject> kept = new ArrayList<>(hits.subList(Math.max(0, hits.size() - r.ofLast()), hits.size()));
        hits.clear();
        hits.addAll(kept);
        fired[j] = hit[j] && kept.stream().filter(h -> h.getBoolean("hit")).count() >= r.times();
      }
      if (!changed) {
        return Future.succeededFuture(fired);
      }
      JsonObject next = new JsonObject().put("_id", id).put("hits", new JsonArray(new ArrayList<>(hits))).put("rev", rev);
      return putHistory(next, rev).compose(ok -> {
        if (ok) {
          if (histories.size() >= MAX_HISTORIES) {
            histories.clear();
          }
          // The kept hits are never changed once made (remember() builds new lists).
          histories.put(id, JsonCopies.shallow(next).put("rev", rev + 1));
        } else {
          histories.remove(id);
          return tries <= 1 ? Future.failedFuture(new IllegalStateException("signal history kept changing"))
              : remember(id, events, hit, r, tries - 1);
        }
        return Future.succeededFuture(fired);
      }).onFailure(t -> histories.remove(id));
    });
  }

  /** Inserts a new history at once; replaces an existing one with the others waiting at that moment. */
  private Future<Boolean> putHistory(JsonObject next, long rev) {
    if (rev == 0) {
      return store.putSignal(next, rev);
    }
    Promise<Boolean> p = Promise.promise();
    boolean start;
    synchronized (pendingWrites) {
      pendingWrites.add(new PendingWrite(next, rev, p));
      start = !writing;
      writing = true;
    }
    if (start) {
      flushHistories();
    }
    return p.future();
  }

  private void flushHistories() {
    List<PendingWrite> group;
    synchronized (pendingWrites) {
      if (pendingWrites.isEmpty()) {
        writing = false;
        return;
      }
      group = new ArrayList<>(pendingWrites.subList(0, Math.min(pendingWrites.size(), 500)));
      pendingWrites.subList(0, group.size()).clear();
    }
    store.replaceSignals(group.stream().map(PendingWrite::doc).toList(), group.stream().map(PendingWrite::expectedRev).toList())
        .onComplete(ar -> {
          for (int i = 0; i < group.size(); i++) {
            if (ar.succeeded()) {
              group.get(i).done().complete(ar.result().get(i));
            } else {
              group.get(i).done().fail(ar.cause());
            }
          }
          flushHistories();
        });
  }

  /** Stores an open suggestion unless one is open, the module is assigned, or it was dismissed lately. */
  private Future<String> suggest(String patientId, String moduleId, SuggestRule r) {
    Instant now = clock.instant();
    return store.assignment(patientId, moduleId).compose(a -> {
      if (a != null && a.active()) {
        return Future.succeededFuture((String) null);
      }
      return store.suggestion(patientId, moduleId).compose(s -> {
        Suggestion open = new Suggestion(patientId, moduleId, Suggestion.Status.OPEN, r.describe(), r.instrument(), now, null,
            null, s == null ? 1 : s.rev() + 1);
        Future<Boolean> written;
        if (s == null) {
          written = store.insert(open);
        } else if (s.status() == Suggestion.Status.OPEN
            || s.status() == Suggestion.Status.DISMISSED && s.decidedAt() != null && s.decidedAt().plus(cfg.resuggestAfter()).isAfter(now)) {
          return Future.succeededFuture((String) null);
        } else {
          written = store.replace(open, s.rev());
        }
        return written.compose(ok -> !ok ? Future.succeededFuture((String) null)
            : audit.record(AuditEvent.of("education.suggest", "tandem", "system", AuditEvent.SUCCESS).patient(patientId)
                .subject(moduleId).with("instrument", r.instrument())).map(v -> moduleId));
      });
    });
  }
}

package dev.tandem.education;

import dev.tandem.audit.AuditEvent;
import dev.tandem.audit.AuditLog;
import dev.tandem.config.EducationConfig;
import dev.tandem.http.Ids;
import dev.tandem.identity.IdentityService;
import dev.tandem.identity.Role;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
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
  private final java.util.Map<String, Future<Boolean>> inTurn = new java.util.HashMap<>();

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

  /** Applies every rule to one scored check-in; succeeds with the ids of modules newly suggested. */
  public Future<List<String>> onScored(JsonObject e) {
    String patientId = e.getValue("patientId") instanceof String s && Ids.valid(s) ? s : null;
    String instrument = e.getValue("instrument") instanceof String s ? s : null;
    if (patientId == null || instrument == null) {
      return Future.succeededFuture(List.of());
    }
    String responseId = e.getValue("responseId") instanceof String s ? s : "";
    Instant at = instant(e.getValue("answeredAt"));
    return identity.user(patientId).compose(u -> {
      if (u == null || u.role() != Role.PATIENT) {
        return Future.succeededFuture(List.of());
      }
      List<Future<String>> fired = new ArrayList<>();
      for (EducationModule m : library.all()) {
        List<SuggestRule> rules = m.suggest();
        for (int i = 0; i < rules.size(); i++) {
          SuggestRule r = rules.get(i);
          if (!r.instrument().equalsIgnoreCase(instrument)) {
            continue;
          }
          boolean hit = r.matches(e);
          Future<Boolean> fires = r.needsHistory()
              ? rememberInTurn(patientId + ":" + m.id() + ":" + i, responseId, at, hit, r)
              : Future.succeededFuture(hit);
          fired.add(fires.compose(f -> f ? suggest(patientId, m.id(), r) : Future.succeededFuture((String) null)));
        }
      }
      return Future.all(fired).map(all -> {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < fired.size(); i++) {
          if (all.resultAt(i) != null && !ids.contains(all.<String>resultAt(i))) {
            ids.add(all.resultAt(i));
          }
        }
        return ids;
      });
    });
  }

  private Instant instant(Object v) {
    if (v instanceof String s) {
      try {
        return Instant.parse(s);
      } catch (DateTimeParseException e) {
        // Fall through: an unreadable time counts as now.
      }
    }
    return clock.instant();
  }

  /**
   * Results for the same rule history are applied one after another on this node (an offline
   * batch of check-ins arrives as a burst of events for one patient, which the optimistic
   * retries alone could not absorb); the retries remain for other nodes.
   */
  private Future<Boolean> rememberInTurn(String id, String responseId, Instant at, boolean hit, SuggestRule r) {
    synchronized (inTurn) {
      Future<Boolean> previous = inTurn.getOrDefault(id, Future.succeededFuture(false));
      Future<Boolean> mine = previous.transform(ignored -> remember(id, responseId, at, hit, r, RETRIES));
      inTurn.put(id, mine);
      mine.onComplete(ar -> {
        synchronized (inTurn) {
          inTurn.remove(id, mine);
        }
      });
      return mine;
    }
  }

  /** Adds one result to the rule's history (keeping the latest of-last); true when enough of them matched. */
  private Future<Boolean> remember(String id, String responseId, Instant at, boolean hit, SuggestRule r, int tries) {
    return store.signal(id).compose(doc -> {
      long rev = doc == null ? 0 : doc.getLong("rev", 0L);
      List<JsonObject> hits = new ArrayList<>();
      if (doc != null) {
        doc.getJsonArray("hits", new JsonArray()).forEach(o -> hits.add((JsonObject) o));
      }
      if (!responseId.isEmpty() && hits.stream().anyMatch(h -> responseId.equals(h.getString("responseId")))) {
        return Future.succeededFuture(false); // a duplicate delivery changes nothing
      }
      hits.add(new JsonObject().put("responseId", responseId).put("at", dev.tandem.store.Times.format(at)).put("hit", hit));
      hits.sort(Comparator.comparing(h -> h.getString("at")));
      List<JsonObject> kept = hits.subList(Math.max(0, hits.size() - r.ofLast()), hits.size());
      long count = kept.stream().filter(h -> h.getBoolean("hit")).count();
      JsonObject next = new JsonObject().put("_id", id).put("hits", new JsonArray(new ArrayList<>(kept))).put("rev", rev);
      return store.putSignal(next, rev).compose(ok -> {
        if (!ok) {
          return tries <= 1 ? Future.failedFuture(new IllegalStateException("signal history kept changing"))
              : remember(id, responseId, at, hit, r, tries - 1);
        }
        return Future.succeededFuture(hit && count >= r.times());
      });
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

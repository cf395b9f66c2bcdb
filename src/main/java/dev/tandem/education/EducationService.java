package dev.tandem.education;

import dev.tandem.audit.AuditEvent;
import dev.tandem.audit.AuditLog;
import dev.tandem.config.EducationConfig;
import dev.tandem.http.ApiException;
import dev.tandem.identity.CareTeamService;
import dev.tandem.identity.Caller;
import dev.tandem.identity.IdentityService;
import dev.tandem.identity.User;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Assigning modules and following a patient's reading. Every method takes the caller and
 * checks {@link CareTeamService#authorize} first: a patient sees only their own assignments,
 * clinicians only their care team's patients, admins none (404, like an unknown patient).
 * Only clinicians assign; only the patient records reading progress.
 */
public final class EducationService {
  private static final int RETRIES = 5;
  public final Library library;
  private final EducationStore store;
  private final NoteCipher notes;
  private final CareTeamService careTeams;
  private final IdentityService identity;
  private final AuditLog audit;
  private final EducationConfig cfg;
  private final Clock clock;

  EducationService(Library library, EducationStore store, NoteCipher notes, CareTeamService careTeams, IdentityService identity,
      AuditLog audit, EducationConfig cfg, Clock clock) {
    this.library = library;
    this.store = store;
    this.notes = notes;
    this.careTeams = careTeams;
    this.identity = identity;
    this.audit = audit;
    this.cfg = cfg;
    this.clock = clock;
  }

  public EducationConfig config() {
    return cfg;
  }

  // ---- the catalogue (not patient data: any signed-in user) -----------------------------------

  /** Every module, in {@code lang} or else the caller's preferred language. */
  public Future<JsonObject> catalog(Caller c, String lang) {
    return readerLanguage(c, lang).map(l -> {
      JsonArray list = new JsonArray();
      library.all().forEach(m -> list.add(Library.summary(m, l)));
      return new JsonObject().put("language", l).put("modules", list);
    });
  }

  /** One module to read; 404 for an unknown id. English with {@code fallback: true} when the language is missing. */
  public Future<JsonObject> module(Caller c, String moduleId, String lang) {
    EducationModule m = library.get(moduleId);
    if (m == null) {
      return Future.failedFuture(ApiException.notFound("module"));
    }
    return readerLanguage(c, lang).map(l -> Library.reader(m, l));
  }

  /** An image of a module; 404 unless it is one of that module's own files. */
  public EducationModule.Asset asset(String moduleId, String file) {
    EducationModule m = library.get(moduleId);
    EducationModule.Asset a = m == null || file == null ? null : m.assets().get(file);
    if (a == null) {
      throw ApiException.notFound("image");
    }
    return a;
  }

  private Future<String> readerLanguage(Caller c, String lang) {
    if (lang != null) {
      return Future.succeededFuture(Library.language(lang));
    }
    return identity.user(c.userId()).map(u -> Library.language(u == null ? null : u.preferredLanguage()));
  }

  // ---- a patient's assignments ------------------------------------------------------------

  /**
   * The patient's active assignments with progress (and, for clinicians, open suggestions).
   * Audited as a read of the patient's data. 404 when the caller may not see the patient.
   */
  public Future<JsonObject> overview(Caller c, String patientId) {
    return careTeams.authorize(c, patientId).compose(team -> Future.all(store.assignments(patientId),
        c.isPatient() ? Future.succeededFuture(List.<Suggestion>of()) : store.suggestions(patientId))).compose(all -> {
          List<Assignment> active = all.<List<Assignment>>resultAt(0).stream().filter(Assignment::active).toList();
          List<Suggestion> open = all.<List<Suggestion>>resultAt(1).stream().filter(s -> s.status() == Suggestion.Status.OPEN)
              .filter(s -> library.get(s.moduleId()) != null).sorted(Comparator.comparing(Suggestion::createdAt)).toList();
          Set<String> ids = new HashSet<>(List.of(patientId, c.userId()));
          active.forEach(a -> ids.add(a.assignedBy()));
          return identity.users(ids).compose(users -> {
            Map<String, User> byId = new HashMap<>();
            users.forEach(u -> byId.put(u.id(), u));
            return views(c, patientId, active, byId).map(items -> {
              JsonArray sugg = new JsonArray();
              for (Suggestion s : open) {
                sugg.add(Library.summary(library.get(s.moduleId()), viewerLanguage(c, byId)).put("moduleId", s.moduleId())
                    .put("reason", s.reason()).put("suggestedAt", s.createdAt().toString()));
              }
              User p = byId.get(patientId);
              JsonObject o = new JsonObject().put("patientId", patientId)
                  .put("patientLanguage", Library.language(p == null ? null : p.preferredLanguage())).put("assignments", items)
                  .put("done", items.stream().filter(x -> ((JsonObject) x).getJsonObject("progress").getString("completedAt") != null).count());
              if (!c.isPatient()) {
                o.put("suggestions", sugg);
              }
              return o;
            });
          });
        }).compose(o -> audit.record(event("education.read", c).patient(patientId)
            .with("assignments", Integer.toString(o.getJsonArray("assignments").size()))).map(v -> o));
  }

  private static String viewerLanguage(Caller c, Map<String, User> byId) {
    User u = byId.get(c.userId());
    return Library.language(u == null ? null : u.preferredLanguage());
  }

  private Future<JsonArray> views(Caller c, String patientId, List<Assignment> list, Map<String, User> byId) {
    List<Assignment> sorted = new ArrayList<>(list);
    // What is still to do first (soonest due first), then what is done.
    sorted.sort(Comparator.comparing((Assignment a) -> a.progress().completed())
        .thenComparing(a -> a.dueDate() == null ? LocalDate.MAX : a.dueDate()).thenComparing(Assignment::assignedAt));
    List<Future<JsonObject>> items = new ArrayList<>();
    for (Assignment a : sorted) {
      items.add(view(c, a, byId));
    }
    return Future.all(items).map(all -> {
      JsonArray arr = new JsonArray();
      for (int i = 0; i < items.size(); i++) {
        if (all.resultAt(i) != null) {
          arr.add(all.<JsonObject>resultAt(i));
        }
      }
      return arr;
    });
  }

  private Future<JsonObject> view(Caller c, Assignment a, Map<String, User> byId) {
    EducationModule m = library.get(a.moduleId());
    if (m == null) {
      // A module removed from the content folder since it was assigned: nothing to read.
      return Future.succeededFuture(null);
    }
    User patient = byId.get(a.patientId());
    String patientLang = Library.language(patient == null ? null : patient.preferredLanguage());
    User by = byId.get(a.assignedBy());
    return notes.open(a).map(note -> {
      JsonObject o = Library.summary(m, c.isPatient() ? patientLang : viewerLanguage(c, byId));
      o.remove("id");
      boolean overdue = a.dueDate() != null && !a.progress().completed() && a.dueDate().isBefore(LocalDate.now(clock.withZone(ZoneOffset.UTC)));
      return o.put("moduleId", a.moduleId()).put("patientId", a.patientId()).put("assignedAt", a.assignedAt().toString())
          .put("assignedBy", by == null ? null : by.toMember()).put("dueDate", a.dueDate() == null ? null : a.dueDate().toString())
          .put("overdue", overdue).put("note", note).put("fromSuggestion", a.fromSuggestion())
          .put("readIn", m.version(patientLang).language()).put("checkQuestions", m.english().check().size())
          .put("progress", a.progress().toJson());
    });
  }

  /**
   * Assigns a module (clinicians on the patient's care team). Idempotent per patient and
   * module: assigning an active module again updates its note and due date. Succeeds with the
   * assignment and whether it was newly made; fails 404 (patient not visible), 400 (unknown module).
   */
  public Future<Assigned> assign(Caller c, String patientId, NewAssignment req) {
    return assign(c, patientId, req, false);
  }

  public record Assigned(JsonObject assignment, boolean created) {
  }

  Future<Assigned> assign(Caller c, String patientId, NewAssignment req, boolean fromSuggestion) {
    if (!c.role().isClinician()) {
      return Future.failedFuture(ApiException.forbidden("Only clinicians assign education modules."));
    }
    return careTeams.authorize(c, patientId).compose(team -> {
      if (library.get(req.moduleId()) == null) {
        return Future.failedFuture(ApiException.invalid("moduleId", "is not a module in the library"));
      }
      return upsert(c, patientId, req, fromSuggestion, RETRIES);
    }).compose(done -> audit.record(event("education.assign", c).patient(patientId).subject(req.moduleId())
        .with("created", Boolean.toString(done.created())).with("dueDate", req.dueDate() == null ? "none" : req.dueDate().toString())
        .with("fromSuggestion", Boolean.toString(fromSuggestion))).map(v -> done))
        .compose(done -> closeSuggestion(patientId, req.moduleId(), c.userId()).map(v -> done))
        .compose(done -> identity.users(new HashSet<>(List.of(patientId, c.userId()))).compose(users -> {
          Map<String, User> byId = new HashMap<>();
          users.forEach(u -> byId.put(u.id(), u));
          return view(c, done.a(), byId).map(v -> new Assigned(v, done.created()));
        }));
  }

  private record Upserted(Assignment a, boolean created) {
  }

  private Future<Upserted> upsert(Caller c, String patientId, NewAssignment req, boolean fromSuggestion, int tries) {
    Instant now = clock.instant();
    return store.assignment(patientId, req.moduleId()).compose(existing -> {
      boolean fresh = existing == null || !existing.active();
      Instant at = fresh ? now : existing.assignedAt();
      Assignment draft = new Assignment(patientId, req.moduleId(), true, fresh ? c.userId() : existing.assignedBy(), at,
          req.dueDate(), null, fresh ? fromSuggestion : existing.fromSuggestion(), fresh ? Progress.NONE : existing.progress(),
          existing == null ? 1 : existing.rev() + 1);
      return notes.seal(draft, req.note()).compose(ct -> {
        Assignment a = new Assignment(draft.patientId(), draft.moduleId(), true, draft.assignedBy(), draft.assignedAt(),
            draft.dueDate(), ct, draft.fromSuggestion(), draft.progress(), draft.rev());
        Future<Boolean> written = existing == null ? store.insert(a) : store.replace(a, existing.rev());
        return written.compose(ok -> {
          if (ok) {
            return Future.succeededFuture(new Upserted(a, fresh));
          }
          if (tries <= 1) {
            return Future.failedFuture(ApiException.conflict("busy", "The assignment changed at the same time. Please try again."));
          }
          return upsert(c, patientId, req, fromSuggestion, tries - 1);
        });
      });
    });
  }

  /** Takes an assignment away (its progress is kept on the record, no longer shown). 404 when not assigned. */
  public Future<Void> unassign(Caller c, String patientId, String moduleId) {
    if (!c.role().isClinician()) {
      return Future.failedFuture(ApiException.forbidden("Only clinicians remove assignments."));
    }
    return careTeams.authorize(c, patientId).compose(team -> store.assignment(patientId, moduleId)).compose(a -> {
      if (a == null || !a.active()) {
        return Future.failedFuture(ApiException.notFound("assignment"));
      }
      Assignment removed = new Assignment(a.patientId(), a.moduleId(), false, a.assignedBy(), a.assignedAt(), a.dueDate(),
          a.noteCt(), a.fromSuggestion(), a.progress(), a.rev() + 1);
      return store.replace(removed, a.rev()).compose(ok -> ok ? Future.<Void>succeededFuture()
          : Future.failedFuture(ApiException.conflict("busy", "The assignment changed at the same time. Please try again.")));
    }).compose(v -> audit.record(event("education.unassign", c).patient(patientId).subject(moduleId)));
  }

  // ---- progress (the patient only) ------------------------------------------------------

  /**
   * Records a reading step of the patient's own assignment. Monotonic: steps once reached stay
   * reached. Succeeds with the assignment view; for a check, also each question's result and
   * explanation. 404 when not visible or not assigned, 403 for the care team (they watch, the
   * patient reads), 400 for answers that do not fit the module's check.
   */
  public Future<JsonObject> progress(Caller c, String patientId, String moduleId, ProgressEvent e) {
    return careTeams.authorize(c, patientId).compose(team -> {
      if (!c.userId().equals(patientId)) {
        return Future.failedFuture(ApiException.forbidden("Only the patient records their reading progress."));
      }
      return step(c, patientId, moduleId, e, RETRIES);
    });
  }

  private Future<JsonObject> step(Caller c, String patientId, String moduleId, ProgressEvent e, int tries) {
    Instant now = clock.instant();
    return store.assignment(patientId, moduleId).compose(a -> {
      EducationModule m = a == null ? null : library.get(moduleId);
      if (a == null || !a.active() || m == null) {
        return Future.failedFuture(ApiException.notFound("assignment"));
      }
      boolean results = e.kind() == ProgressEvent.Kind.CHECK;
      Progress p = switch (e.kind()) {
        case OPENED -> a.progress().opened(now);
        case POSITION -> a.progress().at(e.position(), now);
        case READ -> a.progress().readToEnd(now);
        case HELPFUL -> a.progress().voted(e.helpful(), now);
        case CHECK -> grade(m, e.answers(), a.progress(), now);
      };
      if (p.equals(a.progress())) {
        return respond(c, a, results);
      }
      boolean completedNow = p.completed() && !a.progress().completed();
      Assignment next = a.withProgress(p);
      return store.replace(new Assignment(next.patientId(), next.moduleId(), true, next.assignedBy(), next.assignedAt(),
          next.dueDate(), next.noteCt(), next.fromSuggestion(), p, a.rev() + 1), a.rev()).compose(ok -> {
            if (!ok) {
              return tries <= 1 ? Future.failedFuture(ApiException.conflict("busy", "Please try again."))
                  : step(c, patientId, moduleId, e, tries - 1);
            }
            Future<Void> audited = completedNow ? audit.record(event("education.complete", c).patient(patientId).subject(moduleId)
                .with("checkCorrect", String.valueOf(p.checkCorrect())).with("checkTotal", String.valueOf(p.checkTotal())))
                : Future.succeededFuture();
            return audited.compose(v -> respond(c, next, results));
          });
    });
  }

  private Future<JsonObject> respond(Caller c, Assignment a, boolean results) {
    return identity.users(new HashSet<>(List.of(a.patientId(), a.assignedBy()))).compose(users -> {
      Map<String, User> byId = new HashMap<>();
      users.forEach(u -> byId.put(u.id(), u));
      return view(c, a, byId).map(v -> {
        JsonObject o = new JsonObject().put("assignment", v);
        if (results) {
          User p = byId.get(a.patientId());
          o.put("results", explain(library.get(a.moduleId()), Library.language(p == null ? null : p.preferredLanguage()),
              a.progress().answers()));
        }
        return o;
      });
    });
  }

  /** Checks every answer against the module (400 when they do not fit its questions) and scores them. */
  private Progress grade(EducationModule m, Map<String, String> answers, Progress before, Instant now) {
    List<CheckQuestion> qs = m.english().check();
    if (!answers.keySet().equals(new HashSet<>(qs.stream().map(CheckQuestion::id).toList()))) {
      throw ApiException.invalid("answers", "must answer each question of the check exactly once");
    }
    int correct = 0;
    for (CheckQuestion q : qs) {
      String given = answers.get(q.id());
      if (!q.hasOption(given)) {
        throw ApiException.invalid("answers", "question " + q.id() + " has no option '" + given.replaceAll("[^A-Za-z0-9_-]", "") + "'");
      }
      if (q.answer().equals(given)) {
        correct++;
      }
    }
    return before.answered(answers, correct, qs.size(), now);
  }

  /** Explanations for a check, in the language the patient reads. */
  JsonArray explain(EducationModule m, String lang, Map<String, String> answers) {
    JsonArray arr = new JsonArray();
    for (CheckQuestion q : m.version(lang).check()) {
      arr.add(new JsonObject().put("id", q.id()).put("given", answers.get(q.id())).put("answer", q.answer())
          .put("correct", q.answer().equals(answers.get(q.id()))).put("explanation", q.explanation()));
    }
    return arr;
  }

  // ---- suggestions ------------------------------------------------------------------------

  /** Confirms an open suggestion: it becomes an assignment (with the optional note and due date). */
  public Future<Assigned> confirm(Caller c, String patientId, NewAssignment req) {
    if (!c.role().isClinician()) {
      return Future.failedFuture(ApiException.forbidden("Only clinicians confirm suggestions."));
    }
    return careTeams.authorize(c, patientId).compose(team -> store.suggestion(patientId, req.moduleId())).compose(s -> {
      if (s == null || s.status() != Suggestion.Status.OPEN) {
        return Future.failedFuture(ApiException.notFound("suggestion"));
      }
      return audit.record(event("education.suggestion.confirm", c).patient(patientId).subject(req.moduleId()))
          .compose(v -> assign(c, patientId, req, true));
    });
  }

  /** Dismisses an open suggestion; check-ins will not raise it again for education.resuggest-after. */
  public Future<Void> dismiss(Caller c, String patientId, String moduleId) {
    if (!c.role().isClinician()) {
      return Future.failedFuture(ApiException.forbidden("Only clinicians dismiss suggestions."));
    }
    return careTeams.authorize(c, patientId).compose(team -> store.suggestion(patientId, moduleId)).compose(s -> {
      if (s == null || s.status() != Suggestion.Status.OPEN) {
        return Future.failedFuture(ApiException.notFound("suggestion"));
      }
      return store.replace(s.decided(Suggestion.Status.DISMISSED, c.userId(), clock.instant()), s.rev()).compose(ok -> ok
          ? audit.record(event("education.suggestion.dismiss", c).patient(patientId).subject(moduleId))
          : Future.failedFuture(ApiException.conflict("busy", "The suggestion changed at the same time. Please reload.")));
    });
  }

  /** An open suggestion for a module just assigned is settled by the assignment. */
  private Future<Void> closeSuggestion(String patientId, String moduleId, String by) {
    return store.suggestion(patientId, moduleId).compose(s -> s == null || s.status() != Suggestion.Status.OPEN
        ? Future.succeededFuture()
        : store.replace(s.decided(Suggestion.Status.CONFIRMED, by, clock.instant()), s.rev()).mapEmpty());
  }

  static AuditEvent event(String type, Caller c) {
    return AuditEvent.of(type, c.userId(), c.role().wire(), AuditEvent.SUCCESS).from(c.ip());
  }
}

package dev.tandem.education;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Assignments, suggestions, check-in signal history and the per-patient note keys. Writes are
 * single-document: inserts that fail on an existing {@code _id} (answered false), and
 * replacements conditional on the revision read (answered false when someone wrote first).
 */
public interface EducationStore {
  Future<Assignment> assignment(String patientId, String moduleId);

  Future<List<Assignment>> assignments(String patientId);

  Future<Boolean> insert(Assignment a);

  /** Replaces the record if it is still at {@code expectedRev}; the stored copy gets expectedRev + 1. */
  Future<Boolean> replace(Assignment a, long expectedRev);

  Future<Suggestion> suggestion(String patientId, String moduleId);

  Future<List<Suggestion>> suggestions(String patientId);

  Future<Boolean> insert(Suggestion s);

  Future<Boolean> replace(Suggestion s, long expectedRev);

  /** Recent check-in results for one rule of one patient: {_id, hits: [{responseId, at, hit}], rev}. */
  Future<JsonObject> signal(String id);

  Future<Boolean> putSignal(JsonObject doc, long expectedRev);

  /**
   * Compare-and-set replaces of existing histories in one write: {@code docs.get(i)} replaces the
   * history with its id while its rev is still {@code expectedRevs.get(i)}. Succeeds with, per
   * document, whether it was written.
   */
  Future<List<Boolean>> replaceSignals(List<JsonObject> docs, List<Long> expectedRevs);

  /** The patient's wrapped education data key (base64), or null. */
  Future<String> wrappedKey(String patientId);

  /** Stores the key unless one exists; succeeds with whichever is stored. */
  Future<String> putKeyIfAbsent(String patientId, String wrapped, int version);
}

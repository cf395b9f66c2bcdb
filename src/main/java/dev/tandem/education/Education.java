package dev.tandem.education;

import dev.tandem.audit.AuditLog;
import dev.tandem.config.EducationConfig;
import dev.tandem.crypto.Envelope;
import dev.tandem.crypto.KeyManager;
import dev.tandem.identity.Identity;
import dev.tandem.store.Store;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.time.Clock;
import java.util.List;

/**
 * Builds the education feature with plain constructors. The library must be loaded first
 * ({@link ContentLoader#load}, blocking, at start-up): a broken module stops start-up.
 */
public final class Education {
  public final Library library;
  public final EducationService service;
  public final SuggestionEngine suggestions;

  public Education(Vertx vertx, MongoClient mongo, Library library, Identity identity, KeyManager keys, AuditLog audit,
      EducationConfig cfg, Clock clock) {
    EducationStore store = new MongoEducationStore(mongo);
    this.library = library;
    this.service = new EducationService(library, store, new NoteCipher(store, new Envelope(keys)), identity.careTeams,
        identity.identity, audit, cfg, clock);
    this.suggestions = new SuggestionEngine(library, store, identity.identity, audit, cfg, clock);
    suggestions.listen(vertx);
  }

  /** Per-patient lists scan on the embedded engine (it only honours _id); a real MongoDB uses these. */
  public static List<Store.Index> indexes() {
    return List.of(
        Store.Index.plain(MongoEducationStore.ASSIGNMENTS, "education_assignments_patient", new JsonObject().put("patientId", 1)),
        Store.Index.plain(MongoEducationStore.SUGGESTIONS, "education_suggestions_patient", new JsonObject().put("patientId", 1)));
  }

  /** This feature's per-patient note keys, for master-key rotation. */
  public static dev.tandem.store.WrappedKeyCollection wrappedKeys(MongoClient mongo, KeyManager keys) {
    return new dev.tandem.store.WrappedKeyCollection(mongo, MongoEducationStore.KEYS, NoteCipher::keyId, new Envelope(keys));
  }
}

package dev.tandem.checkins;

import dev.tandem.audit.AuditLog;
import dev.tandem.config.CheckinsConfig;
import dev.tandem.crypto.Envelope;
import dev.tandem.crypto.KeyManager;
import dev.tandem.identity.Caller;
import dev.tandem.identity.Identity;
import dev.tandem.messaging.Messaging;
import dev.tandem.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.mongo.MongoClient;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the check-ins feature with plain constructors and runs the escalation timer. */
public final class Checkins {
  private static final Logger LOG = LoggerFactory.getLogger(Checkins.class);
  public final CheckinService checkins;
  public final SafetyAlerts alerts;
  public final Timeline timeline;
  public final MonitoringPanel panel;
  public final FhirExport fhir;
  final CheckinsConfig cfg;
  private final Vertx vertx;
  final Clock clock;
  private long timer = -1;

  /** Fails with a ConfigException naming the file when an instrument definition is bad. */
  public Checkins(Vertx vertx, MongoClient mongo, Identity identity, Messaging messaging, KeyManager keys, AuditLog audit,
      CheckinsConfig cfg, String crisisResources, Clock clock) {
    this.vertx = vertx;
    this.cfg = cfg;
    this.clock = clock;
    Instruments instruments = Instruments.load(cfg.instrumentsDir());
    CheckinStore store = new CheckinStore(mongo);
    NoteCipher cipher = new NoteCipher(store, new Envelope(keys));
    this.alerts = new SafetyAlerts(vertx, store, identity.careTeams, cipher, audit, cfg, clock);
    this.checkins = new CheckinService(vertx, store, instruments, identity.careTeams, identity.identity, cipher, alerts, audit, cfg,
        crisisResources, clock);
    this.timeline = new Timeline(vertx, store, instruments, identity.careTeams, cipher, audit, clock);
    this.panel = new MonitoringPanel(checkins, alerts, identity.careTeams, identity.identity, messaging.directory, audit, clock);
    this.fhir = new FhirExport(store, instruments, identity.careTeams, cipher, timeline, audit, clock);
  }

  public static List<Store.Index> indexes() {
    return CheckinStore.indexes();
  }

  /** Demo data: schedules, ~60 days of history, medication events ({@code who}: demo key to caller). */
  public Future<Void> seedDemo(Map<String, Caller> who, boolean history) {
    return new DemoCheckins(this, clock).seed(who, history);
  }

  /** A later start of the demo clinic: loads the check-in history if the first start never did. */
  public Future<Void> resumeDemo(Map<String, Caller> who) {
    return new DemoCheckins(this, clock).resumeHistory(who);
  }

  Vertx vertx() {
    return vertx;
  }

  /** Starts checking open alerts for escalation. */
  public void start() {
    timer = vertx.setPeriodic(cfg.escalationCheckEvery().toMillis(), id -> alerts.escalateDue()
        .onFailure(t -> LOG.warn("alert escalation check failed: {}", t.toString())));
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /** This feature's per-patient note keys, for master-key rotation. */
  public static dev.tandem.store.WrappedKeyCollection wrappedKeys(MongoClient mongo, KeyManager keys) {
    return new dev.tandem.store.WrappedKeyCollection(mongo, CheckinStore.KEYS, NoteCipher::keyId, new Envelope(keys));
  }
}

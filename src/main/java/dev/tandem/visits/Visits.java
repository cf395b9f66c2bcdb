package dev.tandem.visits;

import dev.tandem.audit.AuditLog;
import dev.tandem.config.VisitsConfig;
import dev.tandem.identity.Identity;
import dev.tandem.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.ext.mongo.MongoClient;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the visits feature with plain constructors, and runs its background work: the
 * reminder check, the sweeper for slot claims whose visit never got written, and the
 * {@code visits.timeline} event-bus service (contract 2) for the check-ins feature.
 */
public final class Visits {
  /** Contract 2: request {"patientId", "from", "to"} → JsonArray of the patient's visits. */
  public static final String TIMELINE_ADDRESS = "visits.timeline";
  private static final Logger LOG = LoggerFactory.getLogger(Visits.class);
  public final VisitService visits;
  public final WaitingRoom waitingRoom;
  public final AvailabilityService availability;
  public final Reminders reminders;
  public final JitsiWebhook webhook;
  public final JitsiTokens tokens;
  public final VisitsConfig cfg;
  private final Vertx vertx;
  private final SlotClaims claims;
  private final MongoVisitStore store;
  private final Clock clock;
  private final Identity identity;
  private MessageConsumer<JsonObject> timeline;
  private long reminderTimer = -1;
  private long sweepTimer = -1;

  public Visits(Vertx vertx, MongoClient mongo, Identity identity, AuditLog audit, VisitsConfig cfg, Clock clock,
      Supplier<String> publicUrl) {
    this.vertx = vertx;
    this.cfg = cfg;
    this.clock = clock;
    this.identity = identity;
    this.store = new MongoVisitStore(mongo);
    this.claims = new SlotClaims(mongo, clock);
    this.tokens = new JitsiTokens(cfg);
    this.availability = new AvailabilityService(mongo, store, identity.careTeams, audit, clock);
    this.visits = new VisitService(vertx, store, claims, availability, identity.careTeams, identity.identity, audit, cfg, clock);
    this.waitingRoom = new WaitingRoom(vertx, visits, tokens, identity.identity, audit, cfg, clock);
    this.reminders = new Reminders(vertx, mongo, store, identity.identity, cfg, clock, publicUrl);
    this.webhook = new JitsiWebhook(store, audit, cfg, clock);
  }

  /** Registers the timeline service and starts the periodic reminder check and claim sweeper. */
  public Future<Void> start() {
    timeline = vertx.eventBus().localConsumer(TIMELINE_ADDRESS, msg -> {
      JsonObject q = msg.body();
      try {
        String patientId = q == null ? null : q.getString("patientId");
        Instant from = Instant.parse(q.getString("from"));
        Instant to = Instant.parse(q.getString("to"));
        if (patientId == null) {
          msg.fail(400, "patientId is required");
          return;
        }
        visits.timeline(patientId, from, to).onSuccess(msg::reply).onFailure(t -> msg.fail(500, "visits unavailable"));
      } catch (ClassCastException | NullPointerException | DateTimeParseException e) {
        msg.fail(400, "expected {patientId, from, to} with ISO-8601 instants");
      }
    });
    reminderTimer = reminders.start();
    sweepTimer = vertx.setPeriodic(Math.max(1000, cfg.claimSweepAfter().toMillis() / 2), id -> sweep()
        .onFailure(t -> LOG.warn("slot claim sweep failed: {}", t.toString())));
    return timeline.completion();
  }

  /** Seeds the demo clinic's visits and clinician hours (first start only). */
  public Future<Void> seedDemo() {
    // Demo data is a convenience: a clash (say, a clock far off) must not stop the server.
    return new VisitsDemo(identity, visits, availability).seed()
        .recover(t -> {
          LOG.warn("demo visits not seeded: {}", t.getMessage());
          return Future.succeededFuture();
        });
  }

  /** Releases claims left by bookings that never wrote their visit; succeeds with how many. */
  public Future<Integer> sweep() {
    return claims.sweep(cfg.claimSweepAfter(), store);
  }

  public Future<Void> stop() {
    if (reminderTimer >= 0) {
      vertx.cancelTimer(reminderTimer);
    }
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
    }
    Future<Void> t = timeline == null ? Future.succeededFuture() : timeline.unregister();
    return t.eventually(reminders::close);
  }

  /** Indexes a real MongoDB needs; slot claims and reminder markers ride on their unique _id. */
  public static List<Store.Index> indexes() {
    return List.of(
        Store.Index.unique(MongoVisitStore.VISITS, "visits_room", new JsonObject().put("room", 1)),
        Store.Index.plain(MongoVisitStore.VISITS, "visits_participant_start", new JsonObject().put("participants", 1).put("start", 1)),
        Store.Index.plain(MongoVisitStore.VISITS, "visits_status_start", new JsonObject().put("status", 1).put("start", 1)),
        Store.Index.plain(MongoVisitStore.VISITS, "visits_clinician_status", new JsonObject().put("clinicianIds", 1).put("status", 1)),
        Store.Index.plain(SlotClaims.COLLECTION, "slots_pending", new JsonObject().put("pending", 1).put("pendingSince", 1)));
  }
}

package dev.tandem.visits;

import dev.tandem.audit.AuditEvent;
import dev.tandem.audit.AuditLog;
import dev.tandem.config.VisitsConfig;
import dev.tandem.http.ApiException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;

/**
 * Attendance from Jitsi's event_sync module (mod_event_sync_component): room created or
 * destroyed, occupant joined or left. Authenticated by a shared secret compared in constant
 * time; the visit is found by its room name (unknown rooms: 404). The occupant's id is the
 * {@code context.user.id} from the token Tandem minted.
 */
public final class JitsiWebhook {
  public static final String SECRET_HEADER = "X-Tandem-Webhook-Secret";
  private final MongoVisitStore store;
  private final AuditLog audit;
  private final VisitsConfig cfg;
  private final Clock clock;

  JitsiWebhook(MongoVisitStore store, AuditLog audit, VisitsConfig cfg, Clock clock) {
    this.store = store;
    this.audit = audit;
    this.cfg = cfg;
    this.clock = clock;
  }

  /** Checks the secret; 401 when it is missing, wrong, or no secret is configured. */
  public void authenticate(String presented) {
    byte[] want = cfg.webhookSecret().isSet() ? cfg.webhookSecret().value().getBytes(StandardCharsets.UTF_8) : null;
    byte[] got = presented == null ? new byte[0] : presented.getBytes(StandardCharsets.UTF_8);
    // MessageDigest.isEqual takes time independent of where the arrays differ.
    boolean ok = want != null && MessageDigest.isEqual(want, got);
    if (!ok) {
      throw new ApiException(401, "unauthenticated", "Missing or wrong webhook secret.");
    }
  }

  /** One event: event_name, room_name and, for occupant events, occupant.id. */
  public Future<JsonObject> handle(String eventName, String roomName, String occupantId) {
    String event = switch (eventName) {
      case "muc-room-created" -> "room-created";
      case "muc-room-destroyed" -> "room-destroyed";
      case "muc-occupant-joined" -> "joined";
      case "muc-occupant-left" -> "left";
      default -> throw ApiException.invalid("event_name", "must be muc-room-created, muc-room-destroyed, muc-occupant-joined or muc-occupant-left");
    };
    String room = roomName.toLowerCase(Locale.ROOT);
    return store.byRoom(room).compose(v -> {
      if (v == null) {
        return Future.failedFuture(ApiException.notFound("room"));
      }
      // Only ids of the visit's participants are recorded; a stranger's id says nothing we trust.
      String who = occupantId != null && v.isParticipant(occupantId) ? occupantId : null;
      Instant now = clock.instant();
      Future<Void> write;
      if (event.equals("room-destroyed") && v.status() == VisitStatus.IN_PROGRESS) {
        write = store.update(v, new JsonObject().put("status", VisitStatus.COMPLETED.wire()),
            VisitService.historyEntry(VisitStatus.COMPLETED, now, "jitsi"), WaitingRoom.attendance(null, event, now, "jitsi"))
            .compose(u -> u != null ? Future.succeededFuture()
                : store.recordAttendance(v.id(), WaitingRoom.attendance(null, event, now, "jitsi")));
      } else {
        write = store.recordAttendance(v.id(), WaitingRoom.attendance(who, event, now, "jitsi"));
      }
      return write.compose(x -> audit.record(AuditEvent.of("visit.attendance", "jitsi", "system", AuditEvent.SUCCESS)
          .patient(v.patientId()).subject(v.id()).with("event", event)))
          .map(x -> new JsonObject().put("visitId", v.id()).put("recorded", event).put("participant", who != null));
    });
  }
}

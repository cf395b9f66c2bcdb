package dev.tandem.messaging;

import dev.tandem.audit.AuditEvent;
import dev.tandem.audit.AuditLog;
import dev.tandem.config.MessagingConfig;
import dev.tandem.http.ApiException;
import dev.tandem.identity.CareTeam;
import dev.tandem.identity.CareTeamService;
import dev.tandem.identity.Caller;
import dev.tandem.identity.IdentityService;
import dev.tandem.identity.Role;
import dev.tandem.identity.User;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which conversations a user has, with unread counts; direct threads between clinicians; and
 * the inbox of patient messages still waiting for a clinician's reply.
 */
public final class ConversationDirectory {
  private final MessageService messages;
  private final MessageStore store;
  private final CareTeamService careTeams;
  private final IdentityService identity;
  private final AuditLog audit;
  private final MessagingConfig cfg;
  private final Clock clock;

  ConversationDirectory(MessageService messages, MessageStore store, CareTeamService careTeams, IdentityService identity,
      AuditLog audit, MessagingConfig cfg, Clock clock) {
    this.messages = messages;
    this.store = store;
    this.careTeams = careTeams;
    this.identity = identity;
    this.audit = audit;
    this.cfg = cfg;
    this.clock = clock;
  }

  /** The caller's conversations, newest activity first, each with its unread count. */
  public Future<JsonObject> list(Caller c) {
    if (c.role() == Role.ADMIN) {
      return Future.failedFuture(ApiException.forbidden("Admins do not read clinical messages."));
    }
    return visibleTeams(c).compose(teams -> {
      Map<String, CareTeam> byPatient = new LinkedHashMap<>();
      teams.forEach(t -> byPatient.put(t.patientId(), t));
      return store.conversationsOf(byPatient.keySet()).compose(stored -> {
        Map<String, Conversation> byId = new HashMap<>();
        stored.forEach(x -> byId.put(x.id(), x));
        List<Conversation> mine = new ArrayList<>();
        for (CareTeam t : teams) {
          mine.add(byId.getOrDefault(Conversation.patientThreadId(t.patientId()),
              Conversation.skeleton(Conversation.patientThreadId(t.patientId()))));
          if (!c.isPatient()) {
            mine.add(byId.getOrDefault(Conversation.teamThreadId(t.patientId()),
                Conversation.skeleton(Conversation.teamThreadId(t.patientId()))));
          }
        }
        stored.stream().filter(x -> x.kind() == Conversation.Kind.DIRECT && x.clinicians().contains(c.userId())
            && byPatient.get(x.patientId()) != null && byPatient.get(x.patientId()).includes(c.userId())).forEach(mine::add);
        return describe(c, mine, byPatient);
      });
    });
  }

  private Future<List<CareTeam>> visibleTeams(Caller c) {
    return careTeams.teamsVisibleTo(c);
  }

  private Future<JsonObject> describe(Caller c, List<Conversation> convs, Map<String, CareTeam> teams) {
    Set<String> ids = new HashSet<>();
    convs.forEach(x -> {
      ids.add(x.patientId());
      ids.addAll(x.clinicians());
      if (x.assigneeId() != null) {
        ids.add(x.assigneeId());
      }
    });
    List<String> convIds = convs.stream().map(Conversation::id).toList();
    return Future.all(identity.users(ids), store.readPositions(c.userId(), convIds)).map(all -> {
      Map<String, String> names = new HashMap<>();
      all.<List<User>>resultAt(0).forEach(u -> names.put(u.id(), u.name()));
      Map<String, Long> read = all.resultAt(1);
      JsonArray out = new JsonArray();
      long totalUnread = 0;
      List<Conversation> sorted = new ArrayList<>(convs);
      sorted.sort(Comparator.comparing((Conversation x) -> x.lastMessageAt() == null ? "" : x.lastMessageAt()).reversed());
      for (Conversation x : sorted) {
        long last = messages.currentSeq(x.id(), x.lastSeq());
        long unread = Math.max(0, last - read.getOrDefault(x.id(), 0L));
        totalUnread += unread;
        JsonObject o = new JsonObject().put("id", x.id()).put("kind", x.kind().wire()).put("patientId", x.patientId())
            .put("patientName", names.get(x.patientId())).put("title", title(c, x, names)).put("lastSeq", last)
            .put("lastMessageAt", x.lastMessageAt()).put("unread", unread).put("readSeq", read.getOrDefault(x.id(), 0L));
        if (!c.isPatient()) {
          o.put("awaitingReplySince", x.awaitingReplySince()).put("assigneeId", x.assigneeId())
              .put("assigneeName", x.assigneeId() == null ? null : names.get(x.assigneeId()));
        }
        out.add(o);
      }
      return new JsonObject().put("conversations", out).put("unread", totalUnread);
    });
  }

  private static String title(Caller c, Conversation x, Map<String, String> names) {
    return switch (x.kind()) {
      case PATIENT -> c.isPatient() ? "Your care team" : names.getOrDefault(x.patientId(), "Patient") + " and care team";
      case TEAM -> "Care team about " + names.getOrDefault(x.patientId(), "patient");
      case DIRECT -> x.clinicians().stream().filter(id -> !id.equals(c.userId())).map(id -> names.getOrDefault(id, "Colleague"))
          .findFirst().orElse("Colleague") + " about " + names.getOrDefault(x.patientId(), "patient");
    };
  }

  /** Opens (or returns) the direct thread between the caller and another clinician about a shared patient. */
  public Future<JsonObject> direct(Caller c, String patientId, String otherClinicianId) {
    if (!c.role().isClinician() || otherClinicianId.equals(c.userId())) {
      return Future.failedFuture(ApiException.badRequest("invalid_direct", "Choose another clinician on this patient's care team."));
    }
    return careTeams.authorize(c, patientId).compose(team -> {
      if (!team.includes(otherClinicianId)) {
        return Future.failedFuture(ApiException.invalid("clinicianId", "must be on the patient's care team"));
      }
      String id = Conversation.directId(patientId, c.userId(), otherClinicianId);
      Conversation conv = new Conversation(id, Conversation.Kind.DIRECT, patientId, List.of(c.userId(), otherClinicianId), 0,
          null, null, null, 0, null);
      return store.ensure(conv).map(x -> new JsonObject().put("id", x.id()).put("kind", "direct").put("patientId", patientId));
    });
  }

  /**
   * Patient threads of the caller's patients still waiting for a clinician's reply, oldest
   * first, flagged when past the response target.
   */
  public Future<JsonObject> inbox(Caller c) {
    if (!c.role().isClinician()) {
      return Future.failedFuture(ApiException.forbidden("The inbox is for the care team."));
    }
    Instant now = clock.instant();
    return careTeams.teamsVisibleTo(c).compose(teams -> store.conversationsOf(teams.stream().map(CareTeam::patientId).toList()))
        .compose(convs -> {
          List<Conversation> waiting = convs.stream().filter(x -> x.kind() == Conversation.Kind.PATIENT
              && x.awaitingReplySince() != null).sorted(Comparator.comparing(Conversation::awaitingReplySince)).toList();
          Set<String> ids = new HashSet<>();
          waiting.forEach(x -> {
            ids.add(x.patientId());
            if (x.assigneeId() != null) {
              ids.add(x.assigneeId());
            }
          });
          return identity.users(ids).map(users -> {
            Map<String, String> names = new HashMap<>();
            users.forEach(u -> names.put(u.id(), u.name()));
            JsonArray out = new JsonArray();
            for (Conversation x : waiting) {
              Duration waited = Duration.between(Instant.parse(x.awaitingReplySince()), now);
              out.add(new JsonObject().put("conversationId", x.id()).put("patientId", x.patientId())
                  .put("patientName", names.get(x.patientId())).put("waitingSince", x.awaitingReplySince())
                  .put("waitingMinutes", waited.toMinutes()).put("overdue", waited.compareTo(cfg.responseTarget()) > 0)
                  .put("assigneeId", x.assigneeId()).put("assigneeName", x.assigneeId() == null ? null : names.get(x.assigneeId())));
            }
            return new JsonObject().put("items", out).put("responseTargetMinutes", cfg.responseTarget().toMinutes());
          });
        });
  }

  /** Assigns a patient thread to a member of the patient's care team. */
  public Future<Void> assign(Caller c, String conversationId, String assigneeId) {
    if (!c.role().isClinician()) {
      return Future.failedFuture(ApiException.forbidden("Only the care team assigns threads."));
    }
    return messages.access(c, conversationId).compose(a -> {
      if (a.conversation().kind() != Conversation.Kind.PATIENT) {
        return Future.failedFuture(ApiException.badRequest("not_assignable", "Only patient threads are assigned."));
      }
      if (!a.team().includes(assigneeId)) {
        return Future.failedFuture(ApiException.invalid("userId", "must be on the patient's care team"));
      }
      return store.setAssignee(conversationId, assigneeId)
          .compose(v -> audit.record(AuditEvent.of("conversation.assign", c.userId(), c.role().wire(), AuditEvent.SUCCESS)
              .from(c.ip()).patient(a.conversation().patientId()).subject(conversationId).with("assignee", assigneeId)))
          .map(v -> {
            messages.publish(a.team().members().stream().collect(java.util.stream.Collectors.toSet()),
                new JsonObject().put("type", "inbox.assigned").put("conversationId", conversationId).put("assigneeId", assigneeId));
            return null;
          });
    });
  }
}

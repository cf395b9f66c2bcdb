package dev.tandem.messaging;

import dev.tandem.audit.AuditEvent;
import dev.tandem.audit.AuditLog;
import dev.tandem.config.MessagingConfig;
import dev.tandem.crypto.CryptoException;
import dev.tandem.crypto.Envelope;
import dev.tandem.http.ApiException;
import dev.tandem.http.Ids;
import dev.tandem.identity.CareTeam;
import dev.tandem.identity.CareTeamService;
import dev.tandem.identity.Caller;
import dev.tandem.identity.IdentityService;
import dev.tandem.identity.Role;
import dev.tandem.store.Times;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encrypted messaging between a patient and their care team. Every method takes the caller and
 * checks access through {@link CareTeamService#authorize}; a conversation the caller may not
 * see is answered like one that does not exist (404). Bodies are encrypted before they reach
 * the store and decrypted only for a caller allowed to read them. Live events go to
 * {@code user.<id>} on the event bus.
 */
public final class MessageService {
  private static final Logger LOG = LoggerFactory.getLogger(MessageService.class);
  static final String ERASED_ADDRESS = "tandem.messaging.erased";
  /** Each crisis alert this node stored (the stored document), for the check-ins feature's open-alert view; answered once applied. */
  public static final String ALERT_STORED_ADDRESS = "tandem.messaging.alert-stored";

  private final Vertx vertx;
  private final MessageStore store;
  private final CareTeamService careTeams;
  private final IdentityService identity;
  private final Envelope envelope;
  private final AuditLog audit;
  private final MessagingConfig cfg;
  private final Clock clock;
  private final CrisisDetector crisis;
  private final ClinicHours hours;
  private final MessageWriter writer;
  private final Map<String, Future<Long>> seqs = new HashMap<>();
  private final Map<String, byte[]> dataKeys = new HashMap<>();
  private final Map<String, Conversation> conversations = new HashMap<>();
  /** Sends being written, by idempotency key: a concurrent retry waits for the first instead of taking a sequence number. */
  private final Map<String, Future<Sent>> inFlight = new HashMap<>();
  /**
   * Idempotency keys stored lately (bounded). A retry of one of these is answered from the
   * store without taking a sequence number; a retry of anything older (or from before a
   * restart) is caught by the primary key and answered the same way, but leaves one unused
   * sequence number behind, which can make an unread count one too high until the next read.
   */
  private final Map<String, Boolean> recentlyStored = new java.util.LinkedHashMap<>(1024, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
      return size() > 100_000;
    }
  };

  /** What the caller may do in a conversation, and who receives its live events. */
  record Access(Conversation conversation, CareTeam team, Set<String> members) {
  }

  public record Sent(JsonObject message, boolean duplicate, JsonObject crisis, JsonObject autoReply) {
    public JsonObject toJson() {
      JsonObject o = new JsonObject().put("message", message).put("duplicate", duplicate);
      if (crisis != null) {
        o.put("crisis", crisis);
      }
      if (autoReply != null) {
        o.put("autoReply", autoReply);
      }
      return o;
    }
  }

  MessageService(Vertx vertx, MessageStore store, CareTeamService careTeams, IdentityService identity, Envelope envelope,
      AuditLog audit, MessagingConfig cfg, Clock clock) {
    this.vertx = vertx;
    this.store = store;
    this.careTeams = careTeams;
    this.identity = identity;
    this.envelope = envelope;
    this.audit = audit;
    this.cfg = cfg;
    this.clock = clock;
    this.crisis = CrisisDetector.from(cfg.crisisPhrases());
    this.hours = new ClinicHours(cfg);
    this.writer = new MessageWriter(store, cfg.writeBatchMax());
    // Erasure on any node drops cached keys everywhere (the event bus spans the cluster).
    vertx.eventBus().<String>consumer(ERASED_ADDRESS, m -> forget(m.body()));
  }

  // ---- access ---------------------------------------------------------------------------

  Future<Access> access(Caller c, String conversationId) {
    Conversation sk = Ids.valid(conversationId) ? Conversation.skeleton(conversationId) : null;
    if (sk == null || c.role() == Role.ADMIN) {
      return Future.failedFuture(ApiException.notFound("conversation"));
    }
    return careTeams.authorize(c, sk.patientId()).recover(t -> Future.failedFuture(ApiException.notFound("conversation")))
        .compose(team -> conversation(sk).compose(conv -> {
          Set<String> members = new LinkedHashSet<>();
          switch (conv.kind()) {
            case PATIENT -> {
              members.add(conv.patientId());
              members.addAll(team.members());
            }
            case TEAM -> {
              if (c.isPatient()) {
                return Future.failedFuture(ApiException.notFound("conversation"));
              }
              members.addAll(team.members());
            }
            case DIRECT -> {
              if (conv.clinicians().isEmpty() || !conv.clinicians().contains(c.userId())) {
                return Future.failedFuture(ApiException.notFound("conversation"));
              }
              conv.clinicians().stream().filter(team::includes).forEach(members::add);
            }
          }
          return Future.succeededFuture(new Access(conv, team, members));
        }));
  }

  private Future<Conversation> conversation(Conversation skeleton) {
    Conversation cached = conversations.get(skeleton.id());
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    Future<Conversation> f = skeleton.kind() == Conversation.Kind.DIRECT ? store.conversation(skeleton.id()).map(c -> {
      if (c == null) {
        throw ApiException.notFound("conversation");
      }
      return c;
    }) : store.ensure(skeleton);
    return f.map(c -> {
      conversations.put(c.id(), c);
      return c;
    });
  }

  // ---- sending --------------------------------------------------------------------------

  /**
   * Sends a message. Idempotent on (conversation, sender, clientId): a retry succeeds with the
   * stored message and {@code duplicate=true}. A patient's message with crisis language comes
   * back with crisis resources and alerts the care team; outside clinic hours a patient gets an
   * automatic reply. Fails with 404 (no access), 400 (empty or too long).
   */
  public Future<Sent> send(Caller c, String conversationId, String clientId, String body) {
    return send(c, conversationId, clientId, body, null);
  }

  /** A send that points at an already stored attachment ({id, mime, size}). */
  Future<Sent> send(Caller c, String conversationId, String clientId, String body, JsonObject attachment) {
    String text = body.strip();
    if (text.isEmpty()) {
      return Future.failedFuture(ApiException.invalid("body", "must not be empty"));
    }
    if (text.length() > cfg.maxBodyChars()) {
      return Future.failedFuture(ApiException.invalid("body", "must be at most " + cfg.maxBodyChars() + " characters"));
    }
    String idem = Message.idem(conversationId, c.userId(), clientId);
    return access(c, conversationId).compose(a -> {
      Future<Sent> running = inFlight.get(idem);
      if (running != null) {
        return running.map(first -> new Sent(first.message(), true, first.crisis(), null));
      }
      // No store lookup per send (it halved throughput): a retry of a recent message is known
      // here; an older one is caught by the primary key on insert and replayed from the store.
      Future<Sent> f = recentlyStored.containsKey(idem)
          ? store.byIdem(idem).compose(existing -> existing != null ? replay(a, existing) : write(c, a, clientId, text, attachment))
          : write(c, a, clientId, text, attachment);
      inFlight.put(idem, f);
      return f.onComplete(ar -> {
        inFlight.remove(idem);
        if (ar.succeeded()) {
          recentlyStored.put(idem, Boolean.TRUE);
        }
      });
    });
  }

  private Future<Sent> replay(Access a, Message existing) {
    // A retry of a message that signalled risk gets the crisis resources again (the care team
    // was already alerted by the first attempt).
    JsonObject crisisAgain = existing.crisis() ? crisisNotice() : null;
    return names(Set.of(existing.senderId())).map(n -> new Sent(view(existing, decrypt(existing), n), true, crisisAgain, null));
  }

  private Future<Sent> write(Caller c, Access a, String clientId, String text, JsonObject attachment) {
    Conversation conv = a.conversation();
    boolean fromPatient = c.isPatient();
    boolean risky = fromPatient && crisis.matches(text);
    Instant now = clock.instant();
    return dataKey(conv).compose(dk -> nextSeq(conv.id()).compose(seq -> {
      String id = Message.idFor(Message.idem(conv.id(), c.userId(), clientId));
      byte[] ct = envelope.encrypt(dk, text.getBytes(StandardCharsets.UTF_8), Message.aad(conv.id(), id));
      Message m = new Message(id, conv.id(), seq, c.userId(), c.role().wire(), attachment == null ? "text" : "attachment", Times.format(now),
          clientId, ct, conv.keyEpoch(), risky, attachment);
      boolean patientThread = conv.kind() == Conversation.Kind.PATIENT;
      return writer.submit(m, patientThread && fromPatient, patientThread && !fromPatient)
          .onFailure(t -> seqs.remove(conv.id())) // re-read the last sequence number before the next send
          .compose(stored -> {
        if (!stored) {
          return store.byIdem(m.idem()).compose(existing -> replay(a, existing));
        }
        JsonObject view = view(m, text, Map.of(c.userId(), c.name()));
        publish(a.members(), new JsonObject().put("type", "message").put("message", view));
        Future<JsonObject> crisisFuture = risky ? raiseCrisis(c, a, m) : Future.succeededFuture(null);
        Future<JsonObject> reply = fromPatient && patientThread && !hours.isOpen(now) ? autoReply(a, now)
            : Future.succeededFuture(null);
        return Future.all(crisisFuture, reply).map(x -> new Sent(view, false, crisisFuture.result(), reply.result()));
      });
    }));
  }

  private Future<Long> nextSeq(String conversationId) {
    Future<Long> last = seqs.computeIfAbsent(conversationId, store::maxSeq);
    Future<Long> next = last.map(n -> n + 1);
    seqs.put(conversationId, next);
    // A failed lookup must not poison later sends.
    next.onFailure(t -> seqs.remove(conversationId));
    return next;
  }

  /** The conversation's current data key (created on first use). */
  Future<byte[]> keyFor(Conversation conv) {
    return dataKey(conv);
  }

  /** The data key of an older epoch, or null when it was destroyed (erased). */
  Future<byte[]> keyFor(Conversation conv, int epoch) {
    Message probe = new Message("", conv.id(), 0, "", "", "", "", "", new byte[0], epoch, false, null);
    return keysFor(conv, java.util.List.of(probe)).map(keys -> keys.get(epoch));
  }

  private Future<byte[]> dataKey(Conversation conv) {
    String keyId = conv.id() + ":" + conv.keyEpoch();
    byte[] cached = dataKeys.get(keyId);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    return store.key(conv.id(), conv.keyEpoch()).compose(k -> k != null ? Future.succeededFuture(k)
        : store.putKeyIfAbsent(new MessageStore.WrappedKey(conv.id(), conv.keyEpoch(), conv.patientId(),
            envelope.newWrappedDataKey(keyId), envelope.currentVersion())))
        .map(k -> {
          byte[] dk = envelope.unwrap(k.wrapped(), keyId);
          dataKeys.put(keyId, dk);
          return dk;
        });
  }

  private Future<JsonObject> raiseCrisis(Caller patient, Access a, Message m) {
    JsonObject alert = new JsonObject().put("id", Ids.newId()).put("patientId", a.conversation().patientId())
        .put("patientName", patient.name()).put("source", "message").put("conversationId", m.conversationId())
        .put("messageId", m.id()).put("seq", m.seq()).put("createdAt", m.createdAt()).put("status", "open")
        .put("severity", "urgent");
    Set<String> team = new HashSet<>(a.team().members());
    publish(team, new JsonObject().put("type", "safety.alert").put("alert", alert));
    return store.saveAlert(alert)
        .compose(v -> {
          // Awaited, so the care team's alert lists show it by the time the patient has the answer;
          // no listener (check-ins not running) is not an error.
          JsonObject stored = alert.copy();
          stored.put("_id", stored.remove("id"));
          return vertx.eventBus().request(ALERT_STORED_ADDRESS, stored,
              new io.vertx.core.eventbus.DeliveryOptions().setLocalOnly(true).setSendTimeout(2000))
              .<Void>mapEmpty().recover(t -> Future.succeededFuture());
        })
        .compose(v -> audit.record(AuditEvent.of("safety.alert", patient.userId(), patient.role().wire(), AuditEvent.SUCCESS)
            .patient(a.conversation().patientId()).subject(m.id()).with("source", "message")))
        .map(v -> crisisNotice());
  }

  private JsonObject crisisNotice() {
    return new JsonObject().put("resources", cfg.crisisResources())
        .put("message", "Your care team has been alerted. If you are in danger, use the crisis line now.");
  }

  private Future<JsonObject> autoReply(Access a, Instant now) {
    String notBefore = Times.format(now.minus(Duration.ofHours(12)));
    Conversation conv = a.conversation();
    return store.claimAutoReply(conv.id(), Times.format(now), notBefore).compose(won -> {
      if (!won) {
        return Future.succeededFuture(null);
      }
      String text = hours.afterHoursReply();
      return dataKey(conv).compose(dk -> nextSeq(conv.id()).compose(seq -> {
        String clientId = "auto-" + Ids.newId();
        String id = Message.idFor(Message.idem(conv.id(), Message.SYSTEM, clientId));
        Message m = new Message(id, conv.id(), seq, Message.SYSTEM, Message.SYSTEM, "auto-reply", Times.format(now),
            clientId, envelope.encrypt(dk, text.getBytes(StandardCharsets.UTF_8), Message.aad(conv.id(), id)),
            conv.keyEpoch(), false, null);
        return writer.submit(m, false, false).map(stored -> {
          JsonObject view = view(m, text, Map.of());
          publish(a.members(), new JsonObject().put("type", "message").put("message", view));
          return view;
        });
      }));
    });
  }

  // ---- reading --------------------------------------------------------------------------

  /**
   * A page of history, audited as a read of the patient's messages. {@code after} pages forward
   * (catch-up after a reconnect: nothing missed, nothing twice); {@code before} pages back.
   */
  public Future<JsonObject> history(Caller c, String conversationId, Long after, Long before, int limit) {
    return access(c, conversationId).compose(a -> {
      Future<List<Message>> page = after != null ? store.after(conversationId, after, limit)
          : store.before(conversationId, before == null ? Long.MAX_VALUE : before, limit).map(l -> {
            List<Message> asc = new ArrayList<>(l);
            java.util.Collections.reverse(asc);
            return asc;
          });
      return page.compose(msgs -> keysFor(a.conversation(), msgs).compose(keys -> {
        Set<String> senders = new HashSet<>();
        msgs.forEach(m -> senders.add(m.senderId()));
        return names(senders).map(n -> {
          JsonArray out = new JsonArray();
          for (Message m : msgs) {
            out.add(view(m, decrypt(m, keys), n));
          }
          return out;
        });
      })).compose(out -> audit.record(AuditEvent.of("conversation.read", c.userId(), c.role().wire(), AuditEvent.SUCCESS)
          .from(c.ip()).patient(a.conversation().patientId()).subject(conversationId)
          .with("messages", Integer.toString(out.size()))).map(v -> new JsonObject().put("conversationId", conversationId)
              .put("messages", out)));
    });
  }

  private Future<Map<Integer, byte[]>> keysFor(Conversation conv, List<Message> msgs) {
    Set<Integer> epochs = new HashSet<>();
    msgs.forEach(m -> epochs.add(m.keyEpoch()));
    Map<Integer, byte[]> out = new HashMap<>();
    List<Future<?>> all = new ArrayList<>();
    for (int e : epochs) {
      String keyId = conv.id() + ":" + e;
      byte[] cached = dataKeys.get(keyId);
      if (cached != null) {
        out.put(e, cached);
        continue;
      }
      all.add(store.key(conv.id(), e).map(k -> {
        if (k != null) {
          byte[] dk = envelope.unwrap(k.wrapped(), keyId);
          dataKeys.put(keyId, dk);
          out.put(e, dk);
        }
        return null;
      }));
    }
    return Future.all(all).map(x -> out);
  }

  private String decrypt(Message m) {
    byte[] dk = dataKeys.get(m.conversationId() + ":" + m.keyEpoch());
    return dk == null ? null : decrypt(m, Map.of(m.keyEpoch(), dk));
  }

  /** The plaintext, or null when its key was destroyed (erased) or it failed authentication (tampered). */
  private String decrypt(Message m, Map<Integer, byte[]> keys) {
    byte[] dk = keys.get(m.keyEpoch());
    if (dk == null) {
      return null;
    }
    try {
      return new String(envelope.decrypt(dk, m.ciphertext(), m.aad()), StandardCharsets.UTF_8);
    } catch (CryptoException e) {
      LOG.warn("message {} in {} failed authentication", m.id(), m.conversationId());
      return TAMPERED;
    }
  }

  private static final String TAMPERED = new String("\u0000tampered");

  private static JsonObject view(Message m, String body, Map<String, String> names) {
    JsonObject v = new JsonObject().put("id", m.id()).put("conversationId", m.conversationId()).put("seq", m.seq())
        .put("senderId", m.senderId()).put("senderRole", m.senderRole())
        .put("senderName", Message.SYSTEM.equals(m.senderId()) ? "Tandem" : names.getOrDefault(m.senderId(), null))
        .put("kind", m.kind()).put("createdAt", m.createdAt()).put("clientId", m.clientId()).put("crisis", m.crisis());
    if (m.attachment() != null) {
      v.put("attachment", m.attachment().copy().put("url",
          "/api/v1/conversations/" + m.conversationId() + "/attachments/" + m.attachment().getString("id")));
    }
    if (body == null) {
      v.put("status", "erased").put("body", (String) null);
    } else if (body == TAMPERED) {
      v.put("status", "tampered").put("body", (String) null);
    } else {
      v.put("status", "ok").put("body", body);
    }
    return v;
  }

  private Future<Map<String, String>> names(Set<String> ids) {
    Set<String> real = new HashSet<>(ids);
    real.remove(Message.SYSTEM);
    return identity.users(real).map(users -> {
      Map<String, String> n = new HashMap<>();
      users.forEach(u -> n.put(u.id(), u.name()));
      return n;
    });
  }

  // ---- receipts -------------------------------------------------------------------------

  /**
   * Records that the caller has read (or, from a live connection, received) the conversation up
   * to {@code seq}, and tells the other members. Positions only move forward.
   */
  public Future<Void> receipt(Caller c, String conversationId, long seq, boolean read) {
    if (seq < 1) {
      return Future.failedFuture(ApiException.invalid("seq", "must be at least 1"));
    }
    return access(c, conversationId).compose(a -> {
      long capped = Math.min(seq, currentSeq(conversationId, a.conversation().lastSeq()));
      return store.receipt(conversationId, c.userId(), read ? capped : null, read ? null : capped).map(stored -> {
        // Announce what is stored (a maximum), so listeners never see a position move back.
        JsonObject event = new JsonObject().put("type", "receipt").put("conversationId", conversationId)
            .put("userId", c.userId()).put(read ? "readSeq" : "deliveredSeq", read ? stored[0] : stored[1]);
        Set<String> others = new HashSet<>(a.members());
        others.remove(c.userId());
        publish(others, event);
        publish(Set.of(c.userId()), event);
        return null;
      });
    });
  }

  /** The highest sequence number known for a conversation (in memory or as stored). */
  long currentSeq(String conversationId, long stored) {
    Future<Long> f = seqs.get(conversationId);
    return f != null && f.succeeded() ? Math.max(f.result(), stored) : stored;
  }

  Future<Conversation> freshConversation(String conversationId) {
    return store.conversation(conversationId);
  }

  void publish(Set<String> userIds, JsonObject event) {
    // Encoded once for every recipient and socket (see LiveGateway).
    String encoded = event.encode();
    for (String u : userIds) {
      vertx.eventBus().publish("user." + u, encoded);
    }
  }

  void forget(String patientId) {
    conversations.values().removeIf(c -> c.patientId().equals(patientId));
    dataKeys.keySet().removeIf(k -> k.startsWith("p-" + patientId + ":") || k.startsWith("t-" + patientId + ":")
        || k.startsWith("d-" + patientId + "-"));
  }

}

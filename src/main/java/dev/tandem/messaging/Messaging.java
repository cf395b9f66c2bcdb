package dev.tandem.messaging;

import dev.tandem.audit.AuditLog;
import dev.tandem.config.MessagingConfig;
import dev.tandem.crypto.Envelope;
import dev.tandem.crypto.KeyManager;
import dev.tandem.identity.Identity;
import dev.tandem.store.Store;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.time.Clock;
import java.util.List;

/** Builds the messaging feature with plain constructors. */
public final class Messaging {
  public final MessageService messages;
  public final ConversationDirectory directory;
  public final MessagingAdmin admin;
  public final Attachments attachments;

  public Messaging(Vertx vertx, MongoClient mongo, Identity identity, KeyManager keys, AuditLog audit, MessagingConfig cfg,
      Clock clock) {
    MessageStore store = new MongoMessageStore(mongo);
    Envelope envelope = new Envelope(keys);
    this.messages = new MessageService(vertx, store, identity.careTeams, identity.identity, envelope, audit, cfg, clock);
    this.directory = new ConversationDirectory(messages, store, identity.careTeams, identity.identity, audit, cfg, clock);
    this.attachments = new Attachments(mongo, messages, envelope, audit, cfg);
    this.admin = new MessagingAdmin(vertx, store, messages, envelope, keys, audit, identity.identity::user);
  }

  /**
   * Indexes a real MongoDB needs. Idempotency rides on the primary key (message ids derive from
   * the idempotency key). The unique (conversation, seq) index guards against two nodes taking
   * the same number; the embedded store serves exactly one process, whose allocator already
   * guarantees it, and each extra unique index there costs a slow tree search per insert, so it
   * is created for an external MongoDB only.
   */
  public static List<Store.Index> indexes(boolean embedded) {
    List<Store.Index> all = new java.util.ArrayList<>(indexes());
    if (!embedded) {
      all.add(Store.Index.unique(MongoMessageStore.MESSAGES, "messages_seq", new JsonObject().put("conversationId", 1).put("seq", 1)));
    }
    return all;
  }

  private static List<Store.Index> indexes() {
    return List.of(
        Store.Index.plain(MongoMessageStore.MESSAGES, "messages_conversation_seq", new JsonObject().put("conversationId", 1).put("seq", -1)),
        Store.Index.plain(MongoMessageStore.CONVERSATIONS, "conversations_patient", new JsonObject().put("patientId", 1)),
        Store.Index.plain(MongoMessageStore.KEYS, "keys_patient", new JsonObject().put("patientId", 1)),
        Store.Index.plain(MongoMessageStore.KEYS, "keys_version", new JsonObject().put("version", 1)),
        Store.Index.plain(MongoMessageStore.RECEIPTS, "receipts_conversation", new JsonObject().put("conversationId", 1)),
        Store.Index.plain(Attachments.COLLECTION, "attachments_conversation", new JsonObject().put("conversationId", 1)),
        Store.Index.plain(MongoMessageStore.ALERTS, "alerts_patient", new JsonObject().put("patientId", 1).put("createdAt", -1)));
  }
}

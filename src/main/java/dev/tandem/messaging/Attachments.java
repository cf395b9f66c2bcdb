package dev.tandem.messaging;

import dev.tandem.audit.AuditEvent;
import dev.tandem.audit.AuditLog;
import dev.tandem.config.MessagingConfig;
import dev.tandem.crypto.CryptoException;
import dev.tandem.crypto.Envelope;
import dev.tandem.http.ApiException;
import dev.tandem.http.Ids;
import dev.tandem.identity.Caller;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * Images and PDFs shared in a conversation. The type is decided by the file's first bytes
 * (PNG, JPEG, GIF, WebP, PDF), never by its name or declared type; the content is encrypted
 * like a message body under the conversation's data key, bound to conversation and attachment
 * id. Uploading posts a message that points at the attachment.
 */
public final class Attachments {
  static final String COLLECTION = "attachments";
  private final MongoClient mongo;
  private final MessageService messages;
  private final Envelope envelope;
  private final AuditLog audit;
  private final MessagingConfig cfg;

  public record Download(String mime, String name, Buffer content) {
  }

  Attachments(MongoClient mongo, MessageService messages, Envelope envelope, AuditLog audit, MessagingConfig cfg) {
    this.mongo = mongo;
    this.messages = messages;
    this.envelope = envelope;
    this.audit = audit;
    this.cfg = cfg;
  }

  public int maxBytes() {
    return cfg.attachmentMaxBytes();
  }

  /** The MIME type from the content's signature, or null when it is not an accepted type. */
  static String sniff(byte[] b) {
    if (starts(b, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
      return "image/png";
    }
    if (starts(b, 0xFF, 0xD8, 0xFF)) {
      return "image/jpeg";
    }
    if (starts(b, 'G', 'I', 'F', '8')) {
      return "image/gif";
    }
    if (starts(b, 'R', 'I', 'F', 'F') && b.length >= 12 && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') {
      return "image/webp";
    }
    if (starts(b, '%', 'P', 'D', 'F', '-')) {
      return "application/pdf";
    }
    return null;
  }

  private static boolean starts(byte[] b, int... sig) {
    if (b.length < sig.length) {
      return false;
    }
    for (int i = 0; i < sig.length; i++) {
      if ((b[i] & 0xFF) != sig[i]) {
        return false;
      }
    }
    return true;
  }

  /** Stores an attachment and posts a message about it; idempotent on clientId like any send. */
  public Future<MessageService.Sent> upload(Caller c, String conversationId, String clientId, String name, byte[] content) {
    if (content.length == 0) {
      return Future.failedFuture(ApiException.badRequest("empty_file", "The file is empty."));
    }
    if (content.length > cfg.attachmentMaxBytes()) {
      return Future.failedFuture(new ApiException(413, "file_too_large",
          "Files can be at most " + (cfg.attachmentMaxBytes() / 1024 / 1024) + " MB."));
    }
    String mime = sniff(content);
    if (mime == null) {
      return Future.failedFuture(new ApiException(415, "unsupported_file_type", "Only images (PNG, JPEG, GIF, WebP) and PDFs can be shared."));
    }
    String safeName = name == null ? "file" : name.replaceAll("[^A-Za-z0-9 ._()-]", "_");
    safeName = safeName.length() > 100 ? safeName.substring(0, 100) : safeName;
    String finalName = safeName;
    return messages.access(c, conversationId).compose(a -> messages.keyFor(a.conversation()).compose(dk -> {
      String id = Ids.newId();
      byte[] ct = envelope.encrypt(dk, content, aad(conversationId, id));
      JsonObject doc = new JsonObject().put("_id", id).put("conversationId", conversationId)
          .put("patientId", a.conversation().patientId()).put("mime", mime).put("size", content.length)
          .put("keyEpoch", a.conversation().keyEpoch()).put("uploadedBy", c.userId())
          .put("ct", Base64.getEncoder().encodeToString(ct))
          .put("nameCt", Base64.getEncoder().encodeToString(envelope.encrypt(dk, finalName.getBytes(StandardCharsets.UTF_8),
              aad(conversationId, id) + "/name")));
      return mongo.insert(COLLECTION, doc).compose(x -> messages.send(c, conversationId, clientId, finalName,
          new JsonObject().put("id", id).put("mime", mime).put("size", content.length)));
    }));
  }

  /** Decrypts an attachment for a conversation member; 404 otherwise; 410 when erased. */
  public Future<Download> download(Caller c, String conversationId, String attachmentId) {
    return messages.access(c, conversationId).compose(a -> mongo.findOne(COLLECTION,
        new JsonObject().put("_id", attachmentId).put("conversationId", conversationId), null).compose(doc -> {
          if (doc == null) {
            return Future.failedFuture(ApiException.notFound("attachment"));
          }
          int epoch = doc.getInteger("keyEpoch", 0);
          return messages.keyFor(a.conversation(), epoch).compose(dk -> {
            if (dk == null) {
              return Future.failedFuture(new ApiException(410, "erased", "This file was erased."));
            }
            try {
              byte[] plain = envelope.decrypt(dk, Base64.getDecoder().decode(doc.getString("ct")), aad(conversationId, attachmentId));
              String name = new String(envelope.decrypt(dk, Base64.getDecoder().decode(doc.getString("nameCt")),
                  aad(conversationId, attachmentId) + "/name"), StandardCharsets.UTF_8);
              if (!doc.getString("mime").equals(sniff(Arrays.copyOf(plain, Math.min(plain.length, 16))))) {
                throw new CryptoException("content type changed");
              }
              return audit.record(AuditEvent.of("attachment.read", c.userId(), c.role().wire(), AuditEvent.SUCCESS).from(c.ip())
                  .patient(a.conversation().patientId()).subject(attachmentId))
                  .map(v -> new Download(doc.getString("mime"), name, Buffer.buffer(plain)));
            } catch (CryptoException e) {
              return Future.failedFuture(new ApiException(422, "tampered", "This file could not be verified and is withheld."));
            }
          });
        }));
  }

  private static String aad(String conversationId, String attachmentId) {
    return "tandem attachment " + conversationId + "/" + attachmentId;
  }
}

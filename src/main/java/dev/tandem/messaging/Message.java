package dev.tandem.messaging;

import io.vertx.core.json.JsonObject;

/**
 * A message as stored: the body only as AES-GCM ciphertext under the conversation's data key
 * (of {@code keyEpoch}), bound to conversation id and message id. {@code idem} (conversation,
 * sender, client id) is unique, which makes sending idempotent.
 */
record Message(String id, String conversationId, long seq, String senderId, String senderRole, String kind,
    String createdAt, String clientId, byte[] ciphertext, int keyEpoch, boolean crisis, JsonObject attachment) {

  static final String SYSTEM = "system";

  String idem() {
    return idem(conversationId, senderId, clientId);
  }

  static String idem(String conversationId, String senderId, String clientId) {
    return conversationId + "|" + senderId + "|" + clientId;
  }

  String aad() {
    return aad(conversationId, id);
  }

  /**
   * The message id is derived from the idempotency key, so the store's primary key enforces
   * idempotency: no second unique index to maintain (each costs a tree search per insert in
   * the embedded engine).
   */
  static String idFor(String idem) {
    byte[] h = dev.tandem.crypto.Tokens.sha256(idem.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return "m" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(h).substring(0, 21);
  }

  static String aad(String conversationId, String messageId) {
    return "tandem message " + conversationId + "/" + messageId;
  }

  JsonObject toDoc() {
    return new JsonObject().put("_id", id).put("conversationId", conversationId).put("seq", seq).put("senderId", senderId)
        .put("senderRole", senderRole).put("kind", kind).put("createdAt", createdAt).put("clientId", clientId)
        .put("idem", idem()).put("ct", java.util.Base64.getEncoder().encodeToString(ciphertext)).put("keyEpoch", keyEpoch).put("crisis", crisis).put("attachment", attachment);
  }

  /** A stored ciphertext that is not even base64 decodes to nothing, which then fails authentication. */
  private static byte[] decode(Object ct) {
    try {
      return ct instanceof String s ? java.util.Base64.getDecoder().decode(s) : new byte[0];
    } catch (IllegalArgumentException e) {
      return new byte[0];
    }
  }

  static Message fromDoc(JsonObject d) {
    return new Message(d.getString("_id"), d.getString("conversationId"), d.getLong("seq"), d.getString("senderId"),
        d.getString("senderRole"), d.getString("kind", "text"), d.getString("createdAt"), d.getString("clientId"),
        decode(d.getValue("ct")), d.getInteger("keyEpoch", 0), d.getBoolean("crisis", false), d.getJsonObject("attachment"));
  }
}

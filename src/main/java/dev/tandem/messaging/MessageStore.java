package dev.tandem.messaging;

import io.vertx.core.Future;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Persistence for messaging: conversations, their data keys, messages and receipts. */
interface MessageStore {
  /** Creates the conversation if absent (idempotent); succeeds with the stored one. */
  Future<Conversation> ensure(Conversation c);

  /** Null when absent. */
  Future<Conversation> conversation(String id);

  Future<List<Conversation>> conversationsOf(Collection<String> patientIds);

  Future<Void> setAssignee(String conversationId, String userId);

  /** Records an automatic after-hours reply unless one was sent since {@code notBefore}; true when this call won. */
  Future<Boolean> claimAutoReply(String conversationId, String now, String notBefore);

  /** Wrapped data key for (conversation, epoch); null when absent or erased. */
  Future<WrappedKey> key(String conversationId, int epoch);

  /** Stores a new wrapped key; when another writer stored one first, succeeds with theirs. */
  Future<WrappedKey> putKeyIfAbsent(WrappedKey k);

  Future<List<WrappedKey>> keysWrappedBefore(int version, int limit);

  /** Replaces a wrapped key only if it still has {@code expectedVersion}. */
  Future<Boolean> rewrapKey(WrappedKey k, int expectedVersion);

  /** Destroys every data key of a patient's conversations and moves them to a new epoch. */
  Future<Long> eraseKeys(String patientId);

  Future<Long> maxSeq(String conversationId);

  /** Null when absent. */
  Future<Message> byIdem(String idem);

  /** Ascending by seq, after {@code afterSeq}. */
  Future<List<Message>> after(String conversationId, long afterSeq, int limit);

  /** Descending by seq, before {@code beforeSeq}. */
  Future<List<Message>> before(String conversationId, long beforeSeq, int limit);

  /**
   * Inserts a batch in one store command (one commit). Succeeds with the indexes of the messages
   * that already existed (duplicate idempotency key); fails only for other errors.
   */
  Future<Set<Integer>> insertBatch(List<Message> batch);

  /**
   * One round of bookkeeping after a batch: conversations' last seq and reply state, and the
   * senders' read positions.
   */
  Future<Void> afterBatch(Map<String, ConversationUpdate> conversations, Map<String, Long> senderReads);

  /** Raises (never lowers) a user's read and delivered positions; succeeds with the stored [read, delivered]. */
  Future<long[]> receipt(String conversationId, String userId, Long readSeq, Long deliveredSeq);

  /** userId -> [readSeq, deliveredSeq] for one conversation. */
  Future<Map<String, long[]>> receipts(String conversationId);

  /** conversationId -> readSeq for one user. */
  Future<Map<String, Long>> readPositions(String userId, Collection<String> conversationIds);

  /** Stores a safety alert raised by a message (the check-in feature shares the collection). */
  Future<Void> saveAlert(io.vertx.core.json.JsonObject alert);

  record WrappedKey(String conversationId, int epoch, String patientId, byte[] wrapped, int version) {
    String id() {
      return conversationId + ":" + epoch;
    }
  }

  /** What a batch changed in one conversation. */
  record ConversationUpdate(long lastSeq, String lastMessageAt, String awaitingSince, boolean replied) {
  }
}

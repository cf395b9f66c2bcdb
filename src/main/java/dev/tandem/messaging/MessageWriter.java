package dev.tandem.messaging;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit for messages: sends queue up while the previous batch is being written, then go
 * to the store together in one insert (one durable commit) followed by one round of
 * conversation and receipt bookkeeping. Batches are written one after another, so within a
 * conversation messages become visible in sequence order. Runs on one event-loop context.
 */
final class MessageWriter {
  private static final Logger LOG = LoggerFactory.getLogger(MessageWriter.class);
  private final MessageStore store;
  private final int batchMax;
  private final Queue<Pending> queue = new ArrayDeque<>();
  private boolean writing;

  /** {@code patientAwaiting}: a patient's message in a patient thread (waits for a clinician's reply). */
  record Pending(Message message, boolean patientAwaiting, boolean clinicianReply, Promise<Boolean> stored) {
  }

  MessageWriter(MessageStore store, int batchMax) {
    this.store = store;
    this.batchMax = batchMax;
  }

  /** Succeeds with true once stored, or false when the idempotency key already existed. */
  Future<Boolean> submit(Message m, boolean patientAwaiting, boolean clinicianReply) {
    Promise<Boolean> p = Promise.promise();
    queue.add(new Pending(m, patientAwaiting, clinicianReply, p));
    drain();
    return p.future();
  }

  int queued() {
    return queue.size();
  }

  private void drain() {
    if (writing || queue.isEmpty()) {
      return;
    }
    writing = true;
    List<Pending> batch = new ArrayList<>(Math.min(queue.size(), batchMax));
    while (!queue.isEmpty() && batch.size() < batchMax) {
      batch.add(queue.poll());
    }
    write(batch).onComplete(ar -> {
      if (ar.failed()) {
        LOG.error("message batch of {} failed", batch.size(), ar.cause());
        batch.forEach(p -> p.stored().tryFail(ar.cause()));
      }
      writing = false;
      drain();
    });
  }

  private Future<Void> write(List<Pending> batch) {
    List<Message> msgs = new ArrayList<>(batch.size());
    batch.forEach(p -> msgs.add(p.message()));
    return store.insertBatch(msgs).compose(dups -> {
      Map<String, MessageStore.ConversationUpdate> conv = new LinkedHashMap<>();
      Map<String, Long> reads = new HashMap<>();
      for (int i = 0; i < batch.size(); i++) {
        if (dups.contains(i)) {
          continue;
        }
        Pending p = batch.get(i);
        Message m = p.message();
        MessageStore.ConversationUpdate before = conv.get(m.conversationId());
        boolean replied = before != null && before.replied();
        String awaiting = before == null ? null : before.awaitingSince();
        if (p.clinicianReply()) {
          replied = true;
          awaiting = null;
        } else if (p.patientAwaiting() && awaiting == null) {
          awaiting = m.createdAt();
        }
        conv.put(m.conversationId(), new MessageStore.ConversationUpdate(m.seq(), m.createdAt(), awaiting, replied));
        if (!Message.SYSTEM.equals(m.senderId())) {
          reads.merge(MongoMessageStore.receiptId(m.conversationId(), m.senderId()), m.seq(), Math::max);
        }
      }
      return store.afterBatch(conv, reads).map(v -> dups);
    }).map(dups -> {
      for (int i = 0; i < batch.size(); i++) {
        batch.get(i).stored().tryComplete(!dups.contains(i));
      }
      return null;
    });
  }

}

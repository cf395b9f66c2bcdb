package dev.tandem.checkins;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Group commit for uploads: responses from all requests waiting at the moment go to the store in
 * one unordered insert, and their summary and month-bucket updates in one bulk write per
 * collection, so the embedded store's commit (one per write command) is shared by every upload in
 * the group instead of paid three times per upload. Up to {@code maxInFlight} groups of each kind
 * are in the store at once (the caller keeps one patient's uploads in order, so concurrent groups
 * never write the same documents). Runs on the verticle's event loop.
 */
final class CheckinWriter {
  private final CheckinStore store;
  private final int maxDocs;
  private final int maxInFlight;
  private final ArrayDeque<Insert> inserts = new ArrayDeque<>();
  private final ArrayDeque<Update> updates = new ArrayDeque<>();
  private int inserting;
  private int updating;

  private record Insert(List<JsonObject> docs, Promise<Set<Integer>> done) {
  }

  private record Update(List<BulkOperation> summaries, List<BulkOperation> buckets, Promise<Void> done) {
  }

  CheckinWriter(CheckinStore store, int maxDocs, int maxInFlight) {
    this.store = store;
    this.maxDocs = maxDocs;
    this.maxInFlight = maxInFlight;
  }

  /** Inserts complete response documents; succeeds with the indexes (into {@code docs}) that already existed. */
  Future<Set<Integer>> insert(List<JsonObject> docs) {
    if (docs.isEmpty()) {
      return Future.succeededFuture(Set.of());
    }
    Promise<Set<Integer>> p = Promise.promise();
    inserts.add(new Insert(docs, p));
    if (inserting < maxInFlight) {
      flushInserts();
    }
    return p.future();
  }

  private void flushInserts() {
    if (inserts.isEmpty()) {
      return;
    }
    inserting++;
    List<Insert> group = new ArrayList<>();
    List<JsonObject> all = new ArrayList<>();
    while (!inserts.isEmpty() && (group.isEmpty() || all.size() + inserts.peek().docs().size() <= maxDocs)) {
      Insert i = inserts.poll();
      group.add(i);
      all.addAll(i.docs());
    }
    store.insertResponses(all).onComplete(ar -> {
      int offset = 0;
      for (Insert i : group) {
        if (ar.failed()) {
          i.done().fail(ar.cause());
        } else {
          Set<Integer> mine = new HashSet<>();
          for (int k = 0; k < i.docs().size(); k++) {
            if (ar.result().contains(offset + k)) {
              mine.add(k);
            }
          }
          i.done().complete(mine);
        }
        offset += i.docs().size();
      }
      inserting--;
      flushInserts();
    });
  }

  /** Applies summary and bucket updates (upserts), grouped with other uploads' updates. */
  Future<Void> update(List<BulkOperation> summaries, List<BulkOperation> buckets) {
    Promise<Void> p = Promise.promise();
    updates.add(new Update(summaries, buckets, p));
    if (updating < maxInFlight) {
      flushUpdates();
    }
    return p.future();
  }

  private void flushUpdates() {
    if (updates.isEmpty()) {
      return;
    }
    updating++;
    List<Update> group = new ArrayList<>();
    List<BulkOperation> sums = new ArrayList<>();
    List<BulkOperation> bks = new ArrayList<>();
    while (!updates.isEmpty() && (group.isEmpty() || sums.size() + bks.size() < maxDocs)) {
      Update u = updates.poll();
      group.add(u);
      sums.addAll(u.summaries());
      bks.addAll(u.buckets());
    }
    Future.all(store.bulk(CheckinStore.SUMMARIES, sums), store.bulk(CheckinStore.TRENDS, bks)).onComplete(ar -> {
      for (Update u : group) {
        if (ar.failed()) {
          u.done().fail(ar.cause());
        } else {
          u.done().complete();
        }
      }
      updating--;
      flushUpdates();
    });
  }
}

package dev.tandem.store;

import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerException;
import io.netty.channel.Channel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store's engine: mongo-java-server's in-memory backend, made durable by a
 * write-ahead {@link Journal}. Every document change is journaled as it is applied; each command
 * flushes the journal (group commit) before its reply goes out, so an acknowledged write survives
 * the process being killed. At start the snapshot and journals are read back into memory; while
 * running, a new snapshot is written in the background when the journals have grown well past it.
 *
 * <p>Why not the H2 backend (the first design): measured on the messaging benchmark it spent most
 * of its time Java-serializing documents and index keys and rewriting pages on every commit
 * (1,280 msg/s); with this engine the store is no longer the bottleneck. The price: the whole
 * database lives in the heap, which suits the embedded mode's purpose (one clinic, a trial, a
 * demo); larger deployments use an external MongoDB.
 */
final class JournaledBackend extends MemoryBackend {
  private static final Logger LOG = LoggerFactory.getLogger(JournaledBackend.class);
  private static final long MIN_COMPACT_BYTES = 64L * 1024 * 1024;
  /** Documents encoded per hold of a collection's lock while snapshotting (~a millisecond). */
  private static final int SNAPSHOT_BATCH = 256;

  private final Journal journal;
  private final Compactor compactor;
  private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock();
  private final Map<String, JournaledCollection> collections = new ConcurrentHashMap<>();
  private volatile boolean recording;
  private final Object compactionLock = new Object();

  private JournaledBackend(Journal journal, Compactor compactor) {
    this.journal = journal;
    this.compactor = compactor;
  }

  /**
   * Opens the journal in {@code dir} and loads it into memory. Compaction is left to
   * {@link #compactIfWorthIt} (in the background) except after importing a 0.1 store file, whose
   * data must be in a snapshot before the old file is set aside.
   */
  static JournaledBackend open(Path dir, boolean sync) throws IOException {
    Compactor compactor = new Compactor();
    Journal.Opened opened = Journal.open(dir, sync, compactor);
    JournaledBackend backend = new JournaledBackend(opened.journal(), compactor);
    try {
      Path legacy = dir.resolve(LegacyH2Import.FILE);
      boolean importing = opened.records() == 0 && Files.exists(legacy);
      Map<String, Map<Object, Document>> state = opened.state();
      if (importing) {
        state = LegacyH2Import.read(legacy);
        state.values().forEach(docs -> docs.replaceAll((id, d) -> compactor.compact(d)));
      }
      backend.load(state);
      backend.recording = true;
      if (importing) {
        backend.compact();
        LegacyH2Import.retire(legacy);
        LOG.info("Embedded store: imported {} from Tandem 0.1 into the journal; the old file is now {}.imported",
            LegacyH2Import.FILE, LegacyH2Import.FILE);
      }
      return backend;
    } catch (IOException | RuntimeException e) {
      backend.close();
      throw e;
    }
  }

  /** Loads documents already compacted by {@link #compactor}. */
  private void load(Map<String, Map<Object, Document>> state) {
    for (var e : state.entrySet()) {
      int sep = e.getKey().indexOf('\0');
      JournaledDatabase db = (JournaledDatabase) resolveDatabase(e.getKey().substring(0, sep));
      JournaledCollection c = db.collection(e.getKey().substring(sep + 1));
      for (Document d : e.getValue().values()) {
        c.addCompacted(d);
      }
    }
  }

  @Override
  public MemoryDatabase openOrCreateDatabase(String databaseName) {
    return new JournaledDatabase(databaseName, getCursorRegistry(), this);
  }

  @Override
  public Document handleCommand(Channel channel, String database, String command, Document query) {
    if ("renamecollection".equals(command.toLowerCase(Locale.ROOT))) {
      throw new MongoServerException("renameCollection is not supported by Tandem's embedded store");
    }
    gate.readLock().lock();
    try {
      return super.handleCommand(channel, database, command, query);
    } finally {
      gate.readLock().unlock();
      // Also after a command that failed part-way (a duplicate key in a batch): what it did write
      // was reported to the client. A no-op when the command wrote nothing.
      journal.flush();
    }
  }

  void record(byte op, String database, String collection, Document document) {
    if (recording) {
      journal.append(op, database, collection, document);
    }
  }

  Compactor compactor() {
    return compactor;
  }

  void register(JournaledCollection c) {
    collections.put(c.getDatabase().getDatabaseName() + '\0' + c.getCollectionName(), c);
  }

  void dropped(String database, String collection) {
    if (collection.isEmpty()) {
      collections.keySet().removeIf(k -> k.startsWith(database + '\0'));
    } else {
      collections.remove(database + '\0' + collection);
    }
    record(Journal.DROP, database, collection, new Document());
  }

  /**
   * Compacts when replaying the journals would cost well over reading a snapshot: they hold more
   * than {@value #MIN_COMPACT_BYTES} bytes and three times the last snapshot (checked
   * periodically, on the housekeeping thread).
   */
  void compactIfWorthIt() {
    long tail = journal.tailBytes();
    if (tail > MIN_COMPACT_BYTES && tail > 3 * journal.snapshotBytes()) {
      try {
        compact();
      } catch (IOException | RuntimeException e) {
        LOG.warn("Embedded store journal compaction failed (will retry): {}", e.getMessage());
      }
    }
  }

  /**
   * Writes a snapshot of the live documents and drops the journal records it replaces. Writers
   * are held off only while the journal switches to a new file and the lists of live documents
   * are copied (references, not documents); the documents are encoded afterwards, a batch at a
   * time under their collection's lock, because updates change stored documents in place. A
   * document changed after the switch may be encoded in its newer state: harmless, since the new
   * journal replays that change on top of the snapshot anyway.
   */
  void compact() throws IOException {
    synchronized (compactionLock) {
      long started = System.nanoTime();
      long gen;
      Map<JournaledCollection, List<Document>> live = new LinkedHashMap<>();
      gate.writeLock().lock();
      try {
        gen = journal.rotate();
        for (JournaledCollection c : collections.values()) {
          live.put(c, c.documents());
        }
      } finally {
        gate.writeLock().unlock();
      }
      long switched = System.nanoTime();
      journal.writeSnapshot(gen, (sink, drain) -> {
        for (var e : live.entrySet()) {
          JournaledCollection c = e.getKey();
          String db = c.getDatabase().getDatabaseName();
          String name = c.getCollectionName();
          List<Document> docs = e.getValue();
          for (int from = 0; from < docs.size(); from += SNAPSHOT_BATCH) {
            synchronized (c) {
              for (Document d : docs.subList(from, Math.min(docs.size(), from + SNAPSHOT_BATCH))) {
                sink.put(db, name, d);
              }
            }
            drain.run();
          }
        }
      });
      LOG.info("Embedded store journal compacted to a {}-byte snapshot in {} ms (writers held for {} ms)",
          journal.snapshotBytes(), (System.nanoTime() - started) / 1_000_000, (switched - started) / 1_000_000);
    }
  }

  long journalBytes() {
    return journal.tailBytes() + journal.snapshotBytes();
  }

  @Override
  public void close() {
    try {
      super.close();
    } finally {
      journal.close();
    }
  }
}

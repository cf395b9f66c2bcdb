package dev.tandem.store;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.bson.BsonDecoder;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store's write-ahead journal: append-only files of records, each the full new
 * state of one document ({@code PUT}), a removal ({@code DEL}) or a dropped collection
 * ({@code DROP}). Records are framed as {@code [length][crc32c][op][db][collection][bson]}; a torn
 * record at the end (the process died mid-write, so the write was never acknowledged) is cut off
 * when the journal is read back.
 *
 * <p>Writers {@link #append} records into an in-memory buffer while they change the in-memory
 * collections, then call {@link #flush} before their command's reply goes out. Flushes are shared
 * (group commit): one {@code write(2)} covers every record appended so far, and a writer whose
 * records another thread already wrote returns at once. A flushed record is in the OS page cache
 * and survives the process being killed; with {@code sync} it is also fsynced (survives power loss).
 *
 * <p>Files: {@code journal-N.log} holds what was written during generation N;
 * {@code snapshot-N.log} (PUT records only) the complete state at the moment generation N began.
 * Compaction {@link #rotate}s to a new generation (a moment, under the caller's write lock), then
 * writes that generation's snapshot while writers carry on into the new journal, and only once
 * the snapshot is complete and renamed into place deletes the older files. Reading back: the
 * newest snapshot, then every journal from its generation on (or every journal, when there is no
 * snapshot yet). So a crash at any point leaves a complete history on disk.
 */
final class Journal implements AutoCloseable {
  static final byte PUT = 'P';
  static final byte DEL = 'D';
  static final byte DROP = 'X';

  private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
  private static final Pattern JOURNAL = Pattern.compile("journal-(\\d{1,18})\\.log");
  private static final Pattern SNAPSHOT = Pattern.compile("snapshot-(\\d{1,18})\\.log");
  private static final int HEADER = 8;
  private static final int MAX_RECORD = 64 * 1024 * 1024;

  private final Path dir;
  private final boolean sync;
  private final Object flushLock = new Object();
  private BsonBytes pending = new BsonBytes(64 * 1024);
  private BsonBytes spare = new BsonBytes(64 * 1024);
  private long appended;
  private long flushed;
  private long generation;
  private FileChannel channel;
  /** Bytes in journal files since the newest snapshot (all of them when there is none). */
  private long tailBytes;
  private volatile long snapshotBytes;
  private volatile IOException failure;

  private Journal(Path dir, boolean sync, long generation, FileChannel channel, long tailBytes, long snapshotBytes) {
    this.dir = dir;
    this.sync = sync;
    this.generation = generation;
    this.channel = channel;
    this.tailBytes = tailBytes;
    this.snapshotBytes = snapshotBytes;
  }

  /** One record read back from disk. */
  record Entry(byte op, String database, String collection, Document document) {}

  /** What a start found: the journal to append to, and the state its files add up to ({@code records} read). */
  record Opened(Journal journal, Map<String, Map<Object, Document>> state, long records) {}

  /** Receives the documents of a snapshot; see {@link #writeSnapshot}. */
  interface SnapshotSink {
    void put(String database, String collection, Document document);
  }

  /** Feeds a snapshot's documents to the sink, in as many calls as it likes. */
  interface SnapshotSource {
    void writeTo(SnapshotSink sink, Runnable drain);
  }

  /**
   * Opens the journal in {@code dir} (creating generation 1 if there is none), reads the newest
   * snapshot and every journal after it, and truncates a torn tail of the newest journal. Files a
   * finished compaction left behind (older generations, temporary files) are removed.
   */
  static Opened open(Path dir, boolean sync, Compactor compactor) throws IOException {
    Files.createDirectories(dir);
    Generations found = scan(dir, true);
    TreeMap<Long, Path> journals = found.journals();
    TreeMap<Long, Path> snapshots = found.snapshots();
    long base = snapshots.isEmpty() ? 0 : snapshots.lastKey();
    deleteBefore(found, base);
    // Records are applied as they are read: holding every record first kept every version of every
    // updated document in the heap at once (a data directory written in 2 GB did not reopen in 4 GB).
    Replay entries = new Replay(compactor);
    long snapshotBytes = 0;
    if (base > 0) {
      try (FileChannel ch = FileChannel.open(snapshots.get(base), StandardOpenOption.READ)) {
        snapshotBytes = read(ch, entries);
        if (snapshotBytes < ch.size()) {
          throw new IOException("embedded store snapshot " + snapshots.get(base).getFileName() + " is damaged at byte "
              + snapshotBytes + " (it was complete when it was renamed into place)");
        }
      }
    }
    SortedMap<Long, Path> replay = journals.tailMap(base);
    long newest = replay.isEmpty() ? Math.max(base, 1) : replay.lastKey();
    long tail = 0;
    for (var e : replay.entrySet()) {
      if (e.getKey() == newest) {
        break;
      }
      try (FileChannel ch = FileChannel.open(e.getValue(), StandardOpenOption.READ)) {
        long good = read(ch, entries);
        if (good < ch.size()) {
          LOG.warn("Embedded store journal {}: {} unreadable bytes at its end were skipped", e.getValue().getFileName(),
              ch.size() - good);
        }
        tail += good;
      }
    }
    Path path = file(dir, newest);
    FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    long good = read(ch, entries);
    if (good < ch.size()) {
      LOG.warn("Embedded store journal: cut off {} bytes of an unfinished write at the end (never acknowledged)",
          ch.size() - good);
      ch.truncate(good);
      ch.force(true);
    }
    ch.position(good);
    return new Opened(new Journal(dir, sync, newest, ch, tail + good, snapshotBytes), entries.state, entries.records);
  }

  private static Path file(Path dir, long gen) {
    return dir.resolve("journal-" + gen + ".log");
  }

  private static Path snapshotFile(Path dir, long gen) {
    return dir.resolve("snapshot-" + gen + ".log");
  }

  private static long read(FileChannel ch, Replay out) throws IOException {
    long fileSize = ch.size();
    ByteBuffer header = ByteBuffer.allocate(HEADER);
    long pos = 0;
    while (pos + HEADER <= fileSize) {
      header.clear();
      readFully(ch, header, pos);
      header.flip();
      int len = header.getInt();
      int crc = header.getInt();
      if (len <= 0 || len > MAX_RECORD || pos + HEADER + len > fileSize) {
        return pos;
      }
      ByteBuffer body = ByteBuffer.allocate(len);
      readFully(ch, body, pos + HEADER);
      CRC32C c = new CRC32C();
      c.update(body.array(), 0, len);
      if ((int) c.getValue() != crc) {
        return pos;
      }
      out.apply(decode(Unpooled.wrappedBuffer(body.array())));
      pos += HEADER + len;
    }
    return pos;
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    while (buf.hasRemaining()) {
      if (ch.read(buf, pos + buf.position()) < 0) {
        throw new IOException("unexpected end of journal");
      }
    }
  }

  private static Entry decode(ByteBuf b) {
    byte op = b.readByte();
    String db = BsonDecoder.decodeCString(b);
    String coll = BsonDecoder.decodeCString(b);
    Document doc = BsonDecoder.decodeBson(b);
    return new Entry(op, db, coll, doc);
  }

  /** Buffers one record; it reaches the file with the next {@link #flush}. */
  synchronized void append(byte op, String database, String collection, Document document) {
    encode(pending, op, database, collection, document);
    appended++;
  }

  private static void encode(BsonBytes buf, byte op, String database, String collection, Document document) {
    int start = buf.size();
    try {
      buf.writeLong(0); // length + crc (big-endian), filled in below
      buf.writeByte(op);
      buf.writeCString(database);
      buf.writeCString(collection);
      buf.writeDocument(document);
    } catch (RuntimeException e) {
      // A value that cannot be encoded: drop the half-written record. Left in the buffer, its
      // zero length would end the replay at the next start there, and every later record with it.
      buf.truncate(start);
      throw e;
    }
    int len = buf.size() - start - HEADER;
    CRC32C c = new CRC32C();
    c.update(buf.array(), start + HEADER, len);
    buf.setIntBE(start, len);
    buf.setIntBE(start + 4, (int) c.getValue());
  }

  /**
   * Writes every record appended so far (at least all of this thread's) to the file.
   *
   * @throws UncheckedIOException if the file cannot be written; the journal then refuses all later
   *     flushes, since the in-memory state has moved ahead of what is on disk
   */
  void flush() {
    long target;
    synchronized (this) {
      target = appended;
    }
    synchronized (flushLock) {
      if (failure != null) {
        throw new UncheckedIOException("the embedded store could not write its journal", failure);
      }
      if (flushed >= target) {
        return;
      }
      BsonBytes out;
      long upTo;
      synchronized (this) {
        out = pending;
        pending = spare;
        spare = out;
        upTo = appended;
      }
      try {
        ByteBuffer nio = out.asByteBuffer();
        while (nio.hasRemaining()) {
          channel.write(nio);
        }
        if (sync) {
          channel.force(false);
        }
        tailBytes += out.size();
        flushed = upTo;
      } catch (IOException e) {
        failure = e;
        throw new UncheckedIOException("the embedded store could not write its journal", e);
      } finally {
        out.clear();
        if (out.capacity() > 4 * 1024 * 1024) {
          spare = new BsonBytes(64 * 1024);
        }
      }
    }
  }

  /** Bytes in the journal files since the newest snapshot: what a restart replays on top of it. */
  long tailBytes() {
    synchronized (flushLock) {
      return tailBytes;
    }
  }

  /** Bytes in the newest snapshot (0 before the first). */
  long snapshotBytes() {
    return snapshotBytes;
  }

  /**
   * Starts a new generation: everything appended so far is flushed to the current file, later
   * appends go to a new one. The caller must hold off writers while this runs and take its
   * snapshot of the live documents before letting them go; returns the new generation, whose
   * snapshot that is.
   */
  long rotate() throws IOException {
    synchronized (flushLock) {
      flush();
      long next = generation + 1;
      FileChannel fresh = FileChannel.open(file(dir, next), StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      FileChannel old = channel;
      channel = fresh;
      generation = next;
      old.close();
      return next;
    }
  }

  /**
   * Writes generation {@code gen}'s snapshot from {@code source} (writers may carry on meanwhile:
   * their records are in that generation's journal), renames it into place once complete and
   * synced, then deletes the files it replaces. Encoded records are written to the file whenever
   * the source calls {@code drain}.
   */
  void writeSnapshot(long gen, SnapshotSource source) throws IOException {
    Path tmp = dir.resolve("snapshot-" + gen + ".tmp");
    BsonBytes buf = new BsonBytes(1024 * 1024);
    long written;
    try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE)) {
      IOException[] failed = new IOException[1];
      source.writeTo((db, coll, d) -> encode(buf, PUT, db, coll, d), () -> {
        if (failed[0] == null && buf.size() > 0) {
          try {
            drain(buf, out);
          } catch (IOException e) {
            failed[0] = e;
          }
        }
        buf.clear();
      });
      if (failed[0] != null) {
        throw failed[0];
      }
      drain(buf, out);
      out.force(true);
      written = out.size();
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(tmp, snapshotFile(dir, gen), StandardCopyOption.ATOMIC_MOVE);
    synchronized (flushLock) {
      // Only journal gen remains to replay (the caller rotates and snapshots one generation at a
      // time, so it is the current one): count what was appended since the rotation.
      tailBytes = channel.size();
    }
    snapshotBytes = written;
    deleteBefore(scan(dir, false), gen);
  }

  /** The journal and snapshot files in {@code dir} by generation. */
  private record Generations(TreeMap<Long, Path> journals, TreeMap<Long, Path> snapshots) {
  }

  /** Lists the generations; with {@code dropUnfinished}, deletes snapshots a crash left half-written. */
  private static Generations scan(Path dir, boolean dropUnfinished) throws IOException {
    TreeMap<Long, Path> journals = new TreeMap<>();
    TreeMap<Long, Path> snapshots = new TreeMap<>();
    try (var files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String name = p.getFileName().toString();
        Matcher j = JOURNAL.matcher(name);
        Matcher s = SNAPSHOT.matcher(name);
        if (j.matches()) {
          journals.put(Long.parseLong(j.group(1)), p);
        } else if (s.matches()) {
          snapshots.put(Long.parseLong(s.group(1)), p);
        } else if (dropUnfinished && (name.startsWith("journal-") || name.startsWith("snapshot-")) && name.endsWith(".tmp")) {
          Files.deleteIfExists(p); // an unfinished snapshot: the journals still hold everything
        }
      }
    }
    return new Generations(journals, snapshots);
  }

  /** Deletes the files of generations before {@code gen}: a complete snapshot of gen replaces them. */
  private static void deleteBefore(Generations g, long gen) throws IOException {
    for (Path stale : g.snapshots().headMap(gen).values()) {
      Files.deleteIfExists(stale);
    }
    for (Path stale : g.journals().headMap(gen).values()) {
      Files.deleteIfExists(stale);
    }
  }


  private static void drain(BsonBytes buf, FileChannel out) throws IOException {
    ByteBuffer nio = buf.asByteBuffer();
    while (nio.hasRemaining()) {
      out.write(nio);
    }
    buf.clear();
  }

  /** Applies records in order to a map: namespace "db\0collection" → (_id key → document), in insertion order. */
  private static final class Replay {
    final Map<String, Map<Object, Document>> state = new LinkedHashMap<>();
    /**
     * Decoded documents hold their own copy of every field name; kept as read, a restart needed
     * about twice the heap the running server did (measured: 3.9 GB of mostly field-name strings
     * for data the server had held in 2 GB).
     */
    final Compactor compactor;
    long records;

    Replay(Compactor compactor) {
      this.compactor = compactor;
    }

    void apply(Entry e) {
      records++;
      String ns = e.database() + '\0' + e.collection();
      switch (e.op()) {
        case PUT -> state.computeIfAbsent(ns, k -> new LinkedHashMap<>()).put(idKey(e.document()), compactor.compact(e.document()));
        case DEL -> {
          Map<Object, Document> docs = state.get(ns);
          if (docs != null) {
            docs.remove(idKey(e.document()));
          }
        }
        case DROP -> {
          if (e.collection().isEmpty()) {
            state.keySet().removeIf(k -> k.startsWith(e.database() + '\0'));
          } else {
            state.remove(ns);
          }
        }
        default -> throw new IllegalStateException("unknown journal record type " + e.op());
      }
    }
  }

  /** A value-equality key for a document's _id, whatever its BSON type. */
  static Object idKey(Document doc) {
    Object id = doc.get("_id");
    if (id instanceof String || id instanceof Long) {
      return id;
    }
    if (id instanceof Integer i) {
      return i.longValue();
    }
    ByteBuf b = Unpooled.buffer(32);
    BsonEncoder.encodeValue(BsonEncoder.determineType(id), id, b);
    byte[] bytes = new byte[b.readableBytes()];
    b.readBytes(bytes);
    return ByteBuffer.wrap(bytes);
  }

  @Override
  public void close() {
    synchronized (flushLock) {
      try {
        if (failure == null) {
          flush();
        }
        channel.close();
      } catch (IOException | UncheckedIOException e) {
        LOG.warn("Embedded store journal did not close cleanly: {}", e.getMessage());
      }
    }
  }
}

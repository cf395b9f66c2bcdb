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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store's write-ahead journal: one append-only file of records, each the full new
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
 * <p>Generations: {@code journal-N.log}. {@link #compact} writes the live documents to
 * generation N+1 (a snapshot: PUT records only), atomically renames it into place and deletes N;
 * later appends go to N+1. So the directory always holds one complete journal.
 */
final class Journal implements AutoCloseable {
  static final byte PUT = 'P';
  static final byte DEL = 'D';
  static final byte DROP = 'X';

  private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
  private static final Pattern NAME = Pattern.compile("journal-(\\d{1,18})\\.log");
  private static final int HEADER = 8;
  private static final int MAX_RECORD = 64 * 1024 * 1024;

  private final Path dir;
  private final boolean sync;
  private final Object flushLock = new Object();
  private ByteBuf pending = Unpooled.buffer(64 * 1024);
  private ByteBuf spare = Unpooled.buffer(64 * 1024);
  private long appended;
  private long flushed;
  private long generation;
  private FileChannel channel;
  private long size;
  private volatile IOException failure;

  private Journal(Path dir, boolean sync, long generation, FileChannel channel) throws IOException {
    this.dir = dir;
    this.sync = sync;
    this.generation = generation;
    this.channel = channel;
    this.size = channel.size();
  }

  /** One record read back from disk. */
  record Entry(byte op, String database, String collection, Document document) {}

  /** What {@link #open} found: the records of the newest complete generation, in order. */
  record Opened(Journal journal, List<Entry> entries) {}

  /**
   * Opens the newest journal in {@code dir} (creating generation 1 if there is none), reads every
   * intact record and truncates a torn tail. Leftover temporary and older files are removed.
   */
  static Opened open(Path dir, boolean sync) throws IOException {
    Files.createDirectories(dir);
    long newest = 0;
    List<Path> stale = new ArrayList<>();
    try (var files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String name = p.getFileName().toString();
        Matcher m = NAME.matcher(name);
        if (m.matches()) {
          long g = Long.parseLong(m.group(1));
          newest = Math.max(newest, g);
        } else if (name.startsWith("journal-") && name.endsWith(".tmp")) {
          stale.add(p);
        }
      }
    }
    for (Path p : stale) {
      Files.deleteIfExists(p);
    }
    long gen = newest == 0 ? 1 : newest;
    for (long g = 1; g < gen && gen - g < 1000; g++) {
      Files.deleteIfExists(file(dir, g));
    }
    Path path = file(dir, gen);
    FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    List<Entry> entries = new ArrayList<>();
    long good = read(ch, entries);
    if (good < ch.size()) {
      LOG.warn("Embedded store journal: cut off {} bytes of an unfinished write at the end (never acknowledged)",
          ch.size() - good);
      ch.truncate(good);
      ch.force(true);
    }
    ch.position(good);
    return new Opened(new Journal(dir, sync, gen, ch), entries);
  }

  private static Path file(Path dir, long gen) {
    return dir.resolve("journal-" + gen + ".log");
  }

  private static long read(FileChannel ch, List<Entry> out) throws IOException {
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
      out.add(decode(Unpooled.wrappedBuffer(body.array())));
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

  private static void encode(ByteBuf buf, byte op, String database, String collection, Document document) {
    int start = buf.writerIndex();
    buf.writeLong(0); // length + crc, filled in below
    buf.writeByte(op);
    writeCString(buf, database);
    writeCString(buf, collection);
    BsonEncoder.encodeDocument(document, buf);
    int len = buf.writerIndex() - start - HEADER;
    CRC32C c = new CRC32C();
    c.update(buf.nioBuffer(start + HEADER, len));
    buf.setInt(start, len);
    buf.setInt(start + 4, (int) c.getValue());
  }

  private static void writeCString(ByteBuf buf, String s) {
    buf.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    buf.writeByte(0);
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
      ByteBuf out;
      long upTo;
      synchronized (this) {
        out = pending;
        pending = spare;
        spare = out;
        upTo = appended;
      }
      try {
        ByteBuffer nio = out.nioBuffer();
        while (nio.hasRemaining()) {
          channel.write(nio);
        }
        if (sync) {
          channel.force(false);
        }
        size += out.readableBytes();
        flushed = upTo;
      } catch (IOException e) {
        failure = e;
        throw new UncheckedIOException("the embedded store could not write its journal", e);
      } finally {
        out.clear();
        if (out.capacity() > 4 * 1024 * 1024) {
          spare = Unpooled.buffer(64 * 1024);
        }
      }
    }
  }

  /** Bytes in the current generation's file. */
  long size() {
    synchronized (flushLock) {
      return size;
    }
  }

  /**
   * Replaces the journal with a snapshot of {@code live} (namespace "db\0collection" → documents).
   * The caller must hold off every writer while this runs (records appended meanwhile would be
   * lost with the old generation).
   */
  void compact(Map<String, ? extends Iterable<Document>> live) throws IOException {
    synchronized (flushLock) {
      flush();
      long next = generation + 1;
      Path tmp = dir.resolve("journal-" + next + ".tmp");
      ByteBuf buf = Unpooled.buffer(1024 * 1024);
      try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
          StandardOpenOption.WRITE)) {
        for (var e : live.entrySet()) {
          int sep = e.getKey().indexOf('\0');
          String db = e.getKey().substring(0, sep);
          String coll = e.getKey().substring(sep + 1);
          for (Document d : e.getValue()) {
            encode(buf, PUT, db, coll, d);
            if (buf.readableBytes() > 512 * 1024) {
              drain(buf, out);
            }
          }
        }
        drain(buf, out);
        out.force(true);
      }
      Path target = file(dir, next);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      FileChannel old = channel;
      long oldGen = generation;
      channel = FileChannel.open(target, StandardOpenOption.READ, StandardOpenOption.WRITE);
      channel.position(channel.size());
      size = channel.size();
      generation = next;
      old.close();
      Files.deleteIfExists(file(dir, oldGen));
    }
  }

  private static void drain(ByteBuf buf, FileChannel out) throws IOException {
    ByteBuffer nio = buf.nioBuffer();
    while (nio.hasRemaining()) {
      out.write(nio);
    }
    buf.clear();
  }

  /** Replays entries into a map: namespace "db\0collection" → (_id key → document), in insertion order. */
  static Map<String, Map<Object, Document>> replay(List<Entry> entries) {
    Map<String, Map<Object, Document>> state = new LinkedHashMap<>();
    for (Entry e : entries) {
      String ns = e.database() + '\0' + e.collection();
      switch (e.op()) {
        case PUT -> state.computeIfAbsent(ns, k -> new LinkedHashMap<>()).put(idKey(e.document()), e.document());
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
    return state;
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

package dev.tandem.store;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A growable byte array that encodes the embedded engine's documents as BSON, byte for byte what
 * mongo-java-server's {@link BsonEncoder} writes (the journal's format; {@code BsonBytesTest}
 * compares the two on random documents of every type).
 *
 * <p>Why not {@code BsonEncoder} into a Netty buffer, as before: under single check-in uploads the
 * journal's encoding was a fifth of the store writer threads' JFR samples, and most of that was
 * the encoder's way of walking a document, not the bytes: it looks every key up again
 * ({@code keySet()} then {@code get(key)}, a hash of the key each time), copies every array into a
 * new {@code Document} keyed "0", "1", ... (a fresh String, its hash and a map entry per element),
 * allocates a byte array per key and per string, and every write to the Netty buffer checks its
 * reference count. Here a document is walked once by its entries, arrays by index with cached
 * index keys, ASCII keys and strings are written without an intermediate array, and the buffer is
 * a plain array. Types other than the common ones are handed to {@code BsonEncoder} itself.
 */
final class BsonBytes {
  private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final byte[][] INDEX_KEYS = new byte[1024][];

  static {
    for (int i = 0; i < INDEX_KEYS.length; i++) {
      INDEX_KEYS[i] = Integer.toString(i).getBytes(StandardCharsets.US_ASCII);
    }
  }

  private byte[] buf;
  private int size;

  BsonBytes(int initialCapacity) {
    buf = new byte[Math.max(16, initialCapacity)];
  }

  int size() {
    return size;
  }

  int capacity() {
    return buf.length;
  }

  byte[] array() {
    return buf;
  }

  void clear() {
    size = 0;
  }

  /** Drops everything written after the first {@code newSize} bytes. */
  void truncate(int newSize) {
    if (newSize < 0 || newSize > size) {
      throw new IllegalArgumentException("cannot truncate " + size + " bytes to " + newSize);
    }
    size = newSize;
  }

  /** The bytes written so far, as a buffer over this array (valid until the next write). */
  ByteBuffer asByteBuffer() {
    return ByteBuffer.wrap(buf, 0, size);
  }

  private void ensure(int more) {
    int need = size + more;
    if (need > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(need, buf.length * 2));
    }
  }

  void writeByte(int b) {
    ensure(1);
    buf[size++] = (byte) b;
  }

  void writeIntLE(int v) {
    ensure(4);
    INT_LE.set(buf, size, v);
    size += 4;
  }

  void writeLongLE(long v) {
    ensure(8);
    LONG_LE.set(buf, size, v);
    size += 8;
  }

  /** Big-endian, as {@code ByteBuf.writeLong}. */
  void writeLong(long v) {
    writeIntBE((int) (v >>> 32));
    writeIntBE((int) v);
  }

  /** Big-endian, as {@code ByteBuf.setInt}. */
  void setIntBE(int at, int v) {
    buf[at] = (byte) (v >>> 24);
    buf[at + 1] = (byte) (v >>> 16);
    buf[at + 2] = (byte) (v >>> 8);
    buf[at + 3] = (byte) v;
  }

  private void writeIntBE(int v) {
    ensure(4);
    setIntBE(size, v);
    size += 4;
  }

  void setIntLE(int at, int v) {
    INT_LE.set(buf, at, v);
  }

  void writeBytes(byte[] b) {
    writeBytes(b, 0, b.length);
  }

  void writeBytes(byte[] b, int off, int len) {
    ensure(len);
    System.arraycopy(b, off, buf, size, len);
    size += len;
  }

  /** The string's UTF-8 bytes and a NUL, as {@code BsonEncoder}'s C strings (a NUL inside is written as is). */
  void writeCString(String s) {
    if (!writeAscii(s)) {
      writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }
    writeByte(0);
  }

  /** A BSON string: length including the NUL, the UTF-8 bytes, a NUL. */
  void writeString(String s) {
    int lengthAt = size;
    writeIntLE(0);
    if (writeAscii(s)) {
      setIntLE(lengthAt, s.length() + 1);
    } else {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      setIntLE(lengthAt, b.length + 1);
      writeBytes(b);
    }
    writeByte(0);
  }

  /** Writes {@code s} if it is all ASCII (then its UTF-8 bytes are its chars); else writes nothing. */
  private boolean writeAscii(String s) {
    int n = s.length();
    ensure(n);
    byte[] b = buf;
    int at = size;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        return false;
      }
      b[at + i] = (byte) c;
    }
    size = at + n;
    return true;
  }

  /** A document (any map, in its iteration order), as {@code BsonEncoder.encodeDocument}. */
  void writeDocument(Map<String, ?> document) {
    int start = size;
    writeIntLE(0);
    for (Map.Entry<String, ?> e : document.entrySet()) {
      writeElement(e.getKey(), -1, e.getValue());
    }
    writeByte(0);
    setIntLE(start, size - start);
  }

  private void writeArray(Collection<?> values) {
    int start = size;
    writeIntLE(0);
    int i = 0;
    if (values instanceof List<?> list && list instanceof java.util.RandomAccess) {
      for (int n = list.size(); i < n; i++) {
        writeElement(null, i, list.get(i));
      }
    } else {
      for (Object v : values) {
        writeElement(null, i++, v);
      }
    }
    writeByte(0);
    setIntLE(start, size - start);
  }

  /** One element: its type, its name (the key, or the array index), its value. */
  private void writeElement(String key, int index, Object value) {
    byte type = BsonEncoder.determineType(value);
    writeByte(type);
    if (key != null) {
      writeCString(key);
    } else if (index < INDEX_KEYS.length) {
      writeBytes(INDEX_KEYS[index]);
      writeByte(0);
    } else {
      writeCString(Integer.toString(index));
    }
    switch (type) {
      case 10, 127, -1 -> { } // null, max key, min key: no value bytes
      case 1 -> writeLongLE(Double.doubleToRawLongBits((Double) value));
      case 2 -> writeString((String) value);
      case 3 -> {
        @SuppressWarnings("unchecked")
        Map<String, ?> m = (Map<String, ?>) value;
        writeDocument(m);
      }
      case 4 -> writeArray((Collection<?>) value);
      case 8 -> writeByte((Boolean) value ? 1 : 0);
      case 16 -> writeIntLE((Integer) value);
      case 18 -> writeLongLE((Long) value);
      case 9 -> writeLongLE(((java.time.Instant) value).toEpochMilli());
      default -> {
        // Everything rarer (binary, object ids, timestamps, decimals, patterns, code) the engine's own way.
        ByteBuf tmp = Unpooled.buffer(32);
        BsonEncoder.encodeValue(type, value, tmp);
        int n = tmp.readableBytes();
        ensure(n);
        tmp.readBytes(buf, size, n);
        size += n;
      }
    }
  }

  /** Convenience for tests and one-off encodings: a document's BSON bytes. */
  static byte[] encode(Document doc) {
    BsonBytes b = new BsonBytes(256);
    b.writeDocument(doc);
    return Arrays.copyOf(b.buf, b.size);
  }
}

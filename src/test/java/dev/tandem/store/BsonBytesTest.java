package dev.tandem.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import de.bwaldvogel.mongo.bson.BinData;
import de.bwaldvogel.mongo.bson.BsonJavaScript;
import de.bwaldvogel.mongo.bson.BsonRegularExpression;
import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Decimal128;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.MaxKey;
import de.bwaldvogel.mongo.bson.MinKey;
import de.bwaldvogel.mongo.bson.ObjectId;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The journal's BSON encoder against mongo-java-server's: the same bytes for every document. */
class BsonBytesTest {
  private static byte[] engine(Document d) {
    ByteBuf b = Unpooled.buffer(256);
    BsonEncoder.encodeDocument(d, b);
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    return out;
  }

  private static void same(Document d) {
    byte[] expected = engine(d);
    byte[] actual = BsonBytes.encode(d);
    assertArrayEquals(expected, actual, d::toString);
  }

  @Test
  void everyTypeTheEngineWrites() {
    Document d = new Document("_id", "p1:c1").append("int", 42).append("negInt", -7).append("long", 1L << 40).append("double", 3.25)
        .append("negZero", -0.0).append("nan", Double.NaN).append("inf", Double.NEGATIVE_INFINITY).append("t", true).append("f", false)
        .append("null", null).append("empty", "").append("ascii", "hello").append("latin", "señal café").append("cjk", "睡眠 😀")
        .append("nul", "a\0b").append("when", Instant.ofEpochMilli(1_764_000_000_123L)).append("oid", new ObjectId())
        .append("bin", new BinData(new byte[] {1, 2, 3, 0, -1})).append("uuid", UUID.randomUUID())
        .append("ts", new BsonTimestamp(123456789012L)).append("dec", Decimal128.ONE).append("re", new BsonRegularExpression("^a.*", "i"))
        .append("js", new BsonJavaScript("function() {}")).append("max", MaxKey.getInstance()).append("min", MinKey.getInstance())
        .append("nested", new Document("a", new Document("b", List.of(1, "x", new Document("c", null)))))
        .append("list", List.of()).append("set", new LinkedHashSet<>(List.of("a", "b", "c"))).append("ñame with spaces.and.dots", 1)
        .append("", "empty key");
    same(d);
    // A NUL inside a key ends the C string early, so neither encoding reads back; the bytes still agree.
    Document nulKey = new Document("k\0nul", "x");
    assertArrayEquals(engine(nulKey), BsonBytes.encode(nulKey));
  }

  @Test
  void longArraysUseIndexKeysBeyondTheCachedOnes() {
    List<Object> big = new ArrayList<>();
    for (int i = 0; i < 2_500; i++) {
      big.add(i % 3 == 0 ? "s" + i : i % 3 == 1 ? i : new Document("i", i));
    }
    same(new Document("_id", 1).append("big", big));
  }

  @Test
  void randomDocuments() {
    Random rnd = new Random(11);
    for (int round = 0; round < 3_000; round++) {
      same(randomDoc(rnd, 0));
    }
  }

  @Test
  void growsFromATinyBuffer() {
    BsonBytes b = new BsonBytes(1);
    Document d = new Document("_id", "x").append("text", "y".repeat(10_000)).append("list", List.of(1, 2, 3));
    b.writeDocument(d);
    b.writeDocument(d);
    byte[] one = engine(d);
    byte[] both = new byte[one.length * 2];
    System.arraycopy(one, 0, both, 0, one.length);
    System.arraycopy(one, 0, both, one.length, one.length);
    assertArrayEquals(both, java.util.Arrays.copyOf(b.array(), b.size()));
  }

  private static final String[] KEYS = {"_id", "patientId", "answers", "q9", "mood", "points", "ñ", "键", "a.b", "$x", "0", "x y"};

  private static Document randomDoc(Random rnd, int depth) {
    Document d = new Document();
    int n = rnd.nextInt(depth == 0 ? 12 : 6);
    for (int i = 0; i < n; i++) {
      d.put(KEYS[rnd.nextInt(KEYS.length)] + (rnd.nextInt(3) == 0 ? Integer.toString(i) : ""), randomValue(rnd, depth));
    }
    return d;
  }

  private static Object randomValue(Random rnd, int depth) {
    switch (rnd.nextInt(depth < 3 ? 12 : 9)) {
      case 0: return null;
      case 1: return rnd.nextInt();
      case 2: return rnd.nextLong();
      case 3: return rnd.nextDouble() * 1000 - 500;
      case 4: return rnd.nextBoolean();
      case 5: return randomString(rnd);
      case 6: return Instant.ofEpochMilli(rnd.nextLong() % 4_000_000_000_000L);
      case 7: return new ObjectId();
      case 8: {
        byte[] b = new byte[rnd.nextInt(20)];
        rnd.nextBytes(b);
        return new BinData(b);
      }
      case 9:
      case 10: return randomDoc(rnd, depth + 1);
      default: {
        List<Object> l = new ArrayList<>();
        int n = rnd.nextInt(20);
        for (int i = 0; i < n; i++) {
          l.add(randomValue(rnd, depth + 1));
        }
        return l;
      }
    }
  }

  private static String randomString(Random rnd) {
    StringBuilder sb = new StringBuilder();
    int n = rnd.nextInt(40);
    for (int i = 0; i < n; i++) {
      int k = rnd.nextInt(10);
      sb.append(k < 6 ? (char) ('a' + rnd.nextInt(26)) : k == 6 ? 'é' : k == 7 ? '\0' : k == 8 ? "😀" : "睡");
    }
    return sb.toString();
  }
}

package dev.tandem.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.impl.codec.json.JsonObjectCodec;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bson.BsonBinaryReader;
import org.bson.BsonBinaryWriter;
import org.bson.codecs.Codec;
import org.bson.codecs.DecoderContext;
import org.bson.codecs.EncoderContext;
import org.bson.io.BasicOutputBuffer;
import org.junit.jupiter.api.Test;

/** {@link FastJsonCodec} writes exactly the bytes vertx-mongo-client's codec writes, or fails the same way. */
class FastJsonCodecTest {
  private static final JsonObjectCodec STOCK = new JsonObjectCodec(new JsonObject());
  private static final FastJsonCodec FAST = new FastJsonCodec(new JsonObject());
  private static final EncoderContext PLAIN = EncoderContext.builder().build();
  private static final EncoderContext COLLECTIBLE = EncoderContext.builder().isEncodingCollectibleDocument(true).build();

  private enum Colour { RED }

  /** Bytes, or the failure's class and message. */
  private static Object encode(Codec<JsonObject> codec, JsonObject doc, EncoderContext ctx) {
    try (BasicOutputBuffer out = new BasicOutputBuffer(); BsonBinaryWriter w = new BsonBinaryWriter(out)) {
      codec.encode(w, doc, ctx);
      return out.toByteArray();
    } catch (RuntimeException e) {
      return e.getClass().getName() + ": " + e.getMessage();
    }
  }

  private static void assertSame(JsonObject doc, String what) {
    for (EncoderContext ctx : List.of(PLAIN, COLLECTIBLE)) {
      Object want = encode(STOCK, doc, ctx);
      Object got = encode(FAST, doc, ctx);
      String where = what + (ctx == COLLECTIBLE ? " (collectible)" : " (plain)") + ": " + doc.getMap();
      if (want instanceof byte[] b) {
        assertTrue(got instanceof byte[], where + " failed: " + got);
        assertArrayEquals(b, (byte[]) got, where);
      } else {
        assertEquals(want, got, where);
      }
    }
  }

  @Test
  void writesTheStockCodecsBytesForRandomDocuments() {
    Random rnd = new Random(20261128);
    for (int i = 0; i < 3_000; i++) {
      assertSame(document(rnd, 0), "random document " + i);
    }
  }

  @Test
  void specialValuesAndQuirksAreWrittenAsTheStockCodecWritesThem() {
    Instant at = Instant.parse("2026-11-28T03:30:00.123Z");
    assertSame(new JsonObject().put("a", 1).put("_id", "x").put("b", new JsonObject().put("c", 2).put("_id", 7)), "_id moved first");
    assertSame(new JsonObject().put("d", new JsonObject().put("$date", "2026-11-28T03:30:00Z")), "$date");
    assertSame(new JsonObject().put("o", new JsonObject().put("$oid", "5f1d7f3e9d1c2a0001a1b2c3")), "$oid");
    assertSame(new JsonObject().put("b", new JsonObject().put("$binary", new byte[] {1, 2, 3}).put("$type", 0)), "$binary");
    assertSame(new JsonObject().put("t", new JsonObject().put("$timestamp", new JsonObject().put("t", 5).put("i", 6))), "$timestamp");
    assertSame(new JsonObject().put("l", new JsonObject().put("$numberLong", "12")), "$numberLong");
    assertSame(new JsonObject().put("m", new JsonObject().put("$numberDecimal", "1.5")), "$numberDecimal");
    assertSame(new JsonObject().put("q", new JsonObject().put("$gt", "").put("x", 1)), "an operator document");
    assertSame(new JsonObject().put("q", new JsonObject().put("x", 1).put("$date", "not a date")), "a bad $date, not first");
    assertSame(new JsonObject().put("f", 1.5f).put("n", new BigDecimal("2.50")).put("i", at).put("bytes", new byte[] {9, 8})
        .put("buf", Buffer.buffer("hi")).put("e", Colour.RED), "values the stock codec converts");
    assertSame(new JsonObject().put("s", (short) 3), "an unsupported number");
    assertSame(new JsonObject().put("c", 'c'), "a character");
    assertSame(new JsonObject().put("_id", new JsonObject().put("$oid", "5f1d7f3e9d1c2a0001a1b2c3")).put("v", 1), "an ObjectId _id");
    Map<String, Object> raw = new LinkedHashMap<>();
    raw.put("m", new LinkedHashMap<>(Map.of("k", 1)));
    raw.put("l", new ArrayList<>(List.of(1, "two", Map.of("three", 3))));
    assertSame(new JsonObject(raw), "plain maps and lists inside");
    assertSame(new JsonObject().put("deep", new JsonArray().add(new JsonArray().add(new JsonObject().put("_id", 1).put("a", 2)))),
        "nested arrays");
  }

  @Test
  void decodesWhatItWrites() {
    Random rnd = new Random(7);
    for (int i = 0; i < 200; i++) {
      JsonObject doc = document(rnd, 0);
      byte[] bytes = (byte[]) encode(FAST, doc, PLAIN);
      JsonObject back = FAST.decode(new BsonBinaryReader(java.nio.ByteBuffer.wrap(bytes)), DecoderContext.builder().build());
      assertEquals(STOCK.decode(new BsonBinaryReader(java.nio.ByteBuffer.wrap(bytes)), DecoderContext.builder().build()), back);
    }
  }

  private static final String[] KEYS = {"_id", "a", "b", "total", "answers", "$set", "x.y", "", "é"};

  private static JsonObject document(Random rnd, int depth) {
    JsonObject o = new JsonObject();
    int n = rnd.nextInt(depth == 0 ? 8 : 5);
    for (int i = 0; i < n; i++) {
      o.put(KEYS[rnd.nextInt(KEYS.length)] + (rnd.nextInt(3) == 0 ? Integer.toString(i) : ""), value(rnd, depth));
    }
    return o;
  }

  private static Object value(Random rnd, int depth) {
    int kind = rnd.nextInt(depth < 3 ? 16 : 9);
    return switch (kind) {
      case 0 -> null;
      case 1 -> rnd.nextInt();
      case 2 -> rnd.nextLong();
      case 3 -> rnd.nextDouble();
      case 4 -> rnd.nextBoolean();
      case 5 -> "s" + rnd.nextInt(100);
      case 6 -> rnd.nextFloat();
      case 7 -> Instant.ofEpochMilli(rnd.nextInt(1_000_000));
      case 8 -> new byte[] {(byte) rnd.nextInt()};
      case 9, 10 -> document(rnd, depth + 1);
      case 11 -> new JsonObject().put("$date", "2026-11-2" + rnd.nextInt(10) + "T00:00:00Z");
      case 12 -> new JsonObject().put("$oid", String.format("%024x", rnd.nextInt(1 << 30)));
      case 13 -> new JsonObject().put("$gt", value(rnd, depth + 1));
      default -> {
        JsonArray a = new JsonArray();
        int n = rnd.nextInt(4);
        for (int i = 0; i < n; i++) {
          a.add(value(rnd, depth + 1));
        }
        yield a;
      }
    };
  }
}

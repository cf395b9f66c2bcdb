package dev.tandem.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written formatting and parsing against the JDK's, on valid and invalid input. */
class TimesTest {
  private static final DateTimeFormatter FIXED = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'")
      .withZone(ZoneOffset.UTC);

  private static String jdk(java.util.concurrent.Callable<Instant> parse) {
    try {
      return "ok " + parse.call();
    } catch (Exception e) {
      return "error " + e.getClass().getName();
    }
  }

  @Test
  void formatsAsTheFixedWidthFormatterDoes() {
    Random rnd = new Random(7);
    List<Instant> cases = new ArrayList<>(List.of(Instant.EPOCH, Instant.ofEpochSecond(-1), Instant.ofEpochSecond(-1, 999_999_999),
        Instant.parse("0000-01-01T00:00:00Z"), Instant.parse("9999-12-31T23:59:59.999999999Z"), Instant.parse("2024-02-29T12:00:00Z"),
        Instant.parse("+10000-01-01T00:00:00Z"), Instant.parse("-0001-12-31T23:59:59Z")));
    for (int i = 0; i < 20_000; i++) {
      cases.add(Instant.ofEpochSecond(rnd.nextLong() % 400_000_000_000L, rnd.nextInt(1_000_000_000)));
      cases.add(Instant.ofEpochSecond(1_700_000_000L + rnd.nextInt(200_000_000), rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(1_000_000_000)));
    }
    for (Instant i : cases) {
      assertEquals(FIXED.format(i), Times.format(i), i::toString);
    }
  }

  @Test
  void parsesWhatTheJdkParsesAndRejectsWhatItRejects() {
    Random rnd = new Random(11);
    List<String> cases = new ArrayList<>(List.of("2026-11-28T05:00:00Z", "2026-11-28T05:00:00.1Z", "2026-11-28T05:00:00.123456789Z",
        "2026-11-28T05:00:00.1234567891Z", "2026-11-28T05:00:00.Z", "2026-11-28T05:00Z", "2026-11-28T05:00:60Z", "2026-11-28T24:00:00Z",
        "2026-02-29T00:00:00Z", "2024-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
        "2026-11-00T00:00:00Z", "2026-11-28t05:00:00z", "2026-11-28T05:00:00+01:00", "2026-11-28T05:00:00-00:30",
        "2026-11-28T05:00:00", "+2026-11-28T05:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z",
        "2026-11-28T05:00:0aZ", "2026-11-28 05:00:00Z", "2026-1-28T05:00:00Z", "", "Z", "2026-11-28T05:00:00.+1Z",
        "2026-11-28T05:00:00.-1Z", "2026-11-28T05:00:00.1 Z", "２０２６-11-28T05:00:00Z", "2026-11-28T05:00:00.000000000Z"));
    for (int i = 0; i < 20_000; i++) {
      String good = Times.format(Instant.ofEpochSecond(rnd.nextLong() % 250_000_000_000L, rnd.nextInt(1_000_000_000)));
      if (good.charAt(0) == '+' || good.charAt(0) == '-') {
        continue;
      }
      int cut = rnd.nextInt(10);
      String s = cut == 0 ? good : good.substring(0, 29 - cut) + "Z"; // fewer fraction digits, or none ("…ss.Z" at cut 9)
      if (rnd.nextInt(3) == 0) {
        // One character changed anywhere: a digit, a separator, a letter.
        char[] c = s.toCharArray();
        c[rnd.nextInt(c.length)] = "0123456789-:T.Z+x9".charAt(rnd.nextInt(18));
        s = new String(c);
      }
      cases.add(s);
    }
    for (String s : cases) {
      assertEquals(jdk(() -> Instant.parse(s)), jdk(() -> Times.parseInstant(s)), s);
      assertEquals(jdk(() -> OffsetDateTime.parse(s).toInstant()), jdk(() -> Times.parseOffsetDateTime(s)), s);
    }
  }
}

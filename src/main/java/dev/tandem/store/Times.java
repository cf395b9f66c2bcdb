package dev.tandem.store;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Instants as fixed-width ISO-8601 UTC strings (nanosecond precision, always nine digits), so
 * that stored times compare correctly as strings in queries ($lt, $gt, $min, $max).
 * {@code Instant.toString()} drops zero fractions ("…:13Z" sorts after "…:13.1Z").
 *
 * <p>Formatting and the common parse (a UTC time with whole seconds and up to nine fraction
 * digits, which is what Tandem writes and what clients send) are done by hand: through
 * {@code DateTimeFormatter} they were 8% of the event loop's samples under single check-in
 * uploads (JFR). Anything else goes to the JDK's parsers, so what is accepted and what is
 * rejected is exactly theirs ({@code TimesTest} compares the two on valid and invalid input).
 */
public final class Times {
  private static final DateTimeFormatter FIXED = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'")
      .withZone(ZoneOffset.UTC);
  private static final long SECONDS_PER_DAY = 86_400;

  private Times() {
  }

  public static String format(Instant i) {
    long secs = i.getEpochSecond();
    long day = Math.floorDiv(secs, SECONDS_PER_DAY);
    int inDay = (int) Math.floorMod(secs, SECONDS_PER_DAY);
    if (day < -719_528 || day > 2_932_896) { // outside years 0000-9999: the formatter's sign and width rules
      return FIXED.format(i);
    }
    LocalDate d = LocalDate.ofEpochDay(day);
    char[] c = new char[30];
    digits(c, 0, d.getYear(), 4);
    c[4] = '-';
    digits(c, 5, d.getMonthValue(), 2);
    c[7] = '-';
    digits(c, 8, d.getDayOfMonth(), 2);
    c[10] = 'T';
    digits(c, 11, inDay / 3600, 2);
    c[13] = ':';
    digits(c, 14, inDay / 60 % 60, 2);
    c[16] = ':';
    digits(c, 17, inDay % 60, 2);
    c[19] = '.';
    digits(c, 20, i.getNano(), 9);
    c[29] = 'Z';
    return new String(c);
  }

  private static void digits(char[] c, int at, int value, int width) {
    for (int k = at + width - 1; k >= at; k--) {
      c[k] = (char) ('0' + value % 10);
      value /= 10;
    }
  }

  /** As {@link Instant#parse}. */
  public static Instant parseInstant(CharSequence s) {
    Instant fast = parseUtc(s);
    return fast != null ? fast : Instant.parse(s);
  }

  /** As {@code OffsetDateTime.parse(s).toInstant()}: an ISO-8601 time with a zone offset. */
  public static Instant parseOffsetDateTime(CharSequence s) {
    Instant fast = parseUtc(s);
    return fast != null ? fast : OffsetDateTime.parse(s).toInstant();
  }

  /**
   * {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}]Z} with every field in range, else null (the caller asks
   * the JDK, which also decides what is an error).
   */
  static Instant parseUtc(CharSequence s) {
    int n = s.length();
    if (n < 20 || n > 30 || s.charAt(n - 1) != 'Z' || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T'
        || s.charAt(13) != ':' || s.charAt(16) != ':') {
      return null;
    }
    int year = num(s, 0, 4);
    int month = num(s, 5, 2);
    int day = num(s, 8, 2);
    int hour = num(s, 11, 2);
    int minute = num(s, 14, 2);
    int second = num(s, 17, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > 28 && day > LocalDate.of(year, month, 1).lengthOfMonth()
        || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
      return null;
    }
    int nano = 0;
    if (n > 20) {
      // A fraction: '.', one to nine digits, then the 'Z'.
      int digits = n - 21;
      if (s.charAt(19) != '.' || digits < 1) {
        return null;
      }
      int f = num(s, 20, digits);
      if (f < 0) {
        return null;
      }
      nano = f;
      for (int k = digits; k < 9; k++) {
        nano *= 10;
      }
    }
    long epochDay = LocalDate.of(year, month, day).toEpochDay();
    return Instant.ofEpochSecond(epochDay * SECONDS_PER_DAY + hour * 3600L + minute * 60L + second, nano);
  }

  /** The decimal number in {@code s[at, at+len)}, or -1 when any of it is not an ASCII digit. */
  private static int num(CharSequence s, int at, int len) {
    int v = 0;
    for (int k = at; k < at + len; k++) {
      char ch = s.charAt(k);
      if (ch < '0' || ch > '9') {
        return -1;
      }
      v = v * 10 + (ch - '0');
    }
    return v;
  }
}

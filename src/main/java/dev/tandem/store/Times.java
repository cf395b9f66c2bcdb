package dev.tandem.store;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Instants as fixed-width ISO-8601 UTC strings (nanosecond precision, always nine digits), so
 * that stored times compare correctly as strings in queries ($lt, $gt, $min, $max).
 * {@code Instant.toString()} drops zero fractions ("…:13Z" sorts after "…:13.1Z").
 */
public final class Times {
  private static final DateTimeFormatter FIXED = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'")
      .withZone(ZoneOffset.UTC);

  private Times() {
  }

  public static String format(Instant i) {
    return FIXED.format(i);
  }
}

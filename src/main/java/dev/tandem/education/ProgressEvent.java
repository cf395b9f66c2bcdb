package dev.tandem.education;

import java.util.Map;

/**
 * One step the reader reports: opened, scrolled to a position (percent), reached the end
 * marker, answered the check (question id → option id), or voted helpful yes/no.
 */
public record ProgressEvent(Kind kind, int position, Map<String, String> answers, boolean helpful) {

  /** For seeding and tests: {@code kind} as on the wire ("opened", "check", ...). */
  public static ProgressEvent of(String kind, int position, Map<String, String> answers, boolean helpful) {
    Kind k = Kind.fromWire(kind);
    if (k == null) {
      throw new IllegalArgumentException("unknown progress event " + kind);
    }
    return new ProgressEvent(k, position, answers == null ? Map.of() : answers, helpful);
  }

  public enum Kind {
    OPENED("opened"), POSITION("position"), READ("read-to-end"), CHECK("check"), HELPFUL("helpful");

    final String wire;

    Kind(String wire) {
      this.wire = wire;
    }

    static Kind fromWire(String s) {
      for (Kind k : values()) {
        if (k.wire.equals(s)) {
          return k;
        }
      }
      return null;
    }
  }
}

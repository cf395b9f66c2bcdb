package dev.tandem.visits;

import java.util.Locale;

/** A visit's life: scheduled → waiting → in-progress → completed, or no-show / cancelled. */
public enum VisitStatus {
  SCHEDULED, WAITING, IN_PROGRESS, COMPLETED, NO_SHOW, CANCELLED;

  public String wire() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static VisitStatus fromWire(String s) {
    return valueOf(s.toUpperCase(Locale.ROOT).replace('-', '_'));
  }

  /** Still holds its time slots. */
  public boolean active() {
    return this == SCHEDULED || this == WAITING || this == IN_PROGRESS;
  }
}

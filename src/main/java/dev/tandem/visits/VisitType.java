package dev.tandem.visits;

import java.util.Locale;

/** The kinds of video visit (the care-team clinicians each needs are chosen in VisitService.clinicians). */
public enum VisitType {
  INTAKE, MEDICATION_REVIEW, PSYCHOTHERAPY, JOINT;

  public String wire() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static VisitType fromWire(String s) {
    for (VisitType t : values()) {
      if (t.wire().equals(s)) {
        return t;
      }
    }
    return null;
  }
}

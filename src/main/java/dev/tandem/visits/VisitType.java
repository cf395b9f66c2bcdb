package dev.tandem.visits;

import dev.tandem.identity.Role;
import java.util.Locale;

/** The kinds of video visit, and which clinician roles each needs. */
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

  /** Whether a clinician of {@code role} may take part; a joint visit needs a prescriber and a therapist. */
  boolean allows(Role role) {
    return switch (this) {
      case INTAKE -> role.isClinician();
      case MEDICATION_REVIEW -> role == Role.PRESCRIBER || role == Role.NAVIGATOR;
      case PSYCHOTHERAPY -> role == Role.THERAPIST || role == Role.NAVIGATOR;
      case JOINT -> role.isClinician();
    };
  }
}

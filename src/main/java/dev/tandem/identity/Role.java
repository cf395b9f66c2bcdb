package dev.tandem.identity;

import java.util.Locale;

/** What a user is in the clinic. Prescribers, therapists and navigators are clinicians. */
public enum Role {
  PATIENT, PRESCRIBER, THERAPIST, NAVIGATOR, ADMIN;

  public boolean isClinician() {
    return this == PRESCRIBER || this == THERAPIST || this == NAVIGATOR;
  }

  public boolean isStaff() {
    return this != PATIENT;
  }

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Role fromWire(String s) {
    return valueOf(s.toUpperCase(Locale.ROOT));
  }
}

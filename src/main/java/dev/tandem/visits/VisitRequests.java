package dev.tandem.visits;

import java.time.Instant;
import java.util.List;

/** Validated inputs for the visits API. */
final class VisitRequests {
  private VisitRequests() {
  }

  /** One visit to book; {@code clinicianIds} null means "from the care team by visit type". */
  record Book(String patientId, VisitType type, Instant start, int durationMinutes, List<String> clinicianIds) {
  }

  /** A medication review and a psychotherapy session booked together, all or nothing. */
  record Pair(String patientId, Book first, Book second) {
  }

  record Reschedule(Instant start, int durationMinutes) {
  }
}

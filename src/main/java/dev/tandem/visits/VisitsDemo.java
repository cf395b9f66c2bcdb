package dev.tandem.visits;

import dev.tandem.identity.Caller;
import dev.tandem.identity.Identity;
import dev.tandem.identity.User;
import io.vertx.core.Future;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Demo visits, seeded with the demo clinic on first start, relative to the clock: Ana's therapy
 * session opening right away (so the waiting room can be tried at once), Ben's paired
 * medication review and therapy tomorrow, Eve's joint visit and Chloe's medication review; then
 * Mon–Fri 09:00–17:00 New York hours for Dr. Rivera and Sam Okafor. Visits are booked through
 * the same service the API uses (before the hours exist, so "right away" works at any hour).
 */
final class VisitsDemo {
  private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
  private final Identity identity;
  private final VisitService visits;
  private final AvailabilityService availability;

  VisitsDemo(Identity identity, VisitService visits, AvailabilityService availability) {
    this.identity = identity;
    this.visits = visits;
    this.availability = availability;
  }

  Future<Void> seed() {
    List<String> keys = List.of("rivera", "okafor", "ana", "ben", "chloe", "eve");
    return Future.all(keys.stream().map(k -> identity.users.byEmail(k + "@tandem-demo.org")).toList()).compose(all -> {
      for (int i = 0; i < keys.size(); i++) {
        if (all.resultAt(i) == null) {
          return Future.succeededFuture();
        }
      }
      Caller rivera = caller(all.resultAt(0));
      Caller okafor = caller(all.resultAt(1));
      User ana = all.resultAt(2);
      User ben = all.resultAt(3);
      User chloe = all.resultAt(4);
      User eve = all.resultAt(5);
      Instant now = visits.now();
      Instant soon = Instant.ofEpochSecond((now.getEpochSecond() / 300 + 2) * 300);
      LocalDate tomorrow = LocalDate.ofInstant(now, NEW_YORK).plusDays(1);
      Instant tenTomorrow = tomorrow.atTime(10, 0).atZone(NEW_YORK).toInstant();
      return visits.book(okafor, book(ana, VisitType.PSYCHOTHERAPY, soon, 50))
          .compose(x -> visits.bookPair(rivera, new VisitRequests.Pair(ben.id(), book(ben, VisitType.MEDICATION_REVIEW, tenTomorrow, 30),
              book(ben, VisitType.PSYCHOTHERAPY, tenTomorrow.plus(Duration.ofMinutes(30)), 50))))
          .compose(x -> visits.book(rivera, book(eve, VisitType.JOINT, tomorrow.atTime(14, 0).atZone(NEW_YORK).toInstant(), 60)))
          .compose(x -> visits.book(rivera, book(chloe, VisitType.MEDICATION_REVIEW,
              tomorrow.plusDays(1).atTime(11, 0).atZone(NEW_YORK).toInstant(), 30)))
          .compose(x -> availability.put(rivera, officeHours(rivera.userId())))
          .compose(x -> availability.put(okafor, officeHours(okafor.userId()))).mapEmpty();
    });
  }

  private static VisitRequests.Book book(User patient, VisitType type, Instant start, int minutes) {
    return new VisitRequests.Book(patient.id(), type, start, minutes, null);
  }

  private static Caller caller(User u) {
    return new Caller(u.id(), u.role(), u.name(), null, "local");
  }

  static Availability officeHours(String clinicianId) {
    Map<DayOfWeek, List<Availability.Window>> week = new EnumMap<>(DayOfWeek.class);
    for (DayOfWeek d : List.of(DayOfWeek.MONDAY, DayOfWeek.TUESDAY, DayOfWeek.WEDNESDAY, DayOfWeek.THURSDAY, DayOfWeek.FRIDAY)) {
      week.put(d, List.of(new Availability.Window(LocalTime.of(9, 0), LocalTime.of(17, 0))));
    }
    return new Availability(clinicianId, NEW_YORK, week, List.of());
  }
}

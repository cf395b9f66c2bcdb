package dev.tandem.app;

import dev.tandem.audit.AuditEvent;
import dev.tandem.audit.AuditLog;
import dev.tandem.identity.Caller;
import dev.tandem.identity.Identity;
import dev.tandem.identity.Role;
import dev.tandem.identity.User;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo clinic a newcomer logs into: one prescriber, therapist, navigator and admin, five
 * patients with care teams, and one patient invitation still pending. Seeded through the same
 * services the API uses, once (an existing demo admin means it is already there).
 */
public final class DemoClinic {
  public static final String DOMAIN = "tandem-demo.org";
  static final Caller SYSTEM = new Caller("system", Role.ADMIN, "Tandem demo seed", null, "local");

  private final Identity identity;
  private final AuditLog audit;
  private final Clock clock;

  public record Account(String email, String name, Role role) {
  }

  public record Summary(List<Account> accounts, boolean createdNow) {
  }

  private record Person(String key, String name, Role role, String lang) {
    String email() {
      return key + "@" + DOMAIN;
    }
  }

  private static final List<Person> PEOPLE = List.of(
      new Person("admin", "Alex Morgan", Role.ADMIN, "en"),
      new Person("rivera", "Dr. Maya Rivera", Role.PRESCRIBER, "en"),
      new Person("okafor", "Sam Okafor, LCSW", Role.THERAPIST, "en"),
      new Person("lee", "Jordan Lee", Role.NAVIGATOR, "en"),
      new Person("ana", "Ana García", Role.PATIENT, "es"),
      new Person("ben", "Ben Carter", Role.PATIENT, "en"),
      new Person("chloe", "Chloe Nguyen", Role.PATIENT, "en"),
      new Person("david", "David Kim", Role.PATIENT, "en"),
      new Person("eve", "Eve Thompson", Role.PATIENT, "en"));

  /** patient key -> prescriber, therapist, navigator keys (null for none). */
  private static final Map<String, String[]> TEAMS = new LinkedHashMap<>();

  static {
    TEAMS.put("ana", new String[] {"rivera", "okafor", "lee"});
    TEAMS.put("ben", new String[] {"rivera", "okafor", null});
    TEAMS.put("chloe", new String[] {"rivera", null, null});
    TEAMS.put("david", new String[] {null, "okafor", "lee"});
    TEAMS.put("eve", new String[] {"rivera", "okafor", "lee"});
  }

  public DemoClinic(Identity identity, AuditLog audit, Clock clock) {
    this.identity = identity;
    this.audit = audit;
    this.clock = clock;
  }

  public static List<Account> accounts() {
    return PEOPLE.stream().map(p -> new Account(p.email(), p.name(), p.role())).toList();
  }

  /** Seeds once; succeeds with the accounts either way. */
  public Future<Summary> seed(String password) {
    return identity.users.byEmail(PEOPLE.get(0).email()).compose(existing -> {
      if (existing != null) {
        return Future.succeededFuture(new Summary(accounts(), false));
      }
      return identity.identity.hashSharedPassword(password, PEOPLE.stream().map(Person::email).toList()).compose(hash -> {
        List<Future<User>> created = new ArrayList<>();
        for (Person p : PEOPLE) {
          created.add(identity.identity.createActiveHashed(SYSTEM, p.email(), p.name(), p.role(), p.lang(), hash));
        }
        return Future.all(created);
      }).compose(all -> {
        Map<String, String> ids = new LinkedHashMap<>();
        for (int i = 0; i < PEOPLE.size(); i++) {
          ids.put(PEOPLE.get(i).key(), all.<User>resultAt(i).id());
        }
        return teams(ids).compose(v -> pendingInvitation(ids)).compose(v -> audit.record(
            AuditEvent.of("demo.seed", SYSTEM.userId(), SYSTEM.role().wire(), AuditEvent.SUCCESS)
                .with("accounts", Integer.toString(PEOPLE.size())).with("at", clock.instant().toString())));
      }).map(v -> new Summary(accounts(), true));
    });
  }

  private Future<Void> teams(Map<String, String> ids) {
    List<Future<?>> all = new ArrayList<>();
    TEAMS.forEach((patient, t) -> all.add(identity.careTeams.setTeam(SYSTEM, ids.get(patient), id(ids, t[0]), id(ids, t[1]),
        id(ids, t[2]))));
    return Future.all(all).mapEmpty();
  }

  /** A sixth patient invited by the prescriber who has not set a password yet. */
  private Future<Void> pendingInvitation(Map<String, String> ids) {
    Caller rivera = new Caller(ids.get("rivera"), Role.PRESCRIBER, "Dr. Maya Rivera", null, "local");
    return identity.careTeams.invitePatient(rivera, "felix@" + DOMAIN, "Felix Ortiz", "es").mapEmpty();
  }

  /** A little message history: a reply thread, a team handoff, and a patient still waiting for an answer. */
  public Future<Void> seedConversations(dev.tandem.messaging.MessageService messages) {
    return Future.all(PEOPLE.stream().map(p -> identity.users.byEmail(p.email())).toList()).compose(all -> {
      Map<String, Caller> who = new LinkedHashMap<>();
      for (int i = 0; i < PEOPLE.size(); i++) {
        User u = all.resultAt(i);
        who.put(PEOPLE.get(i).key(), new Caller(u.id(), u.role(), u.name(), null, "local"));
      }
      String ana = dev.tandem.messaging.Conversation.patientThreadId(who.get("ana").userId());
      String anaTeam = dev.tandem.messaging.Conversation.teamThreadId(who.get("ana").userId());
      String ben = dev.tandem.messaging.Conversation.patientThreadId(who.get("ben").userId());
      return messages.send(who.get("ana"), ana, "demo-1", "Hola Dr. Rivera. Since we raised the sertraline dose I sleep "
          + "better, but I feel a bit jittery in the mornings.")
          .compose(x -> messages.send(who.get("rivera"), ana, "demo-2", "Thanks for telling me, Ana. Morning jitteriness "
              + "often settles within two weeks. Try taking it with breakfast, and we will check in at your next visit."))
          .compose(x -> messages.send(who.get("okafor"), anaTeam, "demo-3", "Handoff: Ana did two thought records this week "
              + "and is using the breathing exercise. Worth asking about mornings at her medication review."))
          .compose(x -> messages.send(who.get("ben"), ben, "demo-4", "Could I move Thursday's therapy session to the afternoon?"))
          .mapEmpty();
    });
  }

  /**
   * Education: Ana (reads in Spanish) has the antidepressant module from Dr. Rivera to do and
   * has finished the anxiety module from Sam Okafor; Ben has the sleep and video-visit modules.
   */
  public Future<Void> seedEducation(dev.tandem.education.EducationService education) {
    return people().compose(who -> {
      java.time.LocalDate today = java.time.LocalDate.now(clock.withZone(java.time.ZoneOffset.UTC));
      String ana = who.get("ana").userId();
      String ben = who.get("ben").userId();
      var calming = education.library.require("calming-anxiety");
      Map<String, String> answers = new LinkedHashMap<>();
      calming.english().check().forEach(q -> answers.put(q.id(), q.answer()));
      return education.assign(who.get("rivera"), ana, new dev.tandem.education.NewAssignment("antidepressant-basics",
              "Ana, this explains what to expect in the first weeks after the dose change. Bring questions to your visit.",
              today.plusDays(7)))
          .compose(x -> education.assign(who.get("okafor"), ana, new dev.tandem.education.NewAssignment("calming-anxiety",
              "Practise the 4-6 breathing once a day, even on good days.", null)))
          .compose(x -> education.progress(who.get("ana"), ana, "calming-anxiety", progress("opened", 0, null, false)))
          .compose(x -> education.progress(who.get("ana"), ana, "calming-anxiety", progress("read-to-end", 100, null, false)))
          .compose(x -> education.progress(who.get("ana"), ana, "calming-anxiety", progress("check", 0, answers, false)))
          .compose(x -> education.progress(who.get("ana"), ana, "calming-anxiety", progress("helpful", 0, null, true)))
          .compose(x -> education.assign(who.get("okafor"), ben, new dev.tandem.education.NewAssignment("sleep-habits", null,
              today.plusDays(5))))
          .compose(x -> education.assign(who.get("rivera"), ben, new dev.tandem.education.NewAssignment("video-visit-ready",
              "Before Thursday's visit, please.", today.plusDays(2))))
          .mapEmpty();
    });
  }

  private static dev.tandem.education.ProgressEvent progress(String kind, int position, Map<String, String> answers,
      boolean helpful) {
    return dev.tandem.education.ProgressEvent.of(kind, position, answers, helpful);
  }

  /** Check-in schedules, about 60 days of history and medication events (dev.tandem.checkins.DemoCheckins). */
  public Future<Void> seedCheckins(dev.tandem.checkins.Checkins checkins, boolean history) {
    return people().compose(who -> checkins.seedDemo(who, history));
  }

  /** A later start: the check-in history, if the first start was stopped before it loaded. */
  public Future<Void> resumeCheckins(dev.tandem.checkins.Checkins checkins) {
    return people().compose(checkins::resumeDemo);
  }

  /** The demo people by short name ("ana", "rivera", ...), as callers. */
  private Future<Map<String, Caller>> people() {
    return Future.all(PEOPLE.stream().map(p -> identity.users.byEmail(p.email())).toList()).map(all -> {
      Map<String, Caller> who = new LinkedHashMap<>();
      for (int i = 0; i < PEOPLE.size(); i++) {
        User u = all.resultAt(i);
        who.put(PEOPLE.get(i).key(), new Caller(u.id(), u.role(), u.name(), null, "local"));
      }
      return who;
    });
  }

  private static String id(Map<String, String> ids, String key) {
    return key == null ? null : ids.get(key);
  }
}

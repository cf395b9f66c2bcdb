package dev.tandem.visits;

import dev.tandem.config.VisitsConfig;
import dev.tandem.identity.IdentityService;
import dev.tandem.identity.User;
import dev.tandem.store.StoreErrors;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mail.LoginOption;
import io.vertx.ext.mail.MailAttachment;
import io.vertx.ext.mail.MailClient;
import io.vertx.ext.mail.MailConfig;
import io.vertx.ext.mail.MailMessage;
import io.vertx.ext.mail.StartTLSOptions;
import io.vertx.ext.mongo.MongoClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reminders 24 hours and 1 hour before each scheduled visit: a live in-app event
 * ("visit.reminder") to every participant and, when SMTP is configured, an email with the
 * visit's .ics file. Each (visit, kind, channel) is sent once across all nodes: a marker
 * document with a unique {@code _id} is inserted first and only the inserter sends. A failed
 * email removes its marker so the next check retries it.
 */
public final class Reminders {
  static final String COLLECTION = "visitReminders";
  private static final Logger LOG = LoggerFactory.getLogger(Reminders.class);
  private static final Duration DAY = Duration.ofHours(24);
  private static final Duration HOUR = Duration.ofHours(1);
  private final Vertx vertx;
  private final MongoClient mongo;
  private final MongoVisitStore visits;
  private final IdentityService identity;
  private final VisitsConfig cfg;
  private final Clock clock;
  private final MailClient mail;
  private final java.util.function.Supplier<String> publicUrl;

  Reminders(Vertx vertx, MongoClient mongo, MongoVisitStore visits, IdentityService identity, VisitsConfig cfg, Clock clock,
      java.util.function.Supplier<String> publicUrl) {
    this.vertx = vertx;
    this.mongo = mongo;
    this.visits = visits;
    this.identity = identity;
    this.cfg = cfg;
    this.clock = clock;
    this.publicUrl = publicUrl;
    this.mail = cfg.smtp().enabled() ? MailClient.create(vertx, mailConfig(cfg.smtp())) : null;
  }

  private static MailConfig mailConfig(VisitsConfig.Smtp smtp) {
    MailConfig c = new MailConfig().setHostname(smtp.host()).setPort(smtp.port())
        .setStarttls(smtp.startTls() ? StartTLSOptions.REQUIRED : StartTLSOptions.DISABLED);
    if (!smtp.username().isEmpty()) {
      c.setUsername(smtp.username()).setPassword(smtp.password().value()).setLogin(LoginOption.REQUIRED);
    } else {
      c.setLogin(LoginOption.DISABLED);
    }
    return c;
  }

  /** Sends every reminder now due; succeeds with the number of (visit, kind, channel) reminders sent. */
  public Future<Integer> check() {
    Instant now = clock.instant();
    return visits.scheduledStarting(now, now.plus(DAY)).compose(due -> {
      List<Future<Integer>> sent = new ArrayList<>();
      for (Visit v : due) {
        String kind = Duration.between(now, v.start()).compareTo(HOUR) <= 0 ? "1h" : "24h";
        sent.add(remind(v, kind));
      }
      return Future.all(sent).map(all -> sent.stream().mapToInt(Future::result).sum());
    });
  }

  private Future<Integer> remind(Visit v, String kind) {
    Future<Integer> inApp = once(v, kind, "inapp", () -> {
      JsonObject e = new JsonObject().put("type", "visit.reminder").put("visitId", v.id()).put("kind", kind)
          .put("visitType", v.type().wire()).put("start", v.start().toString());
      v.participants().forEach(id -> vertx.eventBus().publish("user." + id, e));
      return Future.succeededFuture();
    });
    Future<Integer> email = mail == null ? Future.succeededFuture(0) : once(v, kind, "email", () -> email(v, kind));
    return Future.all(inApp, email).map(x -> inApp.result() + email.result());
  }

  /** Runs {@code send} only if this node is the first to insert the marker. */
  private Future<Integer> once(Visit v, String kind, String channel, java.util.function.Supplier<Future<Void>> send) {
    // The start is part of the key: a visit moved after its reminder went out is reminded again.
    String id = v.id() + "|" + v.start().getEpochSecond() + "|" + kind + "|" + channel;
    JsonObject marker = new JsonObject().put("_id", id).put("visitId", v.id()).put("at", clock.instant().toString());
    return mongo.insert(COLLECTION, marker).transform(ar -> {
      if (ar.failed()) {
        return StoreErrors.isDuplicateKey(ar.cause()) ? Future.succeededFuture(0) : Future.failedFuture(ar.cause());
      }
      return send.get().map(1).recover(t -> {
        LOG.warn("visit reminder ({} {}) not sent, will retry: {}", kind, channel, t.toString());
        return mongo.removeDocument(COLLECTION, new JsonObject().put("_id", id)).map(0);
      });
    });
  }

  private Future<Void> email(Visit v, String kind) {
    return identity.users(v.participants()).compose(users -> {
      List<String> to = users.stream().filter(u -> u.status() == User.Status.ACTIVE).map(User::email).toList();
      if (to.isEmpty()) {
        return Future.succeededFuture();
      }
      String when = DateTimeFormatter.ofPattern("EEEE d MMMM, h:mm a z", Locale.ENGLISH).withZone(cfg.displayZone())
          .format(v.start());
      String link = publicUrl.get() + "/visits.html";
      // Mail is not a private channel: no names, no clinical detail beyond the kind of visit.
      String text = "This is a reminder of your Tandem video visit (" + Calendar.label(v.type()) + ") "
          + (kind.equals("1h") ? "in about an hour" : "tomorrow") + ": " + when + ".\n\n"
          + "Open " + link + " a few minutes early to join. The calendar file is attached.\n";
      MailMessage m = new MailMessage().setFrom(cfg.smtp().from()).setBcc(to).setSubject("Reminder: Tandem video visit " + when)
          .setText(text).setAttachment(List.of(MailAttachment.create().setName("tandem-visit.ics")
              .setContentType("text/calendar; charset=utf-8; method=PUBLISH")
              .setData(Buffer.buffer(Calendar.ics(v, clock.instant(), host(), link)))));
      return mail.sendMail(m).mapEmpty();
    });
  }

  private String host() {
    return java.net.URI.create(publicUrl.get()).getHost();
  }

  /** Starts the periodic check; returns the timer id. */
  long start() {
    return vertx.setPeriodic(cfg.reminderCheckEvery().toMillis(), id -> check()
        .onFailure(t -> LOG.warn("visit reminder check failed: {}", t.toString())));
  }

  Future<Void> close() {
    return mail == null ? Future.succeededFuture() : mail.close();
  }
}

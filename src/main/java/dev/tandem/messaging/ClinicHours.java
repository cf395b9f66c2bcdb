package dev.tandem.messaging;

import dev.tandem.config.MessagingConfig;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;
import java.util.stream.Collectors;

/** When the clinic answers messages, in the clinic's own time zone. */
final class ClinicHours {
  private final MessagingConfig cfg;

  ClinicHours(MessagingConfig cfg) {
    this.cfg = cfg;
  }

  boolean isOpen(Instant at) {
    ZonedDateTime local = at.atZone(cfg.timeZone());
    return cfg.openDays().contains(local.getDayOfWeek()) && !local.toLocalTime().isBefore(cfg.open())
        && local.toLocalTime().isBefore(cfg.close());
  }

  /** e.g. "Mon, Tue, Wed, Thu, Fri 08:00–18:00 (America/New_York)". */
  String describe() {
    String days = cfg.openDays().stream().sorted().map(d -> d.getDisplayName(TextStyle.SHORT, Locale.ENGLISH))
        .collect(Collectors.joining(", "));
    return days + " " + cfg.open() + "–" + cfg.close() + " (" + cfg.timeZone().getId() + ")";
  }

  /** The automatic reply: the configured text, the hours, the reply target and the crisis line. */
  String afterHoursReply() {
    long hours = cfg.responseTarget().toHours();
    String target = hours >= 1 ? hours + (hours == 1 ? " hour" : " hours") : cfg.responseTarget().toMinutes() + " minutes";
    return cfg.afterHoursReply() + " Clinic hours: " + describe() + ". We aim to reply within " + target
        + " during clinic hours. " + cfg.crisisResources();
  }

}

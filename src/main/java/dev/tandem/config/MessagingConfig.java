package dev.tandem.config;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** Messaging: limits, crisis language and resources, clinic hours and the reply target. */
public record MessagingConfig(int maxBodyChars, int attachmentMaxBytes, int writeBatchMax, Duration responseTarget, String crisisPhrases,
    String crisisResources, ZoneId timeZone, Set<DayOfWeek> openDays, LocalTime open, LocalTime close,
    String afterHoursReply) {

  static MessagingConfig from(Settings s) {
    ZoneId zone;
    try {
      zone = ZoneId.of(s.nonEmpty("messaging.clinic-hours.time-zone"));
    } catch (DateTimeException e) {
      throw new ConfigException("messaging.clinic-hours.time-zone", "must be an IANA time zone such as America/New_York");
    }
    Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
    for (String d : s.string("messaging.clinic-hours.days").split(",")) {
      String t = d.trim().toLowerCase(Locale.ROOT);
      if (t.isEmpty()) {
        continue;
      }
      DayOfWeek match = null;
      for (DayOfWeek w : DayOfWeek.values()) {
        if (w.name().toLowerCase(Locale.ROOT).startsWith(t) && t.length() >= 3) {
          match = w;
        }
      }
      if (match == null) {
        throw new ConfigException("messaging.clinic-hours.days", "must be days like mon,tue,wed (got '" + d.trim() + "')");
      }
      days.add(match);
    }
    LocalTime open = time(s, "messaging.clinic-hours.open");
    LocalTime close = time(s, "messaging.clinic-hours.close");
    if (!close.isAfter(open)) {
      throw new ConfigException("messaging.clinic-hours.close", "must be later than messaging.clinic-hours.open");
    }
    return new MessagingConfig(s.integer("messaging.max-body-chars", 1, 100_000),
        s.integer("messaging.attachment-max-bytes", 1024, 10 * 1024 * 1024),
        s.integer("messaging.write-batch-max", 1, 10_000),
        s.duration("messaging.response-target", Duration.ofMinutes(5), Duration.ofDays(14)),
        s.string("messaging.crisis-phrases"), s.nonEmpty("messaging.crisis-resources"), zone, days, open, close,
        s.nonEmpty("messaging.clinic-hours.after-hours-reply"));
  }

  private static LocalTime time(Settings s, String key) {
    try {
      return LocalTime.parse(s.nonEmpty(key));
    } catch (DateTimeParseException e) {
      throw new ConfigException(key, "must be a time like 08:00");
    }
  }
}

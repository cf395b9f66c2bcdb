package dev.tandem.visits;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * An RFC 5545 calendar file for one visit: UID, DTSTAMP, DTSTART/DTEND in UTC, CRLF line ends,
 * lines folded at 75 octets. The summary names the visit type, never the patient: calendar
 * files end up on phones, in mail and in shared calendars.
 */
final class Calendar {
  private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private Calendar() {
  }

  static String ics(Visit v, Instant stamp, String host, String visitUrl) {
    StringBuilder sb = new StringBuilder();
    line(sb, "BEGIN:VCALENDAR");
    line(sb, "VERSION:2.0");
    line(sb, "PRODID:-//Tandem//Visits//EN");
    line(sb, "CALSCALE:GREGORIAN");
    line(sb, "METHOD:PUBLISH");
    line(sb, "BEGIN:VEVENT");
    line(sb, "UID:visit-" + v.id() + "@" + host);
    line(sb, "DTSTAMP:" + UTC.format(stamp));
    line(sb, "DTSTART:" + UTC.format(v.start()));
    line(sb, "DTEND:" + UTC.format(v.end()));
    line(sb, "SUMMARY:" + escape("Tandem video visit (" + label(v.type()) + ")"));
    line(sb, "DESCRIPTION:" + escape("Open your Tandem visits page a few minutes early to join: " + visitUrl));
    line(sb, "URL:" + visitUrl);
    line(sb, "STATUS:" + (v.status() == VisitStatus.CANCELLED ? "CANCELLED" : "CONFIRMED"));
    line(sb, "SEQUENCE:" + v.version());
    line(sb, "END:VEVENT");
    line(sb, "END:VCALENDAR");
    return sb.toString();
  }

  static String label(VisitType t) {
    return switch (t) {
      case INTAKE -> "intake";
      case MEDICATION_REVIEW -> "medication review";
      case PSYCHOTHERAPY -> "therapy session";
      case JOINT -> "joint visit";
    };
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n");
  }

  /** Appends a content line folded to at most 75 octets per physical line (continuations start with a space). */
  private static void line(StringBuilder sb, String content) {
    final int limit = 75;
    StringBuilder cur = new StringBuilder();
    int octets = 0;
    for (int i = 0; i < content.length();) {
      int cp = content.codePointAt(i);
      String ch = new String(Character.toChars(cp));
      int n = ch.getBytes(StandardCharsets.UTF_8).length;
      if (octets + n > limit) {
        sb.append(cur).append("\r\n ");
        cur.setLength(0);
        octets = 1;
      }
      cur.append(ch);
      octets += n;
      i += Character.charCount(cp);
    }
    sb.append(cur).append("\r\n");
  }
}

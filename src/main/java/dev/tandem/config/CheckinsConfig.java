package dev.tandem.config;

import java.time.Duration;

/** Check-ins: upload limits, answer-time checks, safety-alert escalation, extra instruments. */
public record CheckinsConfig(int maxBatch, Duration clockSkew, Duration escalateToNavigator, Duration escalateToTeam,
    Duration escalationCheckEvery, String instrumentsDir) {

  static CheckinsConfig from(Settings s) {
    Duration nav = s.duration("checkins.alerts.escalate-to-navigator-after", Duration.ofMinutes(1), Duration.ofDays(1));
    Duration team = s.duration("checkins.alerts.escalate-to-team-after", Duration.ofMinutes(1), Duration.ofDays(2));
    if (team.compareTo(nav) <= 0) {
      throw new ConfigException("checkins.alerts.escalate-to-team-after", "must be later than checkins.alerts.escalate-to-navigator-after");
    }
    return new CheckinsConfig(s.integer("checkins.max-batch", 1, 1000),
        s.duration("checkins.clock-skew", Duration.ZERO, Duration.ofHours(1)), nav, team,
        s.duration("checkins.alerts.check-every", Duration.ofSeconds(1), Duration.ofMinutes(10)),
        s.string("checkins.instruments-dir"));
  }
}

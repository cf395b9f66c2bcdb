package dev.tandem.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;

/**
 * Visits: the Jitsi deployment and how its tokens are minted, the join window, reminders and
 * their optional SMTP relay, and the attendance webhook secret.
 */
public record VisitsConfig(String jitsiDomain, String jitsiScheme, TokenFormat tokenFormat, String appId, Secret appSecret,
    String audience, String keyId, Path privateKeyFile, Duration nbfBackdate, Duration tokenGrace, Duration opensBefore,
    Duration closesAfter, Duration claimSweepAfter, ZoneId displayZone, Duration reminderCheckEvery, Smtp smtp,
    Secret webhookSecret) {

  /** Prosody's token auth (HS256, shared app secret) or 8x8 JaaS (RS256 with a key id). */
  public enum TokenFormat {
    PROSODY, JAAS
  }

  /** SMTP relay for reminder email; {@code host} empty means email is off. */
  public record Smtp(String host, int port, boolean startTls, String username, Secret password, String from) {
    public boolean enabled() {
      return !host.isEmpty();
    }
  }

  /** The origin the browser loads external_api.js from and frames the meeting from. */
  public String jitsiOrigin() {
    return jitsiScheme + "://" + jitsiDomain;
  }

  /** Whether Tandem can mint tokens Jitsi will accept. */
  public boolean tokensConfigured() {
    return tokenFormat == TokenFormat.PROSODY ? appSecret.isSet() : privateKeyFile != null;
  }

  static VisitsConfig from(Settings s) {
    String domain = s.nonEmpty("visits.jitsi.domain");
    if (!domain.matches("[A-Za-z0-9.-]+(:\\d{1,5})?")) {
      throw new ConfigException("visits.jitsi.domain", "must be a host name (and optional :port), e.g. meet.example.org");
    }
    String scheme = s.nonEmpty("visits.jitsi.scheme");
    if (!scheme.equals("https") && !scheme.equals("http")) {
      throw new ConfigException("visits.jitsi.scheme", "must be https (or http for a local test deployment)");
    }
    TokenFormat format = s.oneOf("visits.jitsi.token-format", TokenFormat.class);
    String keyFile = s.string("visits.jitsi.private-key-file");
    Path key = keyFile.isEmpty() ? null : Path.of(keyFile);
    if (key != null && !Files.isReadable(key)) {
      throw new ConfigException("visits.jitsi.private-key-file", "cannot read " + keyFile);
    }
    String keyId = s.string("visits.jitsi.key-id");
    if (format == TokenFormat.JAAS && key != null && keyId.isEmpty()) {
      throw new ConfigException("visits.jitsi.key-id", "JaaS tokens need the API key id (kid) of the private key");
    }
    Secret secret = s.secret("visits.jitsi.app-secret");
    if (secret.isSet() && secret.value().getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
      throw new ConfigException("visits.jitsi.app-secret", "must be at least 32 bytes (HS256 needs a 256-bit key)");
    }
    String appId = s.nonEmpty("visits.jitsi.app-id");
    String audience = s.string("visits.jitsi.audience");
    if (audience.isEmpty()) {
      audience = format == TokenFormat.JAAS ? "jitsi" : appId;
    }
    Duration opens = s.duration("visits.join.opens-before", Duration.ZERO, Duration.ofHours(2));
    Duration closes = s.duration("visits.join.closes-after", Duration.ZERO, Duration.ofHours(4));
    ZoneId zone;
    try {
      zone = ZoneId.of(s.nonEmpty("visits.display-time-zone"));
    } catch (DateTimeException e) {
      throw new ConfigException("visits.display-time-zone", "must be an IANA time zone such as America/New_York");
    }
    Smtp smtp = new Smtp(s.string("visits.reminders.smtp.host"), s.integer("visits.reminders.smtp.port", 1, 65535),
        s.bool("visits.reminders.smtp.starttls"), s.string("visits.reminders.smtp.username"),
        s.secret("visits.reminders.smtp.password"), s.nonEmpty("visits.reminders.smtp.from"));
    return new VisitsConfig(domain, scheme, format, appId, secret, audience, keyId, key,
        s.duration("visits.jitsi.nbf-backdate", Duration.ZERO, Duration.ofMinutes(5)),
        s.duration("visits.jitsi.token-grace", Duration.ZERO, Duration.ofHours(4)), opens, closes,
        s.duration("visits.slot-claim-sweep-after", Duration.ofSeconds(10), Duration.ofHours(1)), zone,
        s.duration("visits.reminders.check-every", Duration.ofSeconds(1), Duration.ofHours(1)), smtp,
        s.secret("visits.webhook-secret"));
  }
}

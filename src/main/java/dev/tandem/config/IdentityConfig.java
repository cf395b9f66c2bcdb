package dev.tandem.config;

import java.time.Duration;

/** Sessions, invitations, password hashing and login throttling. */
public record IdentityConfig(Duration idleTimeout, Duration absoluteLifetime, String cookieName,
    Duration invitationTtl, int passwordMinLength, int argon2MemoryKib, int argon2Iterations,
    int argon2Parallelism, int hashPoolSize, Duration throttleWindow, int maxFailuresPerAccount,
    int maxFailuresPerAddress) {

  static IdentityConfig from(Settings s) {
    Duration idle = s.duration("identity.session.idle-timeout", Duration.ofMinutes(1), Duration.ofDays(1));
    Duration absolute = s.duration("identity.session.absolute-lifetime", Duration.ofMinutes(5), Duration.ofDays(30));
    if (absolute.compareTo(idle) < 0) {
      throw new ConfigException("identity.session.absolute-lifetime", "must not be shorter than identity.session.idle-timeout");
    }
    String cookie = s.nonEmpty("identity.session.cookie-name");
    if (!cookie.matches("[A-Za-z0-9_-]{1,64}")) {
      throw new ConfigException("identity.session.cookie-name", "must be letters, digits, '_' or '-'");
    }
    return new IdentityConfig(idle, absolute, cookie,
        s.duration("identity.invitation-ttl", Duration.ofMinutes(10), Duration.ofDays(30)),
        s.integer("identity.password.min-length", 12, 128),
        s.integer("identity.password.argon2-memory-kib", 1024, 1024 * 1024),
        s.integer("identity.password.argon2-iterations", 1, 20),
        s.integer("identity.password.argon2-parallelism", 1, 16),
        s.integer("identity.password.hash-pool-size", 1, 64),
        s.duration("identity.login-throttle.window", Duration.ofSeconds(10), Duration.ofDays(1)),
        s.integer("identity.login-throttle.max-failures-per-account", 1, 1000),
        s.integer("identity.login-throttle.max-failures-per-address", 1, 100000));
  }
}

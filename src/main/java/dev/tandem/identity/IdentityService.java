package dev.tandem.identity;

import dev.tandem.audit.AuditEvent;
import dev.tandem.audit.AuditLog;
import dev.tandem.config.IdentityConfig;
import dev.tandem.crypto.Tokens;
import dev.tandem.http.ApiException;
import dev.tandem.http.Ids;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logins, sessions, passwords and accounts. Every method takes the caller's identity (never a
 * request) and returns a Future that fails with {@link ApiException} for anything the caller
 * can fix.
 */
public final class IdentityService {
  private static final Logger LOG = LoggerFactory.getLogger(IdentityService.class);
  private static final Duration TOUCH_EVERY = Duration.ofMinutes(1);

  private final UserStore users;
  private final SessionStore sessions;
  private final InvitationStore invitations;
  private final Passwords passwords;
  private final PasswordPolicy policy;
  private final LoginThrottle throttle;
  private final AuditLog audit;
  private final IdentityConfig cfg;
  private final Clock clock;

  public record LoginResult(String token, Session session, User user) {
  }

  public record NewInvitation(User user, String token, Instant expiresAt) {
  }

  public IdentityService(UserStore users, SessionStore sessions, InvitationStore invitations, Passwords passwords,
      PasswordPolicy policy, LoginThrottle throttle, AuditLog audit, IdentityConfig cfg, Clock clock) {
    this.users = users;
    this.sessions = sessions;
    this.invitations = invitations;
    this.passwords = passwords;
    this.policy = policy;
    this.throttle = throttle;
    this.audit = audit;
    this.cfg = cfg;
    this.clock = clock;
  }

  public Duration idleTimeout() {
    return cfg.idleTimeout();
  }

  /**
   * Succeeds with a new session; fails with 401 invalid_credentials for a wrong email or
   * password or an inactive account (indistinguishable), or 429 when throttled.
   */
  public Future<LoginResult> login(String email, String password, String ip, String userAgent) {
    String key = email.toLowerCase(Locale.ROOT);
    long wait = throttle.retryAfterSeconds(key, ip);
    if (wait > 0) {
      return audit.record(AuditEvent.of("auth.login", null, null, AuditEvent.DENIED).from(ip).with("reason", "throttled"))
          .compose(v -> Future.failedFuture(ApiException.tooManyRequests(wait)));
    }
    return users.byEmail(key).compose(user -> passwords.verify(password, user == null ? null : user.passwordHash())
        .compose(ok -> {
          if (!ok || user.status() != User.Status.ACTIVE) {
            throttle.failed(key, ip);
            AuditEvent e = AuditEvent.of("auth.login", user == null ? null : user.id(), user == null ? null : user.role().wire(),
                AuditEvent.FAILURE).from(ip).with("reason", user == null ? "unknown_account" : ok ? "inactive" : "bad_password");
            return audit.record(e).compose(v -> Future.failedFuture(
                new ApiException(401, "invalid_credentials", "Email or password is incorrect.")));
          }
          throttle.succeeded(key);
          return startSession(user, ip, userAgent, "auth.login");
        }));
  }

  private Future<LoginResult> startSession(User user, String ip, String userAgent, String auditType) {
    Instant now = clock.instant();
    String token = Tokens.random(32);
    Session s = new Session(Tokens.fingerprint(token), Ids.newId(), user.id(), user.role(), now, now,
        now.plus(cfg.absoluteLifetime()), userAgent == null ? "" : truncate(userAgent, 200), false);
    return sessions.insert(s)
        .compose(v -> audit.record(AuditEvent.of(auditType, user.id(), user.role().wire(), AuditEvent.SUCCESS)
            .from(ip).subject(s.id())))
        .map(v -> new LoginResult(token, s, user));
  }

  /**
   * Resolves a session token into the caller. Fails with 401 session_expired when the token is
   * unknown, revoked, idle too long or past its absolute lifetime.
   */
  public Future<Caller> authenticate(String token, String ip) {
    if (token == null || token.isEmpty() || token.length() > 200) {
      return Future.failedFuture(expired());
    }
    String hash = Tokens.fingerprint(token);
    Instant now = clock.instant();
    return sessions.byTokenHash(hash).compose(s -> {
      if (s == null || !s.activeAt(now, cfg.idleTimeout())) {
        return Future.failedFuture(expired());
      }
      // Extending the idle window is awaited (at most once a minute per session), so the next
      // request never races an unwritten extension.
      Future<Void> touched = Duration.between(s.lastSeenAt(), now).compareTo(TOUCH_EVERY) >= 0
          ? sessions.touch(hash, now).recover(t -> {
            LOG.warn("could not extend a session: {}", t.toString());
            return Future.succeededFuture();
          }) : Future.succeededFuture();
      return touched.compose(v -> users.byId(s.userId())).compose(u -> {
        if (u == null || u.status() != User.Status.ACTIVE) {
          return Future.failedFuture(expired());
        }
        return Future.succeededFuture(new Caller(u.id(), u.role(), u.name(), s.id(), ip));
      });
    });
  }

  public Future<Void> logout(Caller caller, String token) {
    return sessions.revokeByTokenHash(Tokens.fingerprint(token))
        .compose(v -> audit.record(event("auth.logout", caller).subject(caller.sessionId())));
  }

  public Future<User> me(Caller caller) {
    return users.byId(caller.userId()).map(u -> {
      if (u == null) {
        throw expired();
      }
      return u;
    });
  }

  public Future<List<Session>> sessions(Caller caller) {
    Instant now = clock.instant();
    return sessions.forUser(caller.userId())
        .map(l -> l.stream().filter(s -> s.activeAt(now, cfg.idleTimeout()))
            .sorted((a, b) -> b.lastSeenAt().compareTo(a.lastSeenAt())).toList());
  }

  /** Fails with 404 when the caller has no such session. */
  public Future<Void> revokeSession(Caller caller, String sessionId) {
    return sessions.revoke(caller.userId(), sessionId).compose(done -> {
      if (!done) {
        return Future.failedFuture(ApiException.notFound("session"));
      }
      return audit.record(event("session.revoke", caller).subject(sessionId));
    });
  }

  /** Checks the current password, applies the policy, and signs out every other session. */
  public Future<Void> changePassword(Caller caller, String current, String next) {
    return users.byId(caller.userId()).compose(u -> passwords.verify(current, u == null ? null : u.passwordHash())
        .compose(ok -> {
          if (!ok) {
            return audit.record(AuditEvent.of("password.change", caller.userId(), caller.role().wire(), AuditEvent.FAILURE)
                .from(caller.ip()).with("reason", "wrong_current"))
                .compose(v -> Future.failedFuture(ApiException.badRequest("wrong_password", "Your current password is not correct.")));
          }
          policy.check(next, u.email());
          return passwords.hash(next)
              .compose(h -> users.setPassword(u.id(), h, clock.instant()))
              .compose(v -> sessions.revokeAllExcept(u.id(), caller.sessionId()))
              .compose(n -> audit.record(event("password.change", caller).with("otherSessionsRevoked", Long.toString(n))));
        }));
  }

  /** Creates an invited account (no password yet) and its one-time link. 409 when the email is taken. */
  public Future<NewInvitation> invite(Caller by, String email, String name, Role role, String language) {
    Instant now = clock.instant();
    User user = new User(Ids.newId(), email, name, role, User.Status.INVITED, null, language == null ? "en" : language, now, null);
    String token = Tokens.random(32);
    Instant expires = now.plus(cfg.invitationTtl());
    return users.insert(user)
        .compose(v -> invitations.insert(new Invitation(Tokens.fingerprint(token), user.id(), by.userId(), now, expires, null)))
        .compose(v -> audit.record(event("invitation.create", by).subject(user.id()).with("role", role.wire())
            .patient(role == Role.PATIENT ? user.id() : null)))
        .map(v -> new NewInvitation(user, token, expires));
  }

  /**
   * Creates an active account with a password (demo seeding and the command-line bootstrap of
   * the first admin); the password still has to pass the policy. 409 when the email is taken.
   */
  public Future<User> createActive(Caller by, String email, String name, Role role, String language, String password) {
    policy.check(password, email);
    return passwords.hash(password).compose(h -> createActiveHashed(by, email, name, role, language, h));
  }

  /**
   * Checks {@code password} against the policy for each of {@code emails} and hashes it once, for
   * {@link #createActiveHashed}: the demo clinic gives its nine accounts one published password, and
   * nine Argon2 hashes were a third of the first start.
   */
  public Future<String> hashSharedPassword(String password, List<String> emails) {
    emails.forEach(e -> policy.check(password, e));
    return passwords.hash(password);
  }

  /** Like {@link #createActive}, with a hash from {@link #hashSharedPassword}. */
  public Future<User> createActiveHashed(Caller by, String email, String name, Role role, String language, String passwordHash) {
    Instant now = clock.instant();
    User user = new User(Ids.newId(), email, name, role, User.Status.ACTIVE, passwordHash, language, now, now);
    return users.insert(user)
        .compose(v -> audit.record(event("user.create", by).subject(user.id()).with("role", role.wire())
            .patient(role == Role.PATIENT ? user.id() : null)))
        .map(v -> user);
  }

  /** The invited user behind a usable link; 404 for unknown, used or expired links alike. */
  public Future<User> invitation(String token) {
    return invitations.usable(Tokens.fingerprint(token), clock.instant()).compose(inv -> {
      if (inv == null) {
        return Future.failedFuture(ApiException.notFound("invitation"));
      }
      return users.byId(inv.userId()).map(u -> {
        if (u == null || u.status() == User.Status.DISABLED) {
          throw ApiException.notFound("invitation");
        }
        return u;
      });
    });
  }

  public Future<Instant> invitationExpiry(String token) {
    return invitations.usable(Tokens.fingerprint(token), clock.instant())
        .map(inv -> inv == null ? null : inv.expiresAt());
  }

  /** Sets the password on a usable link (consuming it exactly once) and signs the user in. */
  public Future<LoginResult> acceptInvitation(String token, String password, String ip, String userAgent) {
    return invitation(token).compose(u -> {
      policy.check(password, u.email());
      return passwords.hash(password).compose(h -> invitations.consume(Tokens.fingerprint(token), clock.instant())
          .compose(inv -> {
            if (inv == null) {
              return Future.failedFuture(ApiException.notFound("invitation"));
            }
            return users.setPassword(u.id(), h, clock.instant());
          })
          .compose(v -> startSession(u.withPassword(h, clock.instant()), ip, userAgent, "invitation.accept")));
    });
  }

  public Future<List<User>> allUsers() {
    return users.all();
  }

  public Future<List<User>> usersByRole(List<Role> roles) {
    return users.byRoles(roles);
  }

  public Future<User> user(String id) {
    return users.byId(id);
  }

  public Future<List<User>> users(java.util.Collection<String> ids) {
    return users.byIds(ids);
  }

  /** Admin: rename or (de)activate an account; disabling signs it out everywhere. 404 when absent. */
  public Future<User> updateUser(Caller admin, String userId, User.Status status, String name) {
    if (userId.equals(admin.userId()) && status == User.Status.DISABLED) {
      return Future.failedFuture(ApiException.badRequest("cannot_disable_self", "You cannot disable your own account."));
    }
    return users.byId(userId).compose(existing -> {
      if (existing == null) {
        return Future.failedFuture(ApiException.notFound("user"));
      }
      if (status == User.Status.ACTIVE && existing.passwordHash() == null) {
        return Future.failedFuture(ApiException.badRequest("invitation_pending",
            "This account has not set a password yet; it becomes active when the invitation is accepted."));
      }
      return users.update(userId, status, name);
    }).compose(u -> {
      Future<Long> revoked = status == User.Status.DISABLED ? sessions.revokeAllExcept(userId, null) : Future.succeededFuture(0L);
      return revoked.compose(n -> audit.record(event("user.update", admin).subject(userId)
          .with("status", status == null ? "unchanged" : status.wire()).with("renamed", Boolean.toString(name != null))))
          .map(v -> u);
    });
  }

  /** Periodic clean-up of ended sessions (the embedded store has no TTL indexes). */
  public Future<Long> purgeSessions() {
    throttle.sweep();
    return sessions.purgeEnded(clock.instant());
  }

  static AuditEvent event(String type, Caller c) {
    return AuditEvent.of(type, c.userId(), c.role().wire(), AuditEvent.SUCCESS).from(c.ip());
  }

  private static ApiException expired() {
    return new ApiException(401, "session_expired", "Your session has ended. Please sign in again.");
  }

  private static String truncate(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n);
  }
}

package dev.tandem.identity;

import dev.tandem.audit.AuditLog;
import dev.tandem.config.IdentityConfig;
import dev.tandem.crypto.PasswordHasher;
import dev.tandem.store.Store;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.time.Clock;
import java.util.List;

/** Builds the identity feature (stores, services) with plain constructors. */
public final class Identity {
  public final IdentityService identity;
  public final CareTeamService careTeams;
  public final Passwords passwords;
  public final UserStore users;
  /**
   * How long a session or user read is reused. Writes on this node take effect at once; this is
   * how late another node sharing the database sees a logout, revoke or disabled account.
   */
  static final long AUTH_CACHE_MILLIS = 2_000;

  public Identity(Vertx vertx, MongoClient mongo, IdentityConfig cfg, AuditLog audit, Clock clock) {
    this.passwords = new Passwords(vertx, new PasswordHasher(cfg.argon2MemoryKib(), cfg.argon2Iterations(),
        cfg.argon2Parallelism()), cfg.hashPoolSize());
    this.users = new CachingUserStore(new MongoUserStore(mongo), AUTH_CACHE_MILLIS);
    this.identity = new IdentityService(users, new CachingSessionStore(new MongoSessionStore(mongo), AUTH_CACHE_MILLIS), new MongoInvitationStore(mongo), passwords,
        PasswordPolicy.withShippedList(cfg.passwordMinLength()),
        new LoginThrottle(clock, cfg.throttleWindow(), cfg.maxFailuresPerAccount(), cfg.maxFailuresPerAddress()),
        audit, cfg, clock);
    this.careTeams = new CareTeamService(new MongoCareTeamStore(mongo), identity, audit, clock);
  }

  /** Indexes a real MongoDB needs; the embedded engine enforces only the unique ones. */
  public static List<Store.Index> indexes() {
    return List.of(
        Store.Index.unique(MongoUserStore.USERS, "users_email", new JsonObject().put("email", 1)),
        Store.Index.plain(MongoUserStore.USERS, "users_role", new JsonObject().put("role", 1).put("name", 1)),
        Store.Index.unique(MongoSessionStore.SESSIONS, "sessions_sid", new JsonObject().put("sid", 1)),
        Store.Index.plain(MongoSessionStore.SESSIONS, "sessions_user", new JsonObject().put("userId", 1).put("revoked", 1)),
        Store.Index.plain(MongoSessionStore.SESSIONS, "sessions_expiry", new JsonObject().put("absoluteExpiresAt", 1)),
        Store.Index.plain(MongoInvitationStore.INVITATIONS, "invitations_user", new JsonObject().put("userId", 1)),
        Store.Index.plain(MongoCareTeamStore.CARE_TEAMS, "careteams_members", new JsonObject().put("members", 1)));
  }
}

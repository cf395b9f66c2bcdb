package dev.tandem.identity;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/** Accounts. Emails are unique (lower-cased). */
public interface UserStore {
  /** Fails with 409 email_taken when the email is in use. */
  Future<Void> insert(User user);

  /** Succeeds with null when absent. */
  Future<User> byEmail(String email);

  /** Succeeds with null when absent. */
  Future<User> byId(String id);

  Future<List<User>> byIds(Collection<String> ids);

  Future<List<User>> all();

  Future<List<User>> byRoles(Collection<Role> roles);

  /** Sets the password hash and makes the account active. Succeeds with false when absent. */
  Future<Boolean> setPassword(String id, String hash, Instant at);

  /** Succeeds with the updated user, or null when absent. */
  Future<User> update(String id, User.Status status, String name);
}

package dev.tandem.identity;

import io.vertx.core.Future;
import java.time.Instant;

/** One-time invitation links, keyed by token hash. */
public interface InvitationStore {
  Future<Void> insert(Invitation i);

  /** An unused, unexpired invitation, or null. */
  Future<Invitation> usable(String tokenHash, Instant now);

  /**
   * Marks the invitation used, atomically: succeeds with it when this call consumed it, with null
   * when it was already used, expired or unknown (so two concurrent accepts cannot both win).
   */
  Future<Invitation> consume(String tokenHash, Instant now);
}

package dev.tandem.identity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts failed logins per account (by the email typed, whether or not it exists, so the answer
 * never reveals existence) and per client address over a sliding window. Kept in memory: one
 * node's view; with several nodes each throttles what it sees, which still bounds guessing.
 * Accessed from the event loop only.
 */
public final class LoginThrottle {
  private final Clock clock;
  private final Duration window;
  private final int maxPerAccount;
  private final int maxPerAddress;
  private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();

  public LoginThrottle(Clock clock, Duration window, int maxPerAccount, int maxPerAddress) {
    this.clock = clock;
    this.window = window;
    this.maxPerAccount = maxPerAccount;
    this.maxPerAddress = maxPerAddress;
  }

  /** Seconds until a login for this account from this address may be tried again; 0 if now. */
  public long retryAfterSeconds(String email, String address) {
    Instant now = clock.instant();
    return Math.max(wait("a:" + email, maxPerAccount, now), wait("i:" + address, maxPerAddress, now));
  }

  public void failed(String email, String address) {
    Instant now = clock.instant();
    add("a:" + email, now);
    add("i:" + address, now);
  }

  /** A successful login clears the account's count (not the address's: one address may guess many accounts). */
  public void succeeded(String email) {
    failures.remove("a:" + email);
  }

  /** Drops empty windows; called periodically so memory stays bounded. */
  public void sweep() {
    Instant now = clock.instant();
    failures.entrySet().removeIf(e -> {
      prune(e.getValue(), now);
      return e.getValue().isEmpty();
    });
  }

  private long wait(String key, int max, Instant now) {
    Deque<Instant> d = failures.get(key);
    if (d == null) {
      return 0;
    }
    prune(d, now);
    if (d.size() < max) {
      return 0;
    }
    // Blocked until enough of the oldest failures leave the window.
    Instant freeAt = d.stream().skip(d.size() - max).findFirst().orElse(now).plus(window);
    return Math.max(1, Duration.between(now, freeAt).toSeconds() + 1);
  }

  private void add(String key, Instant now) {
    Deque<Instant> d = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
    prune(d, now);
    d.addLast(now);
    while (d.size() > Math.max(maxPerAccount, maxPerAddress) * 2) {
      d.removeFirst();
    }
  }

  private void prune(Deque<Instant> d, Instant now) {
    Instant cutoff = now.minus(window);
    for (Iterator<Instant> it = d.iterator(); it.hasNext(); ) {
      if (it.next().isAfter(cutoff)) {
        break;
      }
      it.remove();
    }
  }
}

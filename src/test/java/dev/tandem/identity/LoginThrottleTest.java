package dev.tandem.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-27T10:00:00Z"));
  private final LoginThrottle throttle = new LoginThrottle(clock, Duration.ofMinutes(15), 5, 20);

  @Test
  void anAccountIsPausedAfterItsFailuresUntilTheyLeaveTheWindow() {
    for (int i = 0; i < 4; i++) {
      throttle.failed("a@x.org", "10.0.0." + i);
      clock.advance(Duration.ofMinutes(1));
    }
    assertEquals(0, throttle.retryAfterSeconds("a@x.org", "10.0.0.9"));
    throttle.failed("a@x.org", "10.0.0.9");
    long wait = throttle.retryAfterSeconds("a@x.org", "10.0.0.99");
    assertTrue(wait > 10 * 60 && wait <= 11 * 60 + 1, "oldest failure leaves the window in ~11 min: " + wait);
    clock.advance(Duration.ofSeconds(wait));
    assertEquals(0, throttle.retryAfterSeconds("a@x.org", "10.0.0.99"));
  }

  @Test
  void oneAddressGuessingManyAccountsIsPausedToo() {
    for (int i = 0; i < 20; i++) {
      throttle.failed("user" + i + "@x.org", "192.0.2.7");
    }
    assertTrue(throttle.retryAfterSeconds("someone.new@x.org", "192.0.2.7") > 0);
    assertEquals(0, throttle.retryAfterSeconds("someone.new@x.org", "192.0.2.8"));
  }

  @Test
  void successClearsTheAccountButNotTheAddress() {
    for (int i = 0; i < 5; i++) {
      throttle.failed("b@x.org", "198.51.100.1");
    }
    throttle.succeeded("b@x.org");
    assertEquals(0, throttle.retryAfterSeconds("b@x.org", "198.51.100.2"));
    clock.advance(Duration.ofMinutes(16));
    throttle.sweep();
    assertEquals(0, throttle.retryAfterSeconds("b@x.org", "198.51.100.1"));
  }
}

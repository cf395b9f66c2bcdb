package dev.tandem.store;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class HeapWatchTest {
  private static final long MAX = 2000L << 20;

  @Test
  void warnsOnceWhenEveryRecentReadingIsOverTheThresholdAndAgainOnlyAfterTheQuietPeriod() {
    HeapWatch w = new HeapWatch();
    long now = 1_000_000;
    String warning = null;
    for (int i = 0; i < HeapWatch.WINDOW; i++) {
      warning = w.observe(MAX * 85 / 100, MAX, now++);
    }
    assertNotNull(warning, "eight readings over 80%");
    assertTrue(warning.contains("85%") && warning.contains("1700 of 2000 MiB"), warning);
    assertNull(w.observe(MAX * 90 / 100, MAX, now + 60_000), "not again within 15 minutes");
    assertNotNull(w.observe(MAX * 90 / 100, MAX, now + HeapWatch.REPEAT_MINUTES * 60_000L + 1));
  }

  @Test
  void garbageThatACollectionReclaimsDoesNotWarn() {
    HeapWatch w = new HeapWatch();
    for (int i = 0; i < 3 * HeapWatch.WINDOW; i++) {
      // young collections pile garbage into the old generation; every eighth (a mixed one) clears it
      long used = i % HeapWatch.WINDOW == 0 ? MAX * 40 / 100 : MAX * 95 / 100;
      assertNull(w.observe(used, MAX, i));
    }
  }

  @Test
  void fewerReadingsThanTheWindowNeverWarn() {
    HeapWatch w = new HeapWatch();
    for (int i = 0; i < HeapWatch.WINDOW - 1; i++) {
      assertNull(w.observe(MAX, MAX, i));
    }
  }
}

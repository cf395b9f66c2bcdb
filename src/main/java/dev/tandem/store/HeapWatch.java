package dev.tandem.store;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warns in the log, before it happens, that the embedded store's data is about to fill the heap
 * (the embedded engine keeps every document in memory; a full heap ends the process, see
 * bin/jvm-flags.sh). After each collection it reads the old generation's use and warns when the
 * smallest of the last {@value #WINDOW} readings is over {@value #WARN_PERCENT}% of the old
 * generation's maximum: a young collection leaves garbage in the old generation until a mixed or
 * full one reclaims it, so the smallest recent reading is the one nearest to the live data. Once
 * every {@value #REPEAT_MINUTES} minutes at most. The same figure is on /metrics
 * ({@code jvm_gc_live_data_size_bytes} against {@code jvm_gc_max_data_size_bytes}) for alerting.
 */
final class HeapWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HeapWatch.class);
  static final int WARN_PERCENT = 80;
  static final int WINDOW = 8;
  static final int REPEAT_MINUTES = 15;

  private final ArrayDeque<Long> recent = new ArrayDeque<>();
  private long lastWarnedAt = Long.MIN_VALUE;
  private final List<Runnable> unregister = new ArrayList<>();

  /** Watches the running JVM's collections; a JVM without an old-generation pool is not watched. */
  static HeapWatch start() {
    HeapWatch w = new HeapWatch();
    MemoryPoolMXBean old = null;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP && (p.getName().contains("Old Gen") || p.getName().contains("Tenured"))) {
        old = p;
      }
    }
    if (old == null) {
      return w;
    }
    String pool = old.getName();
    long max = old.getUsage().getMax() > 0 ? old.getUsage().getMax() : Runtime.getRuntime().maxMemory();
    NotificationListener listener = (Notification n, Object handback) -> {
      if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
        return;
      }
      MemoryUsage after = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData()).getGcInfo()
          .getMemoryUsageAfterGc().get(pool);
      if (after != null) {
        String warning = w.observe(after.getUsed(), max, System.currentTimeMillis());
        if (warning != null) {
          LOG.warn(warning);
        }
      }
    };
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter emitter) {
        emitter.addNotificationListener(listener, null, null);
        w.unregister.add(() -> {
          try {
            emitter.removeNotificationListener(listener);
          } catch (ListenerNotFoundException e) {
            // already gone
          }
        });
      }
    }
    return w;
  }

  /** One collection's reading: the warning to log, or null. */
  synchronized String observe(long oldUsedAfterGc, long oldMax, long nowMillis) {
    recent.addLast(oldUsedAfterGc);
    if (recent.size() > WINDOW) {
      recent.removeFirst();
    }
    if (recent.size() < WINDOW || oldMax <= 0) {
      return null;
    }
    long least = recent.stream().mapToLong(Long::longValue).min().orElse(0);
    if (least * 100 < (long) WARN_PERCENT * oldMax) {
      return null;
    }
    if (lastWarnedAt != Long.MIN_VALUE && nowMillis - lastWarnedAt < REPEAT_MINUTES * 60_000L) {
      return null;
    }
    lastWarnedAt = nowMillis;
    return String.format("Embedded store: its data fills %d%% of the heap after garbage collection (%d of %d MiB). Raise the"
        + " heap (-Xmx in TANDEM_JAVA_OPTS) or move to MongoDB (store.mode: external) before it is full: the server exits"
        + " on OutOfMemoryError.", least * 100 / oldMax, least >> 20, oldMax >> 20);
  }

  @Override
  public void close() {
    unregister.forEach(Runnable::run);
  }
}

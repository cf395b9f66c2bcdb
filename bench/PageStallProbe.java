import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * How long this machine stops a running program, as a function of the memory the program has
 * mapped and of the page size. No Tandem server: plain JVMs that fill a heap and then touch it at
 * random from two threads (one per core), recording every gap between two consecutive rounds of
 * a tight loop (a round takes microseconds, so a gap of milliseconds is time the thread did not
 * run). The benchmark machine's kernel samples page accesses (DAMON, README "This machine stalls
 * large processes"); its sampling holds a CPU for a time that grows with the 4 KB pages mapped.
 *
 * <pre>
 *   java bench/PageStallProbe.java                       # 100, 1500, 4000 MB, 4 KB and 2 MB pages, 20 s each
 *   java bench/PageStallProbe.java --sizes 1500 --seconds 30
 * </pre>
 *
 * Each setting runs in a child JVM ({@code -Xms/-Xmx} twice the live size, G1, with or without
 * {@code -XX:+UseTransparentHugePages}); the kernel must have transparent huge pages in "madvise"
 * or "always" mode for the 2 MB rows to differ. Prints a Markdown table. A child runs
 * {@code --child MB SECONDS}.
 */
public final class PageStallProbe {
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--child")) {
      child(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
      return;
    }
    int[] sizes = {100, 1500, 4000};
    int seconds = 20;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--sizes" -> sizes = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("usage: java bench/PageStallProbe.java [--sizes MB,MB,...] [--seconds S]");
          System.exit(2);
        }
      }
    }
    String thp = "?";
    try {
      thp = Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled")).strip();
    } catch (Exception e) {
      // not Linux, or no THP
    }
    System.out.println("transparent huge pages: `" + thp + "`; " + Runtime.getRuntime().availableProcessors()
        + " CPUs; " + seconds + " s per row; gaps counted per thread, both threads summed");
    System.out.println();
    System.out.println("| live heap MB | pages | RSS MiB | gaps > 5 ms | > 10 ms | > 20 ms | longest ms |");
    System.out.println("|---:|---|---:|---:|---:|---:|---:|");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String self = Path.of(PageStallProbe.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    for (int mb : sizes) {
      for (boolean huge : new boolean[] {false, true}) {
        List<String> cmd = new ArrayList<>(List.of(java, "-XX:+UseG1GC", "-Xms" + (2 * mb + 64) + "m", "-Xmx" + (2 * mb + 64) + "m"));
        if (huge) {
          cmd.add("-XX:+UseTransparentHugePages");
        }
        // Source-launch mode compiles into memory; the child gets the same source file.
        cmd.addAll(List.of(self.endsWith(".java") ? self : "bench/PageStallProbe.java", "--child", "" + mb, "" + seconds));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String line;
        String result = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
          while ((line = r.readLine()) != null) {
            if (line.startsWith("RESULT ")) {
              result = line.substring(7);
            } else {
              System.err.println(line);
            }
          }
        }
        p.waitFor();
        String[] f = result == null ? new String[] {"?", "?", "?", "?", "?"} : result.split(" ");
        System.out.printf(Locale.ROOT, "| %d | %s | %s | %s | %s | %s | %s |%n", mb, huge ? "2 MB (THP)" : "4 KB", f[0], f[1], f[2], f[3], f[4]);
      }
    }
  }

  static volatile List<long[]> heap;

  private static void child(int mb, int seconds) throws Exception {
    List<long[]> h = new ArrayList<>(mb);
    for (int i = 0; i < mb; i++) {
      long[] a = new long[131072]; // 1 MB
      Arrays.fill(a, i);
      h.add(a);
    }
    heap = h;
    System.gc();
    long[][] counts = new long[2][];
    Thread[] threads = new Thread[2];
    for (int t = 0; t < 2; t++) {
      int tt = t;
      threads[t] = new Thread(() -> counts[tt] = touch(mb, seconds));
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    long rssKb = 0;
    for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (l.startsWith("VmRSS:")) {
        rssKb = Long.parseLong(l.replaceAll("[^0-9]", ""));
      }
    }
    long over5 = counts[0][0] + counts[1][0], over10 = counts[0][1] + counts[1][1], over20 = counts[0][2] + counts[1][2];
    long longest = Math.max(counts[0][3], counts[1][3]);
    System.out.printf(Locale.ROOT, "RESULT %d %d %d %d %.1f%n", rssKb / 1024, over5, over10, over20, longest / 1e6);
  }

  /** Reads random words of the heap until the time is up; counts gaps over 5, 10, 20 ms and the longest (ns). */
  private static long[] touch(int mb, int seconds) {
    List<long[]> h = heap;
    Random random = new Random();
    long sum = 0;
    long[] c = new long[4];
    long last = System.nanoTime();
    long end = last + seconds * 1_000_000_000L;
    while (last < end) {
      for (int k = 0; k < 50; k++) {
        long[] a = h.get(random.nextInt(mb));
        sum += a[random.nextInt(a.length)];
      }
      long now = System.nanoTime();
      long gap = now - last;
      last = now;
      if (gap > 5_000_000) {
        c[0]++;
      }
      if (gap > 10_000_000) {
        c[1]++;
      }
      if (gap > 20_000_000) {
        c[2]++;
      }
      c[3] = Math.max(c[3], gap);
    }
    if (sum == 42) {
      System.out.print(""); // keeps the reads from being optimized away
    }
    return c;
  }
}

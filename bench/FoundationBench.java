import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Tandem foundation benchmark: cold start, login latency and idle resident memory of the server
 * jar, each measured on a real child process with the embedded store.
 *
 * <pre>
 *   java bench/FoundationBench.java --jar target/tandem.jar [options]
 *
 *   --jar PATH                 the server fat jar (default target/tandem.jar)
 *   --java PATH                java binary for the server (default: the one running this program)
 *   --server-jvm-flags "..."   JVM flags for the server child, split on whitespace (default none)
 *   --runs R                   cold-start runs (default 5)
 *   --logins N                 measured logins per client setting (default 200)
 *   --warmup W                 warm-up logins before measuring (default 20)
 *   --idle-seconds S           idle wait before reading resident memory (default 10: bin/tandem's
 *                              periodic GC returns memory after 5 s without a collection)
 *   --out FILE                 also write the results as Markdown to FILE (default: print only)
 *   --no-gc-log                do not add -Xlog:gc:file=... to the server (used to count GC pauses)
 *   --quiet-wait S             before the cold starts and again before the logins, wait up to S
 *                              seconds for other processes to use less than --quiet-cores cores
 *                              (default 0.25) for 3 s in a row (default 0: no wait); the report says
 *                              whether the machine was quiet, and how busy others were per phase
 * </pre>
 *
 * Phases: (a) R times: first start in a fresh data dir (the demo clinic is seeded then: nine
 * Argon2id hashes), clean stop (SIGTERM), restart on the same data; each timed from process spawn
 * to the first 200 of GET /health/ready, polled every 20 ms. (b) On one fresh instance: warm-up
 * logins, then N logins with 1 client and N logins with exactly 2 concurrent clients (each with
 * its own HttpClient, alternating over the demo accounts). (c) VmRSS after S seconds idle after
 * the logins (again at 3*S, to show whether memory is still being returned), and after a restart
 * on the same data plus S seconds idle.
 *
 * Only successful logins are made, so login throttling never applies. A sleep-based idle wait is
 * deliberate here: this is a benchmark, not a test.
 */
public final class FoundationBench {
  static final String PASSWORD = "tandem-demo-2026";
  static final List<String> ACCOUNTS = List.of("rivera", "okafor", "lee", "ana", "ben", "chloe", "david", "eve")
      .stream().map(k -> k + "@tandem-demo.org").toList();
  static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  static final double TARGET_START_S = 3.0;
  static final double TARGET_LOGIN_P50_MS = 100.0;
  static final double TARGET_RSS_MIB = 300.0;

  // ---- options ---------------------------------------------------------------------------
  Path jar = Path.of("target/tandem.jar");
  String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  List<String> serverFlags = List.of();
  String serverFlagsText = "";
  int runs = 5;
  int logins = 200;
  int warmup = 20;
  int idleSeconds = 10;
  boolean gcLog = true;
  int quietWait = 0;
  double quietCores = 0.25;
  final List<String> quietNotes = new ArrayList<>();
  Path out;

  final HttpClient poller = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofMillis(500)).build();
  final long clockTicks = clockTicks();

  public static void main(String[] args) throws Exception {
    FoundationBench b = new FoundationBench();
    b.parse(args);
    System.exit(b.run());
  }

  void parse(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (a) {
        case "--jar" -> jar = Path.of(need(a, v));
        case "--java" -> javaBin = need(a, v);
        case "--server-jvm-flags" -> {
          serverFlagsText = need(a, v).trim();
          serverFlags = serverFlagsText.isEmpty() ? List.of() : List.of(serverFlagsText.split("\\s+"));
        }
        case "--runs" -> runs = Integer.parseInt(need(a, v));
        case "--logins" -> logins = Integer.parseInt(need(a, v));
        case "--warmup" -> warmup = Integer.parseInt(need(a, v));
        case "--idle-seconds" -> idleSeconds = Integer.parseInt(need(a, v));
        case "--out" -> out = Path.of(need(a, v));
        case "--no-gc-log" -> {
          gcLog = false;
          i--;
        }
        case "--quiet-wait" -> quietWait = Integer.parseInt(need(a, v));
        case "--quiet-cores" -> quietCores = Double.parseDouble(need(a, v));
        case "-h", "--help" -> {
          System.out.println("usage: java bench/FoundationBench.java --jar target/tandem.jar [--server-jvm-flags \"...\"]"
              + " [--runs 5] [--logins 200] [--warmup 20] [--idle-seconds 10] [--java PATH] [--out FILE.md]"
              + " [--quiet-wait S] [--quiet-cores C] [--no-gc-log]");
          System.exit(0);
        }
        default -> die("unknown argument: " + a);
      }
      i++;
    }
    if (!Files.isRegularFile(jar)) {
      die("no jar at " + jar.toAbsolutePath() + " (build it: mvn -B -q -DskipTests package)");
    }
    if (runs < 1 || logins < 2 || warmup < 0 || idleSeconds < 0) {
      die("--runs >= 1, --logins >= 2, --warmup >= 0, --idle-seconds >= 0");
    }
  }

  static String need(String flag, String v) {
    if (v == null) {
      die(flag + " needs a value");
    }
    return v;
  }

  static void die(String msg) {
    System.err.println("FoundationBench: " + msg);
    System.exit(2);
  }

  static void log(String msg) {
    System.err.printf(Locale.ROOT, "[%s] %s%n", LocalDateTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")), msg);
  }

  // ---- the benchmark -------------------------------------------------------------------------
  record StartResult(double wallS, double cpuS, Double reportedS, double otherCores) {
  }

  /** serverCpuS: CPU the server used in the run; otherCores: average cores busy outside server and bench. */
  record LoginResult(int clients, double[] latMs, double wallS, int errors, double serverCpuS, double otherCores, Gc gc) {
  }

  /** GC pauses from the server's -Xlog:gc file: all, full collections, total pause time. */
  record Gc(int pauses, int full, double pauseMs) {
    Gc minus(Gc o) {
      return new Gc(pauses - o.pauses, full - o.full, pauseMs - o.pauseMs);
    }
  }

  record Mem(long rssKib, long hwmKib, int threads, Long heapCommitted, Long heapUsed, Long nonHeapCommitted) {
  }

  int run() throws Exception {
    warmPageCache(jar);
    Map<String, String> flagsFinal = effectiveFlags();
    if (quietWait > 0) {
      waitForQuiet("before cold starts");
    }
    long benchStart = System.nanoTime();
    String loadBefore = loadAvg();

    // (a) cold start
    List<StartResult> first = new ArrayList<>();
    List<StartResult> restart = new ArrayList<>();
    List<Double> stops = new ArrayList<>();
    for (int r = 1; r <= runs; r++) {
      Path dir = tempDir();
      try {
        Server s = Server.start(this, dir);
        StartResult f = s.awaitReady();
        first.add(f);
        stops.add(s.stop());
        Server s2 = Server.start(this, dir);
        StartResult rs = s2.awaitReady();
        restart.add(rs);
        stops.add(s2.stop());
        log(String.format(Locale.ROOT, "cold start %d/%d: first start %.2f s, restart %.2f s", r, runs, f.wallS(), rs.wallS()));
      } finally {
        deleteTree(dir);
      }
    }

    // (b) logins, (c) idle memory
    LoginResult one;
    LoginResult two;
    Mem afterLogins;
    Mem afterLoginsLonger;
    Mem atReadyAfterRestart;
    Mem afterRestart;
    Path dir = tempDir();
    try {
      Server s = Server.start(this, dir);
      s.awaitReady();
      if (quietWait > 0) {
        waitForQuiet("before logins");
      }
      log("warm-up: " + warmup + " logins with 2 clients");
      loginRun(s, 2, warmup);
      log("logins: " + logins + " with 1 client");
      one = loginRun(s, 1, logins);
      log("logins: " + logins + " with 2 concurrent clients");
      two = loginRun(s, 2, logins);
      log("idle " + idleSeconds + " s, then reading VmRSS (and again at " + 3 * idleSeconds + " s)");
      Thread.sleep(idleSeconds * 1000L);
      afterLogins = s.mem();
      Thread.sleep(2 * idleSeconds * 1000L);
      afterLoginsLonger = s.mem();
      s.stop();

      Server s2 = Server.start(this, dir);
      s2.awaitReady();
      atReadyAfterRestart = s2.mem();
      log("restarted; idle " + idleSeconds + " s, then reading VmRSS");
      Thread.sleep(idleSeconds * 1000L);
      afterRestart = s2.mem();
      s2.stop();
    } finally {
      deleteTree(dir);
    }

    String loadAfter = loadAvg();
    double benchS = (System.nanoTime() - benchStart) / 1e9;
    String md = report(flagsFinal, loadBefore, loadAfter, benchS, first, restart, stops, one, two, afterLogins,
        afterLoginsLonger, atReadyAfterRestart, afterRestart);
    System.out.println(md);
    if (out != null) {
      if (out.getParent() != null) {
        Files.createDirectories(out.getParent());
      }
      Files.writeString(out, md);
      log("wrote " + out);
    }
    return 0;
  }

  /** Waits (up to --quiet-wait) until other processes use under --quiet-cores for 3 s in a row. */
  void waitForQuiet(String phase) throws InterruptedException {
    long deadline = System.nanoTime() + quietWait * 1_000_000_000L;
    int quietSeconds = 0;
    double last = Double.NaN;
    log(phase + ": waiting up to " + quietWait + " s for the machine to be quiet (< " + quietCores + " cores used by others)");
    while (System.nanoTime() < deadline) {
      long[] s0 = systemJiffies();
      double self0 = cpuSecondsOf("self");
      long t0 = System.nanoTime();
      Thread.sleep(1000);
      long[] s1 = systemJiffies();
      double wall = (System.nanoTime() - t0) / 1e9;
      last = Math.max(0, (s1[0] - s0[0]) / (double) clockTicks - (cpuSecondsOf("self") - self0)) / wall;
      quietSeconds = last < quietCores ? quietSeconds + 1 : 0;
      if (quietSeconds >= 3) {
        quietNotes.add(phase + ": quiet (others < " + quietCores + " cores for 3 s)");
        log(phase + ": quiet");
        return;
      }
    }
    quietNotes.add(phase + ": NOT quiet after " + quietWait + " s (others used " + f2(last) + " cores in the last second)");
    log(quietNotes.get(quietNotes.size() - 1));
  }

  /** N logins in total split over {@code clients} threads, each with its own HttpClient. */
  LoginResult loginRun(Server server, int clients, int n) throws Exception {
    String base = server.base();
    double[] lat = new double[n];
    AtomicInteger errors = new AtomicInteger();
    CountDownLatch ready = new CountDownLatch(clients);
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      final int client = c;
      Thread t = new Thread(() -> {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
        ready.countDown();
        try {
          go.await();
          // Client c makes logins c, c+clients, c+2*clients, ... each for the next demo account.
          for (int i = client; i < n; i += clients) {
            String email = ACCOUNTS.get(i % ACCOUNTS.size());
            HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/api/v1/auth/login"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("User-Agent", "FoundationBench/" + client)
                .POST(HttpRequest.BodyPublishers.ofString(
                    "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\"}"))
                .build();
            long t0 = System.nanoTime();
            HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
            lat[i] = (System.nanoTime() - t0) / 1e6;
            if (res.statusCode() != 200) {
              errors.incrementAndGet();
              log("login " + email + " -> " + res.statusCode() + " " + res.body());
            }
          }
        } catch (Exception e) {
          synchronized (failures) {
            failures.add(e);
          }
        }
      }, "login-client-" + c);
      threads.add(t);
      t.start();
    }
    ready.await();
    Gc gc0 = server.gc();
    double serverCpu0 = server.cpuSeconds();
    double selfCpu0 = cpuSecondsOf("self");
    long[] sys0 = systemJiffies();
    long t0 = System.nanoTime();
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    long[] sys1 = systemJiffies();
    double serverCpu = server.cpuSeconds() - serverCpu0;
    Gc gc = server.gc() == null || gc0 == null ? null : server.gc().minus(gc0);
    double selfCpu = cpuSecondsOf("self") - selfCpu0;
    double busy = (sys1[0] - sys0[0]) / (double) clockTicks;
    double other = Math.max(0, busy - serverCpu - selfCpu) / wall;
    if (!failures.isEmpty()) {
      throw new IllegalStateException("login client failed", failures.get(0));
    }
    return new LoginResult(clients, lat, wall, errors.get(), serverCpu, other, gc);
  }

  // ---- the server child ----------------------------------------------------------------------
  static final class Server {
    /** Children still running; a shutdown hook ends them if the bench fails or is interrupted. */
    static final java.util.Set<Process> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        for (Process p : LIVE) {
          p.destroyForcibly();
          try {
            p.waitFor(5, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        TEMP_DIRS.forEach(FoundationBench::deleteTree);
      }));
    }

    final FoundationBench b;
    final Process p;
    final int port;
    final long spawnNanos;
    final Path logFile;
    final Path gcLog;
    final long[] sysAtSpawn = systemJiffies();
    final double selfCpuAtSpawn;

    private Server(FoundationBench b, Process p, int port, long spawnNanos, Path logFile, Path gcLog) {
      this.gcLog = gcLog;
      this.selfCpuAtSpawn = b.cpuSecondsOf("self");
      this.b = b;
      this.p = p;
      this.port = port;
      this.spawnNanos = spawnNanos;
      this.logFile = logFile;
    }

    static Server start(FoundationBench b, Path dir) throws IOException {
      int port = freePort();
      List<String> cmd = new ArrayList<>();
      cmd.add(b.javaBin);
      cmd.addAll(b.serverFlags);
      Path gcLog = b.gcLog ? dir.resolve("gc-" + System.nanoTime() + ".log") : null;
      if (gcLog != null) {
        cmd.add("-Xlog:gc:file=" + gcLog);
      }
      cmd.add("-jar");
      cmd.add(b.jar.toAbsolutePath().toString());
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
      Map<String, String> env = pb.environment();
      // Only the flags given here: no inherited JVM options or Tandem settings.
      env.keySet().removeIf(k -> k.startsWith("TANDEM_") || k.equals("JAVA_TOOL_OPTIONS")
          || k.equals("JDK_JAVA_OPTIONS") || k.equals("_JAVA_OPTIONS"));
      env.put("TANDEM_HTTP_PORT", Integer.toString(port));
      env.put("TANDEM_STORE_EMBEDDED_PORT", "0");
      env.put("TANDEM_STORE_DATA_DIR", dir.resolve("data").toString());
      Path logFile = dir.resolve("server-" + System.nanoTime() + ".log");
      pb.redirectErrorStream(true).redirectOutput(logFile.toFile());
      long t0 = System.nanoTime();
      Process p = pb.start();
      LIVE.add(p);
      return new Server(b, p, port, t0, logFile, gcLog);
    }

    static final Pattern PAUSE = Pattern.compile("GC\\(\\d+\\) Pause (\\S+).* ([0-9.]+)ms$");

    /** Pauses logged so far, or null without a GC log. */
    Gc gc() {
      if (gcLog == null) {
        return null;
      }
      int n = 0;
      int full = 0;
      double ms = 0;
      try {
        for (String line : Files.readAllLines(gcLog)) {
          Matcher m = PAUSE.matcher(line.trim());
          if (m.find()) {
            n++;
            full += m.group(1).equals("Full") ? 1 : 0;
            ms += Double.parseDouble(m.group(2));
          }
        }
      } catch (IOException e) {
        return null;
      }
      return new Gc(n, full, ms);
    }

    String base() {
      return "http://127.0.0.1:" + port;
    }

    /** Polls /health/ready every 20 ms; the time is from spawn to the first 200. */
    StartResult awaitReady() throws Exception {
      HttpRequest req = HttpRequest.newBuilder(URI.create(base() + "/health/ready")).timeout(Duration.ofSeconds(2)).GET().build();
      long deadline = spawnNanos + START_TIMEOUT.toNanos();
      while (true) {
        try {
          HttpResponse<Void> res = b.poller.send(req, HttpResponse.BodyHandlers.discarding());
          if (res.statusCode() == 200) {
            long now = System.nanoTime();
            double cpu = cpuSeconds();
            long[] sys = systemJiffies();
            double self = b.cpuSecondsOf("self") - selfCpuAtSpawn;
            double wall = (now - spawnNanos) / 1e9;
            double other = Math.max(0, (sys[0] - sysAtSpawn[0]) / (double) b.clockTicks - cpu - self) / wall;
            checkOurs();
            return new StartResult(wall, cpu, reportedStart(), other);
          }
        } catch (ConnectException e) {
          // not listening yet
        } catch (IOException e) {
          // connection reset or closed while starting: keep polling
        }
        if (!p.isAlive()) {
          throw new IllegalStateException("server exited with " + p.exitValue() + " before ready:\n" + tail());
        }
        if (System.nanoTime() > deadline) {
          stop();
          throw new IllegalStateException("server not ready within " + START_TIMEOUT + ":\n" + tail());
        }
        Thread.sleep(20);
      }
    }

    /** Guards against a foreign process answering on our port: ours must be alive and say so. */
    private void checkOurs() throws Exception {
      for (int i = 0; i < 100; i++) {
        if (!p.isAlive()) {
          throw new IllegalStateException("a 200 came from port " + port + " but our server exited:\n" + tail());
        }
        if (log().contains("Tandem is ready at http://127.0.0.1:" + port)) {
          return;
        }
        Thread.sleep(20);
      }
      throw new IllegalStateException("server answered but never printed its ready banner:\n" + tail());
    }

    private Double reportedStart() {
      Matcher m = Pattern.compile("started in ([0-9.]+) s").matcher(log());
      return m.find() ? Double.valueOf(m.group(1)) : null;
    }

    double cpuSeconds() {
      return b.cpuSecondsOf(Long.toString(p.pid()));
    }

    Mem mem() {
      Map<String, String> st = procStatus(p.pid());
      Map<String, Double> heap = scrapeMemory(b.poller, base());
      return new Mem(kib(st.get("VmRSS")), kib(st.get("VmHWM")), Integer.parseInt(st.getOrDefault("Threads", "0").trim()),
          asLong(heap.get("heapCommitted")), asLong(heap.get("heapUsed")), asLong(heap.get("nonHeapCommitted")));
    }

    /** SIGTERM, then wait for the exit; returns seconds taken. */
    double stop() throws InterruptedException {
      long t0 = System.nanoTime();
      p.destroy();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        FoundationBench.log("server did not stop within 20 s of SIGTERM; killing it");
        p.destroyForcibly();
        p.waitFor();
      }
      LIVE.remove(p);
      return (System.nanoTime() - t0) / 1e9;
    }

    String log() {
      try {
        return Files.readString(logFile, StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "";
      }
    }

    String tail() {
      String[] lines = log().split("\n");
      return String.join("\n", Arrays.copyOfRange(lines, Math.max(0, lines.length - 30), lines.length));
    }
  }

  // ---- measurement helpers -------------------------------------------------------------------
  /** utime + stime of /proc/PID (or "self"), in seconds. */
  double cpuSecondsOf(String pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // fields after "(comm) ": state=0, ... utime=11, stime=12
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) clockTicks;
    } catch (IOException e) {
      return Double.NaN;
    }
  }

  /** {busy, total} jiffies of the whole machine, from the first line of /proc/stat. */
  static long[] systemJiffies() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long total = 0;
      long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
      for (int i = 1; i <= 8 && i < f.length; i++) {
        total += Long.parseLong(f[i]);
      }
      return new long[] {total - idle, total};
    } catch (IOException e) {
      return new long[] {0, 0};
    }
  }

  /**
   * A free port below the kernel's ephemeral range (32768+ here): the server's embedded store
   * binds port 0 before the HTTP server binds this one, and an ephemeral pick could take it first
   * (seen once: the server exited on the busy port).
   */
  static int freePort() throws IOException {
    java.util.Random rnd = new java.util.Random();
    for (int i = 0; i < 200; i++) {
      int port = 20_000 + rnd.nextInt(12_000);
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      } catch (IOException busy) {
        // try another
      }
    }
    throw new IOException("no free port between 20000 and 32000");
  }

  static Map<String, String> procStatus(long pid) {
    try {
      return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.contains(":"))
          .collect(Collectors.toMap(l -> l.substring(0, l.indexOf(':')), l -> l.substring(l.indexOf(':') + 1).trim(), (x, y) -> x));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static long kib(String v) {
    return v == null ? -1 : Long.parseLong(v.replace("kB", "").trim());
  }

  static Long asLong(Double d) {
    return d == null ? null : d.longValue();
  }

  /** Heap and non-heap committed/used bytes from the server's own /metrics, when it has them. */
  static Map<String, Double> scrapeMemory(HttpClient http, String base) {
    Map<String, Double> m = new java.util.HashMap<>();
    try {
      HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (res.statusCode() != 200) {
        return m;
      }
      for (String line : res.body().split("\n")) {
        if (line.startsWith("#")) {
          continue;
        }
        String key = null;
        if (line.startsWith("jvm_memory_committed_bytes{") && line.contains("area=\"heap\"")) {
          key = "heapCommitted";
        } else if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
          key = "heapUsed";
        } else if (line.startsWith("jvm_memory_committed_bytes{") && line.contains("area=\"nonheap\"")) {
          key = "nonHeapCommitted";
        }
        if (key != null) {
          double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
          m.merge(key, v, Double::sum);
        }
      }
    } catch (Exception e) {
      // memory breakdown is optional
    }
    return m;
  }

  static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String s = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor();
      return Long.parseLong(s);
    } catch (Exception e) {
      return 100;
    }
  }

  static void warmPageCache(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      while (in.read(buf) >= 0) {
        // read through so the first timed start does not pay for cold disk reads
      }
    }
  }

  /** Scratch data dirs; any left when the bench is interrupted are deleted by the shutdown hook. */
  static final java.util.Set<Path> TEMP_DIRS = java.util.concurrent.ConcurrentHashMap.newKeySet();

  static Path tempDir() throws IOException {
    Path dir = Files.createTempDirectory("tandem-bench-");
    TEMP_DIRS.add(dir);
    return dir;
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      TEMP_DIRS.remove(dir);
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      TEMP_DIRS.remove(dir);
    } catch (IOException e) {
      log("could not delete " + dir + ": " + e.getMessage());
    }
  }

  static String loadAvg() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }

  static String cmd(String... c) {
    try {
      Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
      String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      p.waitFor();
      return s;
    } catch (Exception e) {
      return "?";
    }
  }

  /** The server JVM's effective GC, heap and compiler settings under the given flags. */
  Map<String, String> effectiveFlags() {
    List<String> c = new ArrayList<>();
    c.add(javaBin);
    c.addAll(serverFlags);
    c.add("-XX:+PrintFlagsFinal");
    c.add("-version");
    Map<String, String> m = new java.util.LinkedHashMap<>();
    String gc = "?";
    String text = cmd(c.toArray(String[]::new));
    if (!text.contains("MaxHeapSize")) {
      die("the server JVM flags do not start a JVM: " + serverFlagsText + "\n" + text);
    }
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 4 || !f[2].equals("=")) {
        continue;
      }
      String name = f[1];
      String value = f[3];
      if (name.matches("Use(Serial|Parallel|G1|Z|Shenandoah|Epsilon)GC") && value.equals("true")) {
        gc = name.substring(3);
      }
      if (List.of("MaxHeapSize", "InitialHeapSize", "ThreadStackSize", "TieredStopAtLevel", "ReservedCodeCacheSize",
          "MaxMetaspaceSize", "CICompilerCount", "ActiveProcessorCount").contains(name)) {
        m.put(name, value);
      }
    }
    m.put("GC", gc);
    return m;
  }

  // ---- statistics and report -----------------------------------------------------------------
  static double pct(double[] sorted, double p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  static double median(List<Double> xs) {
    double[] s = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  static String f2(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  static String f1(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  static String mib(Long bytesOrNull) {
    return bytesOrNull == null ? "–" : f1(bytesOrNull / 1048576.0);
  }

  static String mibKib(long kib) {
    return f1(kib / 1024.0);
  }

  static String met(boolean ok) {
    return ok ? "**met**" : "**NOT met**";
  }

  String report(Map<String, String> ff, String loadBefore, String loadAfter, double benchS, List<StartResult> first,
      List<StartResult> restart, List<Double> stops, LoginResult one, LoginResult two, Mem afterLogins,
      Mem afterLoginsLonger, Mem atReadyAfterRestart, Mem afterRestart) throws IOException {
    StringBuilder sb = new StringBuilder();
    String date = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"));
    sb.append("# Tandem foundation benchmark — ").append(date).append("\n\n");

    sb.append("## Machine and settings\n\n| | |\n|---|---|\n");
    sb.append("| nproc | ").append(cmd("nproc")).append(" (JVM sees ").append(Runtime.getRuntime().availableProcessors()).append(") |\n");
    sb.append("| CPU | ").append(cpuModel()).append(" |\n");
    sb.append("| memory | ").append(memTotal()).append(" |\n");
    sb.append("| kernel | ").append(cmd("uname", "-sr")).append(" |\n");
    sb.append("| java -version | ").append(cmd(javaBin, "-version").replace("\n", " / ")).append(" |\n");
    sb.append("| server JVM flags | `").append(serverFlagsText.isEmpty() ? "(JVM defaults)" : serverFlagsText).append("`")
        .append(gcLog ? " (the bench adds `-Xlog:gc:file=…` to count GC pauses)" : "").append(" |\n");
    sb.append("| effective | GC ").append(ff.get("GC"))
        .append(", max heap ").append(mibOf(ff.get("MaxHeapSize")))
        .append(", initial heap ").append(mibOf(ff.get("InitialHeapSize")))
        .append(", thread stack ").append(ff.get("ThreadStackSize")).append(" KiB")
        .append(", TieredStopAtLevel ").append(ff.get("TieredStopAtLevel"))
        .append(", code cache ").append(mibOf(ff.get("ReservedCodeCacheSize")))
        .append(", CICompilerCount ").append(ff.get("CICompilerCount")).append(" |\n");
    sb.append("| jar | `").append(jar).append("` (").append(Files.size(jar) / 1024).append(" KiB) |\n");
    String commit = cmd("git", "rev-parse", "--short", "HEAD");
    sb.append("| commit (working directory) | ").append(commit.matches("[0-9a-f]{4,40}") ? commit : "– (not a git checkout)")
        .append(" |\n");
    sb.append("| load average (1/5/15 min) | before ").append(loadBefore).append(", after ").append(loadAfter).append(" |\n");
    sb.append("| machine quiet | ").append(quietNotes.isEmpty() ? "not waited for" : String.join("; ", quietNotes)).append(" |\n");
    sb.append("| bench settings | runs ").append(runs).append(", logins ").append(logins).append(" per setting, warm-up ")
        .append(warmup).append(", idle ").append(idleSeconds).append(" s; total ").append(f1(benchS)).append(" s |\n\n");

    sb.append("## Cold start (process spawn → first 200 from GET /health/ready, polled every 20 ms)\n\n");
    sb.append("| scenario | runs | min s | median s | max s | server-reported median s | server CPU s at ready (median)"
        + " | other processes' CPU (cores, median) |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    startRow(sb, "first start, fresh data dir (seeds demo clinic)", first);
    startRow(sb, "restart on existing data", restart);
    List<Double> st = stops;
    sb.append("| clean stop (SIGTERM → exit) | ").append(st.size()).append(" | ")
        .append(f2(st.stream().mapToDouble(d -> d).min().orElse(0))).append(" | ").append(f2(median(st))).append(" | ")
        .append(f2(st.stream().mapToDouble(d -> d).max().orElse(0))).append(" | – | – | – |\n\n");

    sb.append("## Login latency (POST /api/v1/auth/login, successful, after ").append(warmup).append(" warm-up logins)\n\n");
    sb.append("| concurrent clients | logins | p50 ms | p90 ms | p99 ms | max ms | mean ms | throughput logins/s | errors"
        + " | server CPU ms/login | GC pauses (full) | GC pause total ms | other processes' CPU (cores) |\n");
    sb.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    loginRow(sb, one);
    loginRow(sb, two);
    sb.append("\n");

    sb.append("## Resident memory\n\n");
    sb.append("| when | VmRSS MiB | VmHWM (peak) MiB | threads | heap committed MiB | heap used MiB | non-heap committed MiB |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|\n");
    memRow(sb, "after the login phase + " + idleSeconds + " s idle", afterLogins);
    memRow(sb, "after the login phase + " + 3 * idleSeconds + " s idle", afterLoginsLonger);
    memRow(sb, "restart on existing data, at ready", atReadyAfterRestart);
    memRow(sb, "restart on existing data + " + idleSeconds + " s idle", afterRestart);
    sb.append("\n");

    double firstMed = median(first.stream().map(StartResult::wallS).toList());
    double restartMed = median(restart.stream().map(StartResult::wallS).toList());
    double[] twoSorted = two.latMs().clone();
    Arrays.sort(twoSorted);
    double p50 = pct(twoSorted, 50);
    double rss1 = afterLogins.rssKib() / 1024.0;
    double rss2 = afterRestart.rssKib() / 1024.0;
    sb.append("## Targets\n\n| target | measured | |\n|---|---|---|\n");
    sb.append("| cold start to ready ≤ 3 s — restart on existing data (median) | ").append(f2(restartMed)).append(" s | ")
        .append(met(restartMed <= TARGET_START_S)).append(" |\n");
    sb.append("| cold start to ready ≤ 3 s — first start incl. demo seeding (median) | ").append(f2(firstMed)).append(" s | ")
        .append(met(firstMed <= TARGET_START_S)).append(" |\n");
    sb.append("| login p50 ≤ 100 ms, 2 concurrent clients | ").append(f1(p50)).append(" ms | ")
        .append(met(p50 <= TARGET_LOGIN_P50_MS)).append(" |\n");
    sb.append("| idle RSS ≤ 300 MiB — after logins | ").append(f1(rss1)).append(" MiB | ").append(met(rss1 <= TARGET_RSS_MIB)).append(" |\n");
    sb.append("| idle RSS ≤ 300 MiB — fresh restart | ").append(f1(rss2)).append(" MiB | ").append(met(rss2 <= TARGET_RSS_MIB)).append(" |\n");
    return sb.toString();
  }

  static String mibOf(String bytes) {
    if (bytes == null) {
      return "?";
    }
    try {
      return f1(Long.parseLong(bytes) / 1048576.0) + " MiB";
    } catch (NumberFormatException e) {
      return bytes;
    }
  }

  static void startRow(StringBuilder sb, String name, List<StartResult> rs) {
    List<Double> wall = rs.stream().map(StartResult::wallS).toList();
    List<Double> cpu = rs.stream().map(StartResult::cpuS).toList();
    List<Double> rep = rs.stream().map(StartResult::reportedS).filter(x -> x != null).toList();
    sb.append("| ").append(name).append(" | ").append(rs.size()).append(" | ")
        .append(f2(wall.stream().mapToDouble(d -> d).min().orElse(0))).append(" | ")
        .append(f2(median(wall))).append(" | ")
        .append(f2(wall.stream().mapToDouble(d -> d).max().orElse(0))).append(" | ")
        .append(rep.isEmpty() ? "–" : f2(median(rep))).append(" | ")
        .append(f2(median(cpu))).append(" | ")
        .append(f2(median(rs.stream().map(StartResult::otherCores).toList()))).append(" |\n");
  }

  static void loginRow(StringBuilder sb, LoginResult r) {
    double[] s = r.latMs().clone();
    Arrays.sort(s);
    double mean = Arrays.stream(s).average().orElse(0);
    sb.append("| ").append(r.clients()).append(" | ").append(s.length).append(" | ")
        .append(f1(pct(s, 50))).append(" | ").append(f1(pct(s, 90))).append(" | ").append(f1(pct(s, 99))).append(" | ")
        .append(f1(s[s.length - 1])).append(" | ").append(f1(mean)).append(" | ")
        .append(f1(s.length / r.wallS())).append(" | ").append(r.errors()).append(" | ")
        .append(f1(r.serverCpuS() * 1000 / s.length)).append(" | ")
        .append(r.gc() == null ? "–" : r.gc().pauses() + " (" + r.gc().full() + ")").append(" | ")
        .append(r.gc() == null ? "–" : f1(r.gc().pauseMs())).append(" | ")
        .append(f2(r.otherCores())).append(" |\n");
  }

  static void memRow(StringBuilder sb, String name, Mem m) {
    sb.append("| ").append(name).append(" | ").append(mibKib(m.rssKib())).append(" | ").append(mibKib(m.hwmKib())).append(" | ")
        .append(m.threads()).append(" | ").append(mib(m.heapCommitted())).append(" | ").append(mib(m.heapUsed())).append(" | ")
        .append(mib(m.nonHeapCommitted())).append(" |\n");
  }

  static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("?");
    } catch (IOException e) {
      return "?";
    }
  }

  static String memTotal() {
    try {
      return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
          .map(l -> f1(kib(l.substring(l.indexOf(':') + 1)) / 1048576.0) + " GiB")
          .findFirst().orElse("?");
    } catch (IOException e) {
      return "?";
    }
  }
}

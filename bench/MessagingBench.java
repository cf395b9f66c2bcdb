import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Tandem messaging benchmark: N patient-clinician pairs connected over the live WebSocket, each
 * side sending ~300-byte messages to the other through the real server child (embedded store,
 * encryption, group commit), with the load generator on the same machine.
 *
 * <pre>
 *   java bench/MessagingBench.java --jar target/tandem.jar [options]
 *
 *   --jar PATH                 the server fat jar (default target/tandem.jar)
 *   --java PATH                java binary for the server (default: the one running this program)
 *   --server-jvm-flags "..."   JVM flags for the server child, split on whitespace (default none)
 *   --pairs N                  patient-clinician pairs, one socket each side (default 50)
 *   --window W                 saturation: unacknowledged sends allowed per socket (default 32)
 *   --jit-warmup S             first, S seconds of unmeasured saturation so that the server's JIT
 *                              compiler is mostly done before anything is measured (default 30; 0: none;
 *                              with 10 the C2 compiler still used ~0.5 of the 2 cores during saturation)
 *   --warmup S                 saturation warm-up seconds, not counted (default 3)
 *   --duration S               saturation measured seconds (default 20; 0 skips the saturation phase)
 *   --rates R1,R2              fixed total send rates for the latency phases (default 200,1000)
 *   --rate-warmup S            warm-up seconds at each fixed rate, not counted (default 2)
 *   --rate-duration S          measured seconds at each fixed rate (default 15)
 *   --body-bytes B             message body length (default 300)
 *   --sockets-per-client K     WebSockets sharing one java.net.http.HttpClient (default 10)
 *   --drain-timeout S          after a phase, how long to wait for the last messages (default 30)
 *   --setup-threads T          concurrent account set-up calls (default 4)
 *   --client-executor E        direct (default): WebSocket callbacks run on each HttpClient's selector
 *                              thread; pool: the HttpClient's default thread pool
 *   --latency-log FILE         write every fixed-rate message as "rate,ms since the window began,latency ms" (CSV)
 *   --jfr FILE                 record a JFR of the server during the saturation window (jcmd JFR.start)
 *   --jfr-rate R               with --jfr: record the measured window of fixed rate R instead
 *   --out FILE                 also write the results as Markdown to FILE
 *   --keep                     keep the server's temp directory (server.log, gc.log, data) afterwards
 *   --no-gc-log                do not add -Xlog:gc:file=... to the server (used to count GC pauses)
 *   --quiet-wait S             first wait up to S s for other processes to use less than
 *                              --quiet-cores cores (default 0.25) for 3 s in a row (default 0: no wait)
 * </pre>
 *
 * Set-up (not measured): the admin creates N clinicians, each clinician invites one patient, all
 * accept their invitation and log in with {"client":"app"}; every account opens one socket to
 * /api/v1/live with its bearer token and waits for "hello". Pair i talks in thread "p-&lt;patient&gt;".
 *
 * Phases: first an unmeasured JIT warm-up (saturation for --jit-warmup seconds), because a fresh
 * server JVM otherwise spends much of the next minute compiling. (a) saturation: every socket
 * keeps up to W sends outstanding (a slot frees on its send.ok), for the warm-up and then the
 * measured window; the rate is the number of messages the PEER of each sender received during the
 * window, divided by its length. (b) for each fixed rate:
 * one scheduler thread sends open-loop, round-robin over all sockets, at the scheduled instants;
 * a message's latency is the peer's receive time minus its scheduled send time (same JVM, same
 * monotonic clock; the body carries the time), so a late generator counts against the server,
 * never for it. After each phase: sending stops, the bench waits for the acknowledgements and for
 * the last messages, then checks by clientId that every message sent in the phase reached the peer
 * exactly once (and counts the sender's own copies, which the server also delivers). A refused
 * WebSocket upgrade is retried (up to 5 times) and reported. Per phase the report gives the CPU of
 * the server, of this bench and of everything else, and the server's CPU by thread name, read from
 * /proc, so JIT compilation, GC and contention from other processes are visible next to the numbers.
 */
public final class MessagingBench {
  static final String ADMIN = "admin@tandem-demo.org";
  static final String DEMO_PASSWORD = "tandem-demo-2026";
  static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  static final double TARGET_RATE = 6500;
  static final double TARGET_P99_200 = 10;
  static final double TARGET_P99_1000 = 25;

  // ---- options ---------------------------------------------------------------------------
  Path jar = Path.of("target/tandem.jar");
  String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  List<String> serverFlags = List.of();
  String serverFlagsText = "";
  int pairs = 50;
  int window = 32;
  int warmupS = 3;
  int jitWarmupS = 30;
  int durationS = 20;
  int[] rates = {200, 1000};
  int rateWarmupS = 2;
  int rateDurationS = 15;
  int bodyBytes = 300;
  int socketsPerClient = 10;
  int drainTimeoutS = 30;
  int setupThreads = 4;
  boolean directExecutor = true;
  Path jfr;
  Path latencyLog;
  final List<String> latencyLines = java.util.Collections.synchronizedList(new ArrayList<>());
  int jfrRate;
  Path out;
  boolean gcLog = true;
  boolean keep;
  int quietWait = 0;
  double quietCores = 0.25;
  final List<String> quietNotes = new ArrayList<>();

  final long clockTicks = clockTicks();
  final String runId = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
  final String password = "bench-pass-" + Long.toString(Math.abs(new java.util.Random().nextLong()), 36);
  String filler;

  public static void main(String[] args) throws Exception {
    MessagingBench b = new MessagingBench();
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
        case "--pairs" -> pairs = Integer.parseInt(need(a, v));
        case "--window" -> window = Integer.parseInt(need(a, v));
        case "--warmup" -> warmupS = Integer.parseInt(need(a, v));
        case "--jit-warmup" -> jitWarmupS = Integer.parseInt(need(a, v));
        case "--duration" -> durationS = Integer.parseInt(need(a, v));
        case "--rates" -> rates = need(a, v).isBlank() ? new int[0]
            : Arrays.stream(v.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        case "--rate-warmup" -> rateWarmupS = Integer.parseInt(need(a, v));
        case "--rate-duration" -> rateDurationS = Integer.parseInt(need(a, v));
        case "--body-bytes" -> bodyBytes = Integer.parseInt(need(a, v));
        case "--sockets-per-client" -> socketsPerClient = Integer.parseInt(need(a, v));
        case "--drain-timeout" -> drainTimeoutS = Integer.parseInt(need(a, v));
        case "--setup-threads" -> setupThreads = Integer.parseInt(need(a, v));
        case "--client-executor" -> {
          String e = need(a, v);
          if (!e.equals("direct") && !e.equals("pool")) {
            die("--client-executor direct|pool");
          }
          directExecutor = e.equals("direct");
        }
        case "--jfr" -> jfr = Path.of(need(a, v)).toAbsolutePath();
        case "--jfr-rate" -> jfrRate = Integer.parseInt(need(a, v));
        case "--out" -> out = Path.of(need(a, v));
        case "--latency-log" -> latencyLog = Path.of(need(a, v));
        case "--keep" -> {
          keep = true;
          i--;
        }
        case "--no-gc-log" -> {
          gcLog = false;
          i--;
        }
        case "--quiet-wait" -> quietWait = Integer.parseInt(need(a, v));
        case "--quiet-cores" -> quietCores = Double.parseDouble(need(a, v));
        case "-h", "--help" -> {
          System.out.println("usage: java bench/MessagingBench.java --jar target/tandem.jar [--server-jvm-flags \"...\"]"
              + " [--pairs 50] [--window 32] [--jit-warmup 30] [--warmup 3] [--duration 20] [--rates 200,1000] [--rate-warmup 2]"
              + " [--rate-duration 15] [--body-bytes 300] [--sockets-per-client 10] [--drain-timeout 30]"
              + " [--setup-threads 4] [--client-executor direct|pool] [--jfr FILE.jfr [--jfr-rate R]] [--out FILE.md] [--keep] [--no-gc-log] [--quiet-wait S] [--quiet-cores C]");
          System.exit(0);
        }
        default -> die("unknown argument: " + a);
      }
      i++;
    }
    if (!Files.isRegularFile(jar)) {
      die("no jar at " + jar.toAbsolutePath() + " (build it: mvn -B -q -DskipTests package)");
    }
    if (pairs < 1 || window < 1 || warmupS < 0 || durationS < 0 || rateWarmupS < 0 || jitWarmupS < 0 || rateDurationS < 1
        || bodyBytes < 40 || bodyBytes > 4000 || socketsPerClient < 1 || setupThreads < 1
        || Arrays.stream(rates).anyMatch(r -> r < 1)) {
      die("--duration >= 0 (0: no saturation phase); --pairs, --window, --rate-duration, --sockets-per-client, --setup-threads >= 1;"
          + " --warmup, --rate-warmup >= 0; 40 <= --body-bytes <= 4000; rates >= 1");
    }
  }

  static String need(String flag, String v) {
    if (v == null) {
      die(flag + " needs a value");
    }
    return v;
  }

  static void die(String msg) {
    System.err.println("MessagingBench: " + msg);
    System.exit(2);
  }

  static void log(String msg) {
    System.err.printf(Locale.ROOT, "[%s] %s%n", LocalDateTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")), msg);
  }

  // ---- results -------------------------------------------------------------------------------
  /** Exactly-once check of one phase: messages sent, and what the peers (and the senders) got. */
  record Check(long sent, long acked, long errors, long peerReceived, long missing, long duplicates, long ownCopies,
      long foreign, double drainS) {
    boolean ok() {
      return missing == 0 && duplicates == 0 && errors == 0 && foreign == 0 && acked == sent && peerReceived == sent;
    }
  }

  /** CPU (seconds) used over a window by the server, by this bench, and by everything else (cores). */
  record Cpu(double wallS, double serverS, double benchS, double otherCores, Map<String, Double> serverThreads) {
    /** The busiest server threads (by name, numbers dropped), in cores. */
    String threadLine() {
      return serverThreads.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
          .filter(e -> e.getValue() >= 0.005).limit(8)
          .map(e -> "`" + e.getKey() + "` " + f2(e.getValue())).collect(Collectors.joining(", "));
    }
  }

  record Gc(int pauses, int full, double pauseMs, double maxMs) {
    Gc minus(Gc o) {
      return new Gc(pauses - o.pauses, full - o.full, pauseMs - o.pauseMs, maxMs);
    }
  }

  record Saturation(long peerMsgs, double rate, long sentInWindow, Cpu cpu, Gc gc, double[] latMs, Check check) {
  }

  /** lagMs: scheduler wake-up after the scheduled instant; callMs: time spent in the send call. */
  record Fixed(int rate, long sent, double achievedRate, double[] latMs, double[] latFromActualMs, double[] lagMs, double[] callMs,
      Cpu cpu, Gc gc, Check check) {
  }

  record Mem(long rssKib, long hwmKib, int threads, double cpuS, long dataKib) {
  }

  // ---- the benchmark -------------------------------------------------------------------------
  double probeBefore;
  double probeAfter;

  /**
   * Times a fixed piece of single-threaded work (map updates, string building, a sort; median of
   * nine rounds after 5 s of warm-up) while no server runs. This machine's speed drifts between runs
   * minutes apart (the check-ins benchmark has seen 481 and 803 us of server CPU per upload for the
   * same jar), so a result means little without knowing how fast the machine was. Compare probes
   * between runs, not with other machines. (The same probe is in CheckinsBench.)
   */
  static double speedProbe() {
    long sink = 0;
    // Warm-up: on this machine the JIT needs about 3 s to compile a round (measured: ~150 ms a
    // round before, ~50 ms after); the probe measures the machine, not the compiler.
    long warmUntil = System.nanoTime() + 5_000_000_000L;
    while (System.nanoTime() < warmUntil) {
      sink += probeRound();
    }
    long[] ns = new long[9];
    for (int r = 0; r < ns.length; r++) {
      long t0 = System.nanoTime();
      sink += probeRound();
      ns[r] = System.nanoTime() - t0;
    }
    if (sink == 42) {
      System.out.print(""); // keeps the work observable
    }
    Arrays.sort(ns);
    return ns[ns.length / 2] / 1e6;
  }

  static long probeRound() {
    long sink = 0;
    java.util.Random rnd = new java.util.Random(42);
    Map<String, Integer> counts = new java.util.HashMap<>();
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 200_000; i++) {
      String k = "k" + rnd.nextInt(50_000);
      counts.merge(k, 1, Integer::sum);
      sb.setLength(0);
      sb.append("{\"").append(k).append("\":").append(i).append('}');
      sink += sb.toString().hashCode();
    }
    int[] a = rnd.ints(300_000).toArray();
    Arrays.sort(a);
    return sink + a[a.length / 2] + counts.size();
  }


  int run() throws Exception {
    filler = filler(bodyBytes);
    warmPageCache(jar);
    String gcName = effectiveGc();
    if (quietWait > 0) {
      waitForQuiet("before start");
    }
    String loadBefore = loadAvg();
    probeBefore = speedProbe();
    log(String.format(Locale.ROOT, "speed probe before: %.1f ms", probeBefore));
    long benchStart = System.nanoTime();
    Path dir = Files.createTempDirectory("tandem-msgbench-");
    Server server = null;
    List<Sock> socks = List.of();
    try {
      server = Server.start(this, dir);
      double readyS = server.awaitReady();
      log(String.format(Locale.ROOT, "server ready in %.2f s (pid %d, port %d)", readyS, server.p.pid(), server.port));

      long s0 = System.nanoTime();
      List<Pair> ps = setup(server);
      double setupS = (System.nanoTime() - s0) / 1e9;
      log(String.format(Locale.ROOT, "set up %d pairs (%d accounts) in %.1f s", ps.size(), 2 * ps.size(), setupS));

      s0 = System.nanoTime();
      socks = connect(server, ps);
      double connectS = (System.nanoTime() - s0) / 1e9;
      log(String.format(Locale.ROOT, "%d sockets connected (hello received) in %.2f s", socks.size(), connectS));

      Saturation jit = jitWarmupS > 0 ? saturate(server, socks, 0, jitWarmupS, false) : null;
      Saturation sat = durationS > 0 ? saturate(server, socks, warmupS, durationS, true) : null;
      List<Fixed> fixed = new ArrayList<>();
      for (int r : rates) {
        fixed.add(fixedRate(server, socks, r));
      }
      Mem mem = server.mem(dir.resolve("data"));
      Gc gcTotal = server.gc();
      double benchS = (System.nanoTime() - benchStart) / 1e9;
      for (Sock s : socks) {
        s.close();
      }
      double stopS = server.stop();
      log(String.format(Locale.ROOT, "server stopped in %.2f s", stopS));
      probeAfter = speedProbe();
      String md = report(gcName, loadBefore, loadAvg(), benchS, readyS, setupS, connectS, jit, sat, fixed, mem, gcTotal);
      System.out.println(md);
      if (out != null) {
        if (out.getParent() != null) {
          Files.createDirectories(out.getParent());
        }
        Files.writeString(out, md);
        log("wrote " + out);
      }
      if (latencyLog != null) {
        Files.write(latencyLog, latencyLines);
        log("wrote " + latencyLines.size() + " latencies to " + latencyLog);
      }
      boolean ok = (jit == null || jit.check().ok()) && (sat == null || sat.check().ok()) && fixed.stream().allMatch(f -> f.check().ok());
      if (!ok) {
        log("VERIFICATION FAILED: some message was lost, duplicated or refused (see the tables)");
      }
      return ok ? 0 : 1;
    } catch (Exception e) {
      if (server != null) {
        Path kept = Path.of(System.getProperty("java.io.tmpdir"), "msgbench-server-" + runId + ".log");
        Files.copy(server.logFile, kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        System.err.println("---- server log tail (whole log kept in " + kept + ") ----\n" + server.tail());
      }
      throw e;
    } finally {
      if (server != null && server.p.isAlive()) {
        server.stop();
      }
      if (keep) {
        log("kept the server's directory (log, gc.log, data): " + dir);
      } else {
        deleteTree(dir);
      }
    }
  }

  static String filler(int bodyBytes) {
    StringBuilder sb = new StringBuilder();
    String words = "Checking in about the new dose schedule; sleep was better this week and mornings feel calmer. ";
    while (sb.length() < bodyBytes) {
      sb.append(words);
    }
    return sb.toString();
  }

  /** A body of exactly --body-bytes ASCII characters: "&lt;scheduled nanos&gt;;&lt;actual send nanos&gt;;text". */
  String body(long scheduled, long actual) {
    String ts = scheduled + ";" + actual + ";";
    return ts + filler.substring(0, bodyBytes - ts.length());
  }

  // ---- set-up -----------------------------------------------------------------------------------
  record Pair(int index, String patientId, String patientToken, String clinicianId, String clinicianToken) {
    String conversation() {
      return "p-" + patientId;
    }
  }

  List<Pair> setup(Server server) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    String base = server.base();
    String admin = login(http, base, ADMIN, DEMO_PASSWORD);
    ExecutorService pool = Executors.newFixedThreadPool(setupThreads);
    try {
      List<Future<Pair>> fs = new ArrayList<>();
      for (int i = 0; i < pairs; i++) {
        final int idx = i;
        fs.add(pool.submit(() -> {
          String cEmail = "bench-c" + idx + "-" + runId + "@bench.test";
          String pEmail = "bench-p" + idx + "-" + runId + "@bench.test";
          String r = post(http, base, "/api/v1/admin/users", admin,
              "{\"email\":\"" + cEmail + "\",\"name\":\"Bench Clinician " + idx + "\",\"role\":\"prescriber\"}", 201);
          String clinicianId = str(r, "id");
          post(http, base, "/api/v1/invitations/" + inviteToken(r) + "/accept", null, "{\"password\":\"" + password + "\"}", 200);
          String cTok = login(http, base, cEmail, password);
          r = post(http, base, "/api/v1/patients", cTok, "{\"email\":\"" + pEmail + "\",\"name\":\"Bench Patient " + idx + "\"}", 201);
          String patientId = str(r, "id");
          post(http, base, "/api/v1/invitations/" + inviteToken(r) + "/accept", null, "{\"password\":\"" + password + "\"}", 200);
          String pTok = login(http, base, pEmail, password);
          return new Pair(idx, patientId, pTok, clinicianId, cTok);
        }));
      }
      List<Pair> out = new ArrayList<>();
      for (Future<Pair> f : fs) {
        out.add(f.get(120, TimeUnit.SECONDS));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  static String inviteToken(String json) {
    String link = str(json, "link");
    int t = link.indexOf("token=");
    if (t < 0) {
      throw new IllegalStateException("no token in invitation link: " + link);
    }
    return link.substring(t + 6);
  }

  static String login(HttpClient http, String base, String email, String pw) throws Exception {
    String r = post(http, base, "/api/v1/auth/login", null,
        "{\"email\":\"" + email + "\",\"password\":\"" + pw + "\",\"client\":\"app\"}", 200);
    return str(r, "token");
  }

  static String post(HttpClient http, String base, String path, String token, String json, int expect) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> res = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (res.statusCode() != expect) {
      throw new IllegalStateException("POST " + path + " -> " + res.statusCode() + " (expected " + expect + "): " + res.body());
    }
    return res.body();
  }

  /** The first string value of "key" in a JSON text (enough for the set-up responses). */
  static String str(String json, String key) {
    String k = "\"" + key + "\":\"";
    int i = json.indexOf(k);
    if (i < 0) {
      throw new IllegalStateException("no \"" + key + "\" in " + json);
    }
    int s = i + k.length();
    return json.substring(s, json.indexOf('"', s));
  }

  // ---- sockets ----------------------------------------------------------------------------------
  List<Sock> connect(Server server, List<Pair> ps) throws Exception {
    List<Sock> socks = new ArrayList<>();
    for (Pair p : ps) {
      // socket 2i: patient i, socket 2i+1: clinician i; each is the other's peer.
      socks.add(new Sock(this, 2 * p.index(), 2 * p.index() + 1, p.conversation(), p.patientToken()));
      socks.add(new Sock(this, 2 * p.index() + 1, 2 * p.index(), p.conversation(), p.clinicianToken()));
    }
    List<HttpClient> clients = new ArrayList<>();
    URI uri = URI.create("ws://127.0.0.1:" + server.port + "/api/v1/live");
    for (Sock s : socks) {
      int c = s.idx / socketsPerClient;
      while (clients.size() <= c) {
        HttpClient.Builder hb = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10));
        if (directExecutor) {
          // Listener callbacks run on the client's selector thread: no hand-off to a worker per frame.
          hb.executor(Runnable::run);
        }
        clients.add(hb.build());
      }
    }
    List<CompletableFuture<WebSocket>> opening = new ArrayList<>();
    for (Sock s : socks) {
      opening.add(open(clients.get(s.idx / socketsPerClient), uri, s));
    }
    for (int i = 0; i < socks.size(); i++) {
      Sock s = socks.get(i);
      for (int attempt = 1; ; attempt++) {
        try {
          s.ws = opening.get(i).get(30, TimeUnit.SECONDS);
          break;
        } catch (java.util.concurrent.ExecutionException e) {
          // A refused upgrade is retried like an app would reconnect; every retry is reported.
          String why = String.valueOf(e.getCause() instanceof java.net.http.WebSocketHandshakeException h
              ? "HTTP " + h.getResponse().statusCode() : e.getCause());
          upgradeFailures.merge(why, 1, Integer::sum);
          log("socket " + s.idx + ": upgrade failed (" + why + "), attempt " + attempt);
          if (attempt >= 5) {
            throw e;
          }
          Thread.sleep(100L * attempt);
          opening.set(i, open(clients.get(s.idx / socketsPerClient), uri, s));
        }
      }
    }
    for (Sock s : socks) {
      s.hello.get(30, TimeUnit.SECONDS);
    }
    this.httpClients = clients.size();
    return socks;
  }

  static CompletableFuture<WebSocket> open(HttpClient http, URI uri, Sock s) {
    return http.newWebSocketBuilder().header("Authorization", "Bearer " + s.token).connectTimeout(Duration.ofSeconds(10))
        .buildAsync(uri, s);
  }

  int httpClients;
  final Map<String, Integer> upgradeFailures = new java.util.TreeMap<>();

  /** Phase state read by every socket's receive callback. */
  volatile Phase phase = new Phase(Mode.IDLE, Long.MAX_VALUE, Long.MAX_VALUE);
  final LongAdder peerReceived = new LongAdder();

  enum Mode { IDLE, SATURATE, FIXED }

  /** Latencies are kept for messages sent (scheduled) in [measureFrom, measureTo). */
  record Phase(Mode mode, long measureFrom, long measureTo) {
  }

  static final class Sock implements WebSocket.Listener {
    final MessagingBench b;
    final int idx;
    final int peer;
    final String conversation;
    final String token;
    final String sendPrefix;
    final String idPrefix;
    volatile WebSocket ws;
    final CompletableFuture<Void> hello = new CompletableFuture<>();
    final StringBuilder partial = new StringBuilder();

    // sending (any thread)
    final AtomicLong nextSeq = new AtomicLong();
    final AtomicInteger inflight = new AtomicInteger();
    final AtomicLong acked = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final ConcurrentLinkedQueue<String> outq = new ConcurrentLinkedQueue<>();
    final AtomicBoolean writing = new AtomicBoolean();
    volatile boolean saturating;

    // receiving (this socket's listener only; read by the main thread under the lock)
    final BitSet fromPeer = new BitSet();
    long peerCount;
    long dups;
    long own;
    long foreign;
    double[] lat = new double[1024];
    double[] latActual = new double[1024];
    long[] latAt = new long[1024];
    int latN;
    static final AtomicInteger ERRORS_LOGGED = new AtomicInteger();

    Sock(MessagingBench b, int idx, int peer, String conversation, String token) {
      this.b = b;
      this.idx = idx;
      this.peer = peer;
      this.conversation = conversation;
      this.token = token;
      this.idPrefix = "b" + idx + "-";
      this.sendPrefix = "{\"type\":\"send\",\"conversationId\":\"" + conversation + "\",\"clientId\":\"" + idPrefix;
    }

    /** Queues one send frame; the body carries {@code stamp} (System.nanoTime of the intended send). */
    void send(long stamp) {
      send(stamp, stamp);
    }

    /** {@code stamp}: the scheduled send time; {@code actual}: when the generator got to it. */
    void send(long stamp, long actual) {
      long seq = nextSeq.getAndIncrement();
      inflight.incrementAndGet();
      outq.add(sendPrefix + seq + "\",\"ref\":" + seq + ",\"body\":\"" + b.body(stamp, actual) + "\"}");
      pump();
    }

    /** WebSocket allows one outstanding sendText: frames go out one after another from the queue. */
    void pump() {
      while (writing.compareAndSet(false, true)) {
        String f = outq.poll();
        if (f == null) {
          writing.set(false);
          if (outq.isEmpty()) {
            return;
          }
          continue;
        }
        CompletableFuture<WebSocket> cf = ws.sendText(f, true);
        if (cf.isDone() && !cf.isCompletedExceptionally()) {
          writing.set(false);
          continue; // written at once: keep going on this thread, no recursion
        }
        cf.whenComplete((w, t) -> {
          if (t != null) {
            log("socket " + idx + ": send failed: " + t);
          }
          writing.set(false);
          pump();
        });
        return;
      }
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(Long.MAX_VALUE);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      if (!last) {
        partial.append(data);
        return null;
      }
      String text;
      if (partial.length() > 0) {
        partial.append(data);
        text = partial.toString();
        partial.setLength(0);
      } else {
        text = data.toString();
      }
      long now = System.nanoTime();
      onFrame(text, now);
      return null;
    }

    void onFrame(String t, long now) {
      if (t.startsWith("{\"type\":\"message\"")) {
        int c = t.indexOf("\"clientId\":\"b");
        if (c < 0) {
          synchronized (this) {
            foreign++;
          }
          return;
        }
        int s = c + 13;
        int dash = t.indexOf('-', s);
        int end = t.indexOf('"', dash);
        int sender = Integer.parseInt(t, s, dash, 10);
        int seq = Integer.parseInt(t, dash + 1, end, 10);
        if (sender == idx) {
          synchronized (this) {
            own++;
          }
          return;
        }
        if (sender != peer) {
          synchronized (this) {
            foreign++;
          }
          return;
        }
        int bi = t.lastIndexOf("\"body\":\"") + 8;
        int semi = t.indexOf(';', bi);
        long stamp = Long.parseLong(t, bi, semi, 10);
        long actual = Long.parseLong(t, semi + 1, t.indexOf(';', semi + 1), 10);
        Phase ph = b.phase;
        synchronized (this) {
          if (fromPeer.get(seq)) {
            dups++;
            return;
          }
          fromPeer.set(seq);
          peerCount++;
          if (stamp >= ph.measureFrom() && stamp < ph.measureTo()) {
            if (latN == lat.length) {
              lat = Arrays.copyOf(lat, latN * 2);
              latActual = Arrays.copyOf(latActual, latN * 2);
              latAt = Arrays.copyOf(latAt, latN * 2);
            }
            latAt[latN] = stamp;
            latActual[latN] = (now - actual) / 1e6;
            lat[latN++] = (now - stamp) / 1e6;
          }
        }
        b.peerReceived.increment();
        return;
      }
      if (t.endsWith("}") && t.contains("\"type\":\"send.ok\"")) {
        acked.incrementAndGet();
        inflight.decrementAndGet();
        if (saturating) {
          send(System.nanoTime());
        }
        return;
      }
      if (t.startsWith("{\"type\":\"hello\"")) {
        hello.complete(null);
        return;
      }
      if (t.contains("\"type\":\"error\"")) {
        errors.incrementAndGet();
        inflight.decrementAndGet();
        if (ERRORS_LOGGED.incrementAndGet() <= 5) {
          log("socket " + idx + ": error frame: " + t);
        }
        if (saturating) {
          send(System.nanoTime());
        }
      }
      // receipts, alerts and other events are not part of this benchmark
    }

    /** Latencies from the scheduled send times (and from the actual ones), since the last call. */
    synchronized double[][] takeLatencies() {
      double[] at = new double[latN];
      for (int i = 0; i < latN; i++) {
        at[i] = latAt[i];
      }
      double[][] r = {Arrays.copyOf(lat, latN), Arrays.copyOf(latActual, latN), at};
      latN = 0;
      return r;
    }

    /** Messages from the peer with client sequence numbers in [from, to). */
    synchronized int peerSeenIn(long from, long to) {
      return fromPeer.get((int) from, (int) to).cardinality();
    }

    synchronized long[] counters() {
      return new long[] {peerCount, dups, own, foreign};
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      if (b.phase.mode() != Mode.IDLE || !closing) {
        log("socket " + idx + " closed by the server: " + statusCode + " " + reason);
      }
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      log("socket " + idx + " error: " + error);
      hello.completeExceptionally(error);
    }

    volatile boolean closing;

    void close() {
      closing = true;
      try {
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bench done").get(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        ws.abort();
      }
    }
  }

  // ---- phases -----------------------------------------------------------------------------------
  /** Per-socket counters at a phase start, to check exactly-once over the phase. */
  long[][] mark(List<Sock> socks) {
    long[][] m = new long[socks.size()][];
    for (Sock s : socks) {
      long[] c = s.counters();
      m[s.idx] = new long[] {s.nextSeq.get(), s.acked.get(), s.errors.get(), c[0], c[1], c[2], c[3]};
    }
    return m;
  }

  /** Waits for the acknowledgements and the peers' copies of everything sent, then checks by clientId. */
  Check drainAndCheck(List<Sock> socks, long[][] start) throws InterruptedException {
    long t0 = System.nanoTime();
    long deadline = t0 + drainTimeoutS * 1_000_000_000L;
    long[] end = new long[socks.size()];
    for (Sock s : socks) {
      end[s.idx] = s.nextSeq.get();
    }
    while (System.nanoTime() < deadline) {
      boolean done = true;
      for (Sock s : socks) {
        Sock peer = socks.get(s.peer);
        if (s.inflight.get() > 0 || peer.peerSeenIn(start[s.idx][0], end[s.idx]) < end[s.idx] - start[s.idx][0]) {
          done = false;
          break;
        }
      }
      if (done) {
        break;
      }
      Thread.sleep(20);
    }
    double drainS = (System.nanoTime() - t0) / 1e9;
    // A little longer, so late duplicates would still be seen.
    Thread.sleep(300);
    long sent = 0;
    long acked = 0;
    long errors = 0;
    long received = 0;
    long missing = 0;
    long dups = 0;
    long own = 0;
    long foreign = 0;
    for (Sock s : socks) {
      long[] a = start[s.idx];
      long n = end[s.idx] - a[0];
      Sock peer = socks.get(s.peer);
      int seen = peer.peerSeenIn(a[0], end[s.idx]);
      long[] c = s.counters();
      sent += n;
      acked += s.acked.get() - a[1];
      errors += s.errors.get() - a[2];
      received += c[0] - a[3];
      missing += n - seen;
      dups += c[1] - a[4];
      own += c[2] - a[5];
      foreign += c[3] - a[6];
    }
    return new Check(sent, acked, errors, received, missing, dups, own, foreign, drainS);
  }

  /** The saturation loop for warmS + durS seconds; {@code main} false: the JIT warm-up run (no JFR). */
  Saturation saturate(Server server, List<Sock> socks, int warmS, int durS, boolean main) throws Exception {
    log(String.format(Locale.ROOT, "%s: %d sockets, window %d, %d s warm-up + %d s measured", main ? "saturation" : "JIT warm-up",
        socks.size(), window, warmS, durS));
    long[][] start = mark(socks);
    long begin = System.nanoTime();
    phase = new Phase(Mode.SATURATE, Long.MAX_VALUE, Long.MAX_VALUE);
    for (Sock s : socks) {
      s.saturating = true;
    }
    for (int k = 0; k < window; k++) {
      for (Sock s : socks) {
        s.send(System.nanoTime());
      }
    }
    long issued = System.nanoTime();
    log(String.format(Locale.ROOT, "  initial window of %d sends issued in %.3f s", window * socks.size(), (issued - begin) / 1e9));
    long from = issued + warmS * 1_000_000_000L;
    long to = from + durS * 1_000_000_000L;
    phase = new Phase(Mode.SATURATE, from, to);
    sleepUntil(from);
    long recv0 = peerReceived.sum();
    long sent0 = socks.stream().mapToLong(s -> s.nextSeq.get()).sum();
    Snapshot snap0 = snapshot(server);
    if (main && jfr != null && jfrRate == 0) {
      startJfr(server);
    }
    long lastLog = from;
    while (System.nanoTime() < to) {
      sleepUntil(Math.min(to, lastLog + 5_000_000_000L));
      long now = System.nanoTime();
      log(String.format(Locale.ROOT, "  %4.1f s: %d messages delivered to peers so far", (now - from) / 1e9, peerReceived.sum() - recv0));
      lastLog = now;
    }
    long recv1 = peerReceived.sum();
    long sent1 = socks.stream().mapToLong(s -> s.nextSeq.get()).sum();
    Snapshot snap1 = snapshot(server);
    if (main && jfr != null && jfrRate == 0) {
      stopJfr(server);
    }
    for (Sock s : socks) {
      s.saturating = false;
    }
    Check check = drainAndCheck(socks, start);
    phase = new Phase(Mode.IDLE, Long.MAX_VALUE, Long.MAX_VALUE);
    double[] lat = collectLatencies(socks)[0];
    double rate = (recv1 - recv0) / ((snap1.at - snap0.at) / 1e9);
    log(String.format(Locale.ROOT, "%s: %.0f messages/s; %s", main ? "saturation" : "JIT warm-up", rate, checkLine(check)));
    return new Saturation(recv1 - recv0, rate, sent1 - sent0, snap1.cpuSince(snap0, this), gcDiff(snap1, snap0), lat, check);
  }

  Fixed fixedRate(Server server, List<Sock> socks, int rate) throws Exception {
    log(String.format(Locale.ROOT, "fixed rate %d/s: %d s warm-up + %d s measured, open loop over %d sockets", rate, rateWarmupS,
        rateDurationS, socks.size()));
    Thread.sleep(1000); // let the previous phase's tail settle
    long[][] start = mark(socks);
    double interval = 1e9 / rate;
    long begin = System.nanoTime() + 10_000_000L;
    long from = begin + rateWarmupS * 1_000_000_000L;
    long to = from + rateDurationS * 1_000_000_000L;
    long total = (long) Math.floor((to - begin) / interval);
    phase = new Phase(Mode.FIXED, from, to);
    double[] lag = new double[(int) total];
    double[] call = new double[(int) total];
    AtomicLong measuredSent = new AtomicLong();
    Snapshot[] snaps = new Snapshot[2];
    Thread sched = new Thread(() -> {
      for (long k = 0; k < total; k++) {
        long due = begin + (long) (k * interval);
        long now;
        while ((now = System.nanoTime()) < due) {
          LockSupport.parkNanos(due - now); // no spinning: the server needs both cores
        }
        socks.get((int) (k % socks.size())).send(due, now);
        lag[(int) k] = (now - due) / 1e6;
        call[(int) k] = (System.nanoTime() - now) / 1e6;
        if (due >= from && due < to) {
          measuredSent.incrementAndGet();
        }
      }
    }, "fixed-rate-scheduler");
    sched.setPriority(Thread.MAX_PRIORITY);
    sched.start();
    sleepUntil(from);
    snaps[0] = snapshot(server);
    boolean recording = jfr != null && jfrRate == rate;
    if (recording) {
      startJfr(server);
    }
    sleepUntil(to);
    snaps[1] = snapshot(server);
    if (recording) {
      stopJfr(server);
    }
    sched.join();
    Check check = drainAndCheck(socks, start);
    phase = new Phase(Mode.IDLE, Long.MAX_VALUE, Long.MAX_VALUE);
    double[][] lats = collectLatencies(socks, latencyLog == null ? null : (at, ms) -> latencyLines.add(
        String.format(Locale.ROOT, "%d,%.3f,%.3f", rate, (at - from) / 1e6, ms)));
    double[] lat = lats[0];
    double achieved = measuredSent.get() / ((snaps[1].at - snaps[0].at) / 1e9);
    int firstMeasured = (int) Math.min(lag.length, Math.ceil((from - begin) / interval));
    double[] lagMeasured = Arrays.copyOfRange(lag, firstMeasured, lag.length);
    double[] callMeasured = Arrays.copyOfRange(call, firstMeasured, call.length);
    log(String.format(Locale.ROOT, "fixed rate %d/s: %d measured, p50 %.2f ms, p99 %.2f ms, max %.2f ms; %s", rate, lat.length,
        lat.length == 0 ? 0 : pct(lat, 50), lat.length == 0 ? 0 : pct(lat, 99), lat.length == 0 ? 0 : lat[lat.length - 1],
        checkLine(check)));
    return new Fixed(rate, measuredSent.get(), achieved, lat, lats[1], lagMeasured, callMeasured, snaps[1].cpuSince(snaps[0], this),
        gcDiff(snaps[1], snaps[0]), check);
  }

  void startJfr(Server server) {
    log("JFR start: " + cmd("jcmd", Long.toString(server.p.pid()), "JFR.start", "name=msgbench", "settings=profile",
        "filename=" + jfr).replace("\n", " "));
  }

  void stopJfr(Server server) {
    log("JFR stop: " + cmd("jcmd", Long.toString(server.p.pid()), "JFR.stop", "name=msgbench").replace("\n", " "));
  }

  /** Sorted latencies from the scheduled send times, and sorted latencies from the actual send times. */
  static double[][] collectLatencies(List<Sock> socks) {
    return collectLatencies(socks, null);
  }

  /** As above; {@code each} (when given) also receives every message's scheduled send time (nanoTime) and latency. */
  static double[][] collectLatencies(List<Sock> socks, java.util.function.ObjDoubleConsumer<Long> each0) {
    List<double[][]> each = socks.stream().map(Sock::takeLatencies).toList();
    if (each0 != null) {
      for (double[][] x : each) {
        for (int i = 0; i < x[0].length; i++) {
          each0.accept((long) x[2][i], x[0][i]);
        }
      }
    }
    double[] sched = each.stream().flatMapToDouble(x -> Arrays.stream(x[0])).sorted().toArray();
    double[] actual = each.stream().flatMapToDouble(x -> Arrays.stream(x[1])).sorted().toArray();
    return new double[][] {sched, actual};
  }

  static String checkLine(Check c) {
    return String.format(Locale.ROOT, "sent %d, acked %d, errors %d, peer copies %d, missing %d, duplicates %d -> %s", c.sent(),
        c.acked(), c.errors(), c.peerReceived(), c.missing(), c.duplicates(), c.ok() ? "exactly once" : "FAILED");
  }

  record Snapshot(long at, double serverCpu, double selfCpu, long sysBusy, Gc gc, Map<String, Double> threads) {
    Cpu cpuSince(Snapshot s, MessagingBench b) {
      double wall = (at - s.at) / 1e9;
      double server = serverCpu - s.serverCpu;
      double self = selfCpu - s.selfCpu;
      double busy = (sysBusy - s.sysBusy) / (double) b.clockTicks;
      Map<String, Double> byThread = new java.util.TreeMap<>();
      threads.forEach((k, v) -> {
        double d = v - s.threads.getOrDefault(k, 0.0);
        if (d > 0) {
          byThread.put(k, d / wall);
        }
      });
      return new Cpu(wall, server, self, Math.max(0, busy - server - self) / wall, byThread);
    }
  }

  Snapshot snapshot(Server server) {
    return new Snapshot(System.nanoTime(), server.cpuSeconds(), cpuSecondsOf("self"), systemJiffies()[0], server.gc(),
        threadCpu(server.p.pid()));
  }

  /** CPU seconds of the process's live threads, summed by thread name without its number. */
  Map<String, Double> threadCpu(long pid) {
    Map<String, Double> m = new java.util.HashMap<>();
    try (java.nio.file.DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
      for (Path t : ds) {
        try {
          String stat = Files.readString(t.resolve("stat"));
          String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          double cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) clockTicks;
          m.merge(comm.replaceAll("[-#]?\\d+$", "").replaceAll("\\d+$", ""), cpu, Double::sum);
        } catch (IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      // the process ended
    }
    return m;
  }

  static Gc gcDiff(Snapshot b, Snapshot a) {
    return b.gc() == null || a.gc() == null ? null : b.gc().minus(a.gc());
  }

  static void sleepUntil(long nanos) throws InterruptedException {
    long left;
    while ((left = nanos - System.nanoTime()) > 0) {
      Thread.sleep(Math.max(1, left / 1_000_000));
    }
  }

  /** Waits (up to --quiet-wait) until other processes use under --quiet-cores for 3 s in a row. */
  void waitForQuiet(String what) throws InterruptedException {
    long deadline = System.nanoTime() + quietWait * 1_000_000_000L;
    int quietSeconds = 0;
    double last = Double.NaN;
    log(what + ": waiting up to " + quietWait + " s for the machine to be quiet (< " + quietCores + " cores used by others)");
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
        quietNotes.add(what + ": quiet (others < " + quietCores + " cores for 3 s)");
        log(what + ": quiet");
        return;
      }
    }
    quietNotes.add(what + ": NOT quiet after " + quietWait + " s (others used " + f2(last) + " cores in the last second)");
    log(quietNotes.get(quietNotes.size() - 1));
  }

  // ---- the server child ----------------------------------------------------------------------
  static final class Server {
    /** Children still running; a shutdown hook ends them if the bench fails or is interrupted. */
    static final java.util.Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly)));
    }

    final MessagingBench b;
    final Process p;
    final int port;
    final long spawnNanos;
    final Path logFile;
    final Path gcLog;
    final HttpClient poller = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofMillis(500)).build();

    private Server(MessagingBench b, Process p, int port, long spawnNanos, Path logFile, Path gcLog) {
      this.b = b;
      this.p = p;
      this.port = port;
      this.spawnNanos = spawnNanos;
      this.logFile = logFile;
      this.gcLog = gcLog;
    }

    static Server start(MessagingBench b, Path dir) throws IOException {
      int port = freePort();
      List<String> cmd = new ArrayList<>();
      cmd.add(b.javaBin);
      cmd.addAll(b.serverFlags);
      Path gcLog = b.gcLog ? dir.resolve("gc.log") : null;
      if (gcLog != null) {
        cmd.add("-Xlog:gc:file=" + gcLog);
      }
      cmd.add("-jar");
      cmd.add(b.jar.toAbsolutePath().toString());
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
      Map<String, String> env = pb.environment();
      // Only the settings given here: no inherited JVM options or Tandem settings.
      env.keySet().removeIf(k -> k.startsWith("TANDEM_") || k.equals("JAVA_TOOL_OPTIONS")
          || k.equals("JDK_JAVA_OPTIONS") || k.equals("_JAVA_OPTIONS"));
      env.put("TANDEM_HTTP_PORT", Integer.toString(port));
      env.put("TANDEM_STORE_EMBEDDED_PORT", "0");
      env.put("TANDEM_STORE_DATA_DIR", dir.resolve("data").toString());
      env.put("TANDEM_IDENTITY_LOGIN_THROTTLE_MAX_FAILURES_PER_ADDRESS", "100000");
      // Clinic always open: no after-hours auto-replies in the threads.
      env.put("TANDEM_MESSAGING_CLINIC_HOURS_DAYS", "mon,tue,wed,thu,fri,sat,sun");
      env.put("TANDEM_MESSAGING_CLINIC_HOURS_OPEN", "00:00");
      env.put("TANDEM_MESSAGING_CLINIC_HOURS_CLOSE", "23:59");
      Path logFile = dir.resolve("server.log");
      pb.redirectErrorStream(true).redirectOutput(logFile.toFile());
      long t0 = System.nanoTime();
      Process p = pb.start();
      LIVE.add(p);
      return new Server(b, p, port, t0, logFile, gcLog);
    }

    String base() {
      return "http://127.0.0.1:" + port;
    }

    double awaitReady() throws Exception {
      HttpRequest req = HttpRequest.newBuilder(URI.create(base() + "/health/ready")).timeout(Duration.ofSeconds(2)).GET().build();
      long deadline = spawnNanos + START_TIMEOUT.toNanos();
      while (true) {
        try {
          HttpResponse<Void> res = poller.send(req, HttpResponse.BodyHandlers.discarding());
          if (res.statusCode() == 200) {
            double s = (System.nanoTime() - spawnNanos) / 1e9;
            for (int i = 0; i < 100 && !log().contains("Tandem is ready at http://127.0.0.1:" + port); i++) {
              if (!p.isAlive()) {
                throw new IllegalStateException("a 200 came from port " + port + " but our server exited:\n" + tail());
              }
              Thread.sleep(20);
            }
            return s;
          }
        } catch (ConnectException e) {
          // not listening yet
        } catch (IOException e) {
          // reset while starting: keep polling
        }
        if (!p.isAlive()) {
          throw new IllegalStateException("server exited with " + p.exitValue() + " before ready:\n" + tail());
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("server not ready within " + START_TIMEOUT + ":\n" + tail());
        }
        Thread.sleep(20);
      }
    }

    static final Pattern PAUSE = Pattern.compile("GC\\(\\d+\\) Pause (\\S+).* ([0-9.]+)ms$");

    Gc gc() {
      if (gcLog == null) {
        return null;
      }
      int n = 0;
      int full = 0;
      double ms = 0;
      double max = 0;
      try {
        for (String line : Files.readAllLines(gcLog)) {
          Matcher m = PAUSE.matcher(line.trim());
          if (m.find()) {
            n++;
            full += m.group(1).equals("Full") ? 1 : 0;
            double d = Double.parseDouble(m.group(2));
            ms += d;
            max = Math.max(max, d);
          }
        }
      } catch (IOException e) {
        return null;
      }
      return new Gc(n, full, ms, max);
    }

    double cpuSeconds() {
      return b.cpuSecondsOf(Long.toString(p.pid()));
    }

    Mem mem(Path dataDir) {
      Map<String, String> st = procStatus(p.pid());
      long data = 0;
      try (Stream<Path> s = Files.walk(dataDir)) {
        data = s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum() / 1024;
      } catch (IOException e) {
        data = -1;
      }
      return new Mem(kib(st.get("VmRSS")), kib(st.get("VmHWM")), Integer.parseInt(st.getOrDefault("Threads", "0").trim()),
          cpuSeconds(), data);
    }

    double stop() throws InterruptedException {
      long t0 = System.nanoTime();
      p.destroy();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        MessagingBench.log("server did not stop within 20 s of SIGTERM; killing it");
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
      return Map.of();
    }
  }

  static long kib(String v) {
    return v == null ? -1 : Long.parseLong(v.replace("kB", "").trim());
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
        // read through so the server start does not pay for cold disk reads
      }
    }
  }

  static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
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

  /** The server JVM's collector and heap under the given flags. */
  String effectiveGc() {
    List<String> c = new ArrayList<>();
    c.add(javaBin);
    c.addAll(serverFlags);
    c.add("-XX:+PrintFlagsFinal");
    c.add("-version");
    String text = cmd(c.toArray(String[]::new));
    if (!text.contains("MaxHeapSize")) {
      die("the server JVM flags do not start a JVM: " + serverFlagsText + "\n" + text);
    }
    String gc = "?";
    String heap = "?";
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 4 || !f[2].equals("=")) {
        continue;
      }
      if (f[1].matches("Use(Serial|Parallel|G1|Z|Shenandoah|Epsilon)GC") && f[3].equals("true")) {
        gc = f[1].substring(3);
      }
      if (f[1].equals("MaxHeapSize")) {
        heap = f1(Long.parseLong(f[3]) / 1048576.0) + " MiB";
      }
    }
    return "GC " + gc + ", max heap " + heap;
  }

  // ---- statistics and report -----------------------------------------------------------------
  static double pct(double[] sorted, double p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  static String f2(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  static String f1(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  static String f0(double v) {
    return String.format(Locale.ROOT, "%.0f", v);
  }

  static String met(boolean ok) {
    return ok ? "**met**" : "**NOT met**";
  }

  static String latCells(double[] s) {
    if (s.length == 0) {
      return "– | – | – | – | –";
    }
    return f2(pct(s, 50)) + " | " + f2(pct(s, 90)) + " | " + f2(pct(s, 99)) + " | " + f2(pct(s, 99.9)) + " | " + f2(s[s.length - 1]);
  }

  static String cpuCells(Cpu c, long msgs) {
    return f2(c.serverS() / c.wallS()) + " | " + f2(c.benchS() / c.wallS()) + " | " + f2(c.otherCores()) + " | "
        + (msgs == 0 ? "–" : f1(c.serverS() * 1e6 / msgs)) + " | " + (msgs == 0 ? "–" : f1(c.benchS() * 1e6 / msgs));
  }

  static String gcCells(Gc g) {
    return g == null ? "– | –" : g.pauses() + " (" + g.full() + " full) | " + f1(g.pauseMs());
  }

  static void checkRow(StringBuilder sb, String name, Check c) {
    sb.append("| ").append(name).append(" | ").append(c.sent()).append(" | ").append(c.acked()).append(" | ").append(c.errors())
        .append(" | ").append(c.peerReceived()).append(" | ").append(c.missing()).append(" | ").append(c.duplicates())
        .append(" | ").append(c.ownCopies()).append(" | ").append(c.foreign()).append(" | ").append(f2(c.drainS()))
        .append(" | ").append(c.ok() ? "**exactly once**" : "**FAILED**").append(" |\n");
  }

  String report(String gcName, String loadBefore, String loadAfter, double benchS, double readyS, double setupS, double connectS,
      Saturation jit, Saturation sat, List<Fixed> fixed, Mem mem, Gc gcTotal) throws IOException {
    StringBuilder sb = new StringBuilder();
    String date = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"));
    sb.append("# Tandem messaging benchmark — ").append(date).append("\n\n");

    sb.append("## Machine and settings\n\n| | |\n|---|---|\n");
    sb.append("| nproc | ").append(cmd("nproc")).append(" (JVM sees ").append(Runtime.getRuntime().availableProcessors()).append(") |\n");
    sb.append("| CPU | ").append(cpuModel()).append(" |\n");
    sb.append("| memory | ").append(memTotal()).append(" |\n");
    sb.append("| kernel | ").append(cmd("uname", "-sr")).append(" |\n");
    sb.append("| java -version (server) | ").append(cmd(javaBin, "-version").replace("\n", " / ")).append(" |\n");
    sb.append("| bench JVM | ").append(System.getProperty("java.vm.name")).append(" ").append(System.getProperty("java.version"))
        .append(" |\n");
    sb.append("| server JVM flags | `").append(serverFlagsText.isEmpty() ? "(JVM defaults)" : serverFlagsText).append("` (")
        .append(gcName).append(")").append(gcLog ? "; the bench adds `-Xlog:gc:file=…` to count GC pauses" : "").append(" |\n");
    sb.append("| server settings | embedded store (journaled, in a fresh temp dir), clinic hours 00:00-23:59 every day |\n");
    sb.append("| jar | `").append(jar).append("` (").append(Files.size(jar) / 1024).append(" KiB, built ")
        .append(Files.getLastModifiedTime(jar).toInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)).append(") |\n");
    sb.append("| commit (of this checkout, not necessarily of the jar) | ").append(cmd("git", "rev-parse", "--short", "HEAD"))
        .append(cmd("git", "status", "--porcelain", "--untracked-files=no").isEmpty() ? "" : " (+ uncommitted changes)").append(" |\n");
    sb.append("| load average (1/5/15 min) | before ").append(loadBefore).append(", after ").append(loadAfter).append(" |\n");
    sb.append("| machine quiet | ").append(quietNotes.isEmpty() ? "not waited for" : String.join("; ", quietNotes)).append(" |\n");
    sb.append("| speed probe (fixed single-thread work, no server running; lower is faster) | before ").append(f2(probeBefore))
        .append(" ms, after ").append(f2(probeAfter)).append(" ms |\n");
    sb.append("| load | ").append(pairs).append(" pairs = ").append(2 * pairs).append(" WebSockets over ").append(httpClients)
        .append(" HttpClients (").append(directExecutor ? "callbacks on their selector threads" : "default executors")
        .append("); body ").append(bodyBytes).append(" bytes; each message goes to the peer and to the sender's own socket |\n");
    sb.append("| refused WebSocket upgrades (retried) | ").append(upgradeFailures.isEmpty() ? "none" : upgradeFailures.toString())
        .append(" |\n");
    sb.append("| timing | server ready ").append(f2(readyS)).append(" s; set-up of ").append(2 * pairs).append(" accounts ")
        .append(f1(setupS)).append(" s; sockets ").append(f2(connectS)).append(" s; whole bench ").append(f1(benchS)).append(" s |\n\n");

    if (jit != null) {
      sb.append("JIT warm-up before measuring: ").append(jitWarmupS).append(" s of saturation, ").append(f0(jit.rate()))
          .append(" messages/s; server CPU by thread (cores): ").append(jit.cpu().threadLine()).append("\n\n");
    }
    if (sat != null) {
      sb.append("## (a) Saturation: every socket keeps up to ").append(window).append(" sends outstanding; ").append(warmupS)
          .append(" s warm-up, then ").append(durationS).append(" s measured\n\n");
      sb.append("| messages delivered to peers in window | **messages/s** (encrypted, stored, delivered) | sends issued in window"
          + " | latency p50 ms | p90 ms | p99 ms | p99.9 ms | max ms"
          + " | server CPU (cores) | bench CPU (cores) | others (cores) | server CPU µs/msg | bench CPU µs/msg"
          + " | GC pauses | GC pause total ms |\n");
      sb.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
      sb.append("| ").append(sat.peerMsgs()).append(" | **").append(f0(sat.rate())).append("** | ").append(sat.sentInWindow())
          .append(" | ").append(latCells(sat.latMs())).append(" | ").append(cpuCells(sat.cpu(), sat.peerMsgs())).append(" | ")
          .append(gcCells(sat.gc())).append(" |\n\n");
      sb.append("Server CPU by thread (cores): ").append(sat.cpu().threadLine()).append("\n\n");
      sb.append("Latency under saturation is closed-loop (a window of ").append(window)
          .append(" per socket queues up at the server), so it measures queueing, not responsiveness.\n\n");
    }

    if (!fixed.isEmpty()) {
      sb.append("## (b) Fixed rate, open loop: send-to-peer-receive latency (scheduled send time → peer's socket; ").append(rateWarmupS)
          .append(" s warm-up, then ").append(rateDurationS).append(" s measured)\n\n");
      sb.append("| target msgs/s | achieved msgs/s | measured msgs | **p50 ms** | p90 ms | **p99 ms** | p99.9 ms | max ms"
          + " | from actual send: p50 / p99 ms | generator wake-up lag p99 / max ms | send call p99 / max ms | server CPU (cores) | bench CPU (cores) | others (cores) | server CPU µs/msg"
          + " | bench CPU µs/msg | GC pauses | GC pause total ms |\n");
      sb.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
      for (Fixed f : fixed) {
        double[] lag = f.lagMs().clone();
        Arrays.sort(lag);
        double[] call = f.callMs().clone();
        Arrays.sort(call);
        sb.append("| ").append(f.rate()).append(" | ").append(f1(f.achievedRate())).append(" | ").append(f.latMs().length)
            .append(" | ").append(latCells(f.latMs())).append(" | ")
            .append(f.latFromActualMs().length == 0 ? "–" : f2(pct(f.latFromActualMs(), 50)) + " / " + f2(pct(f.latFromActualMs(), 99)))
            .append(" | ")
            .append(lag.length == 0 ? "–" : f2(pct(lag, 99)) + " / " + f2(lag[lag.length - 1])).append(" | ")
            .append(call.length == 0 ? "–" : f2(pct(call, 99)) + " / " + f2(call[call.length - 1])).append(" | ")
            .append(cpuCells(f.cpu(), f.sent())).append(" | ").append(gcCells(f.gc())).append(" |\n");
      }
      sb.append("\n");
      for (Fixed f : fixed) {
        sb.append("Server CPU by thread at ").append(f.rate()).append("/s (cores): ").append(f.cpu().threadLine()).append("\n\n");
      }
      sb.append("Latencies are measured from the scheduled instant, so the generator's wake-up lag and send call time count"
          + " against the server; \"from actual send\" starts the clock when the generator actually sent.\n\n");
    }

    sb.append("## Exactly-once verification (by clientId, after draining)\n\n");
    sb.append("| phase | sent | send.ok | error frames | peer copies received | missing at peer | duplicates at peer"
        + " | sender's own copies | unexpected | drain s | result |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    if (jit != null) {
      checkRow(sb, "JIT warm-up (saturation, not measured)", jit.check());
    }
    if (sat != null) {
      checkRow(sb, "saturation", sat.check());
    }
    for (Fixed f : fixed) {
      checkRow(sb, "fixed " + f.rate() + "/s", f.check());
    }
    sb.append("\n");

    sb.append("## Server at the end\n\n| VmRSS MiB | VmHWM (peak) MiB | threads | CPU time s (whole life) | GC pauses (full) | GC pause total ms"
        + " | GC max pause ms | data dir MiB |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    sb.append("| ").append(f1(mem.rssKib() / 1024.0)).append(" | ").append(f1(mem.hwmKib() / 1024.0)).append(" | ")
        .append(mem.threads()).append(" | ").append(f2(mem.cpuS())).append(" | ")
        .append(gcTotal == null ? "–" : gcTotal.pauses() + " (" + gcTotal.full() + ")").append(" | ")
        .append(gcTotal == null ? "–" : f1(gcTotal.pauseMs())).append(" | ")
        .append(gcTotal == null ? "–" : f1(gcTotal.maxMs())).append(" | ")
        .append(f1(mem.dataKib() / 1024.0)).append(" |\n\n");

    sb.append("## Targets\n\n| target | measured | |\n|---|---|---|\n");
    if (sat != null) {
      sb.append("| sustained ≥ 6,500 messages/s (").append(pairs).append(" pairs; ejabberd 23.01 + SQLite archive: ~1,300/s here) | ")
          .append(f0(sat.rate())).append(" msgs/s | ").append(met(sat.rate() >= TARGET_RATE)).append(" |\n");
    }
    for (Fixed f : fixed) {
      Double target = f.rate() == 200 ? TARGET_P99_200 : f.rate() == 1000 ? TARGET_P99_1000 : null;
      if (target != null && f.latMs().length > 0) {
        double p99 = pct(f.latMs(), 99);
        sb.append("| p99 ≤ ").append(f0(target)).append(" ms at ").append(f.rate()).append(" msgs/s | ").append(f2(p99)).append(" ms | ")
            .append(met(p99 <= target)).append(" |\n");
      }
    }
    boolean allOk = (jit == null || jit.check().ok()) && (sat == null || sat.check().ok()) && fixed.stream().allMatch(f -> f.check().ok());
    sb.append("| every message delivered to the peer exactly once | ").append(allOk ? "all phases" : "see above").append(" | ")
        .append(met(allOk)).append(" |\n");
    return sb.toString();
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

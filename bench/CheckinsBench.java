import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tandem check-ins benchmark, against a real server child (embedded store) on this machine.
 *
 * <pre>
 *   java bench/CheckinsBench.java --jar target/tandem.jar [options]
 *
 *   --jar PATH                 the server fat jar (default target/tandem.jar)
 *   --java PATH                java binary for the server (default: the one running this program)
 *   --server-jvm-flags "..."   JVM flags for the server child (default none)
 *   --patients N               patients on the clinician's panel (default 500)
 *   --history D                daily check-ins stored per patient before the panel is measured (default 365)
 *   --concurrency C            uploads in flight (default 32)
 *   --warmup S                 single-upload warm-up seconds, not counted (default 60: the JIT is still busy after 10)
 *   --batch-warmup S           batch-upload warm-up seconds, not counted (default 10; the server is warm by then, and
 *                              a longer one stores hundreds of thousands more responses in the 2 GB heap)
 *   --duration S               measured upload seconds per mode (default 15)
 *   --batch B                  responses per request in the batch mode (default 50)
 *   --panel-requests N         measured panel requests (default 200, after 30 unmeasured)
 *   --keep-data                keep the servers' data directories afterwards (default: removed; server.log is kept)
 * </pre>
 *
 * Set-up: the demo prescriber (rivera@tandem-demo.org) invites N patients, so their care teams
 * include her. Uploads go over HTTP/1.1 with her bearer token (a clinician on the team may upload
 * for a patient; the server does the same work as for the patient's own upload: validation,
 * scoring against baseline and previous score, the unordered insert, summary and month bucket
 * updates, the alert check, the scored event). The mix is 80% daily check-ins and 20% PHQ-9.
 *
 * Phases, on a first server: (1) single-response uploads at the given concurrency, (2) batches
 * of B. Then on a second, fresh server with the same set-up: (3) history: every patient gets
 * --history daily check-ins (batches of 200; the answer times are compressed into the run
 * because the server refuses answers from before the account existed), (4) the monitoring
 * panel, sequential GET /api/v1/monitoring, latency percentiles, on exactly that data.
 */
public class CheckinsBench {
  static final String PASSWORD = "tandem-demo-2026";
  Path jar = Path.of("target/tandem.jar");
  /** The server's java binary; by default the one running this program. */
  String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
  List<String> serverFlags = new ArrayList<>();
  int patients = 500;
  int history = 365;
  int concurrency = 32;
  int warmupS = 60;
  int batchWarmupS = 10;
  int durationS = 15;
  int batch = 50;
  int panelRequests = 200;
  boolean keepData;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  String base;
  int port;
  long serverPid;
  String token;
  final List<String> ids = new ArrayList<>();
  final AtomicLong seq = new AtomicLong();
  /** After every patient was invited: answers may not predate the account. */
  Instant enrolled;

  public static void main(String[] args) throws Exception {
    CheckinsBench b = new CheckinsBench();
    for (int i = 0; i < args.length; i++) {
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--jar" -> { b.jar = Path.of(v); i++; }
        case "--java" -> { b.javaBin = v; i++; }
        case "--server-jvm-flags" -> { b.serverFlags = Arrays.stream(v.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList(); i++; }
        case "--patients" -> { b.patients = Integer.parseInt(v); i++; }
        case "--history" -> { b.history = Integer.parseInt(v); i++; }
        case "--concurrency" -> { b.concurrency = Integer.parseInt(v); i++; }
        case "--warmup" -> { b.warmupS = Integer.parseInt(v); i++; }
        case "--batch-warmup" -> { b.batchWarmupS = Integer.parseInt(v); i++; }
        case "--duration" -> { b.durationS = Integer.parseInt(v); i++; }
        case "--batch" -> { b.batch = Integer.parseInt(v); i++; }
        case "--panel-requests" -> { b.panelRequests = Integer.parseInt(v); i++; }
        case "--keep-data" -> b.keepData = true;
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    b.run();
  }

  void run() throws Exception {
    // Two servers, each measured on the data its target names: the uploads on a fresh one, the
    // panel on another holding exactly --patients x --history daily check-ins. On one server the
    // panel was measured on top of everything the upload phases had stored (hundreds of
    // thousands of responses at ~3,000/s), which a faster build made worse and, with a longer
    // warm-up, ran the embedded store out of its 2 GB heap during the history load.
    Rate single;
    Rate batched;
    double probeBefore = speedProbe();
    log(String.format("speed probe before: %.1f ms", probeBefore));
    Path dir = Files.createTempDirectory("tandem-checkins-bench");
    Process server = start(dir);
    log("server log (uploads): " + dir.resolve("server.log"));
    try {
      awaitReady(server, dir);
      setUp(server);
      single = uploads(1);
      batched = uploads(batch);
    } finally {
      stop(server, dir);
    }
    dir = Files.createTempDirectory("tandem-checkins-bench");
    server = start(dir);
    log("server log (history and panel): " + dir.resolve("server.log"));
    long stored;
    double histS;
    double settleS;
    double[] panel;
    try {
      awaitReady(server, dir);
      setUp(server);
      long t0 = System.nanoTime();
      stored = history();
      histS = (System.nanoTime() - t0) / 1e9;
      log(String.format("history: %d daily check-ins stored in %.1f s (%.0f/s)", stored, histS, stored / histS));
      // Work that follows an acknowledged upload (education suggestions, a journal compaction)
      // runs on; the panel is measured once the server is idle again, and that wait is reported.
      t0 = System.nanoTime();
      awaitIdle(server.pid());
      settleS = (System.nanoTime() - t0) / 1e9;
      log(String.format("server idle again %.1f s after the last history upload", settleS));
      panel = panel();
    } finally {
      stop(server, dir);
    }
    double probeAfter = speedProbe();
    String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
        .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
    System.out.println();
    System.out.println("## Check-ins benchmark");
    System.out.println();
    System.out.printf("Machine: %s, %d cores; server Java %s; server flags: %s%n%n", cpu, Runtime.getRuntime().availableProcessors(),
        serverJavaVersion(), serverFlags.isEmpty() ? "(none)" : String.join(" ", serverFlags));
    System.out.println("| measure | result |");
    System.out.println("|---|---|");
    System.out.printf("| uploads/s, one response per request, %d in flight | %.0f |%n", concurrency, single.perSecond());
    System.out.printf("| uploads/s, batches of %d, %d requests in flight | %.0f |%n", batch, Math.max(1, concurrency / 4), batched.perSecond());
    System.out.printf("| server CPU per response (cores used), single / batches | %.0f us (%.2f) / %.0f us (%.2f) |%n",
        single.serverMicrosEach(), single.serverCores(), batched.serverMicrosEach(), batched.serverCores());
    System.out.printf("| load generator CPU (cores), single / batches | %.2f / %.2f |%n", single.benchCores(), batched.benchCores());
    System.out.printf("| history load on a second server (batches of 200) responses/s | %.0f |%n", stored / histS);
    System.out.printf("| server busy after the last history upload (follow-up work) | %.1f s |%n", settleS);
    System.out.printf("| monitoring panel, %d patients x %d daily check-ins (second server): p50 / p95 / p99 / max ms | %.1f / %.1f / %.1f / %.1f |%n",
        ids.size(), history, panel[0], panel[1], panel[2], panel[3]);
    System.out.printf("| speed probe (fixed single-thread work, no server running; lower is faster): before / after | %.1f / %.1f ms |%n",
        probeBefore, probeAfter);
  }

  /**
   * Times a fixed piece of single-threaded work (map updates, string building, a sort; median of
   * nine rounds after 5 s of warm-up) while no server runs. This machine's speed drifts: the same jar
   * with the same flags has given 481 and 803 us of server CPU per upload in runs minutes apart,
   * with the same per-thread shares, so a result means little without knowing how fast the
   * machine was. Compare probes between runs, not with other machines.
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


  /** Logs in as the demo prescriber and invites the patients (their care teams include her). */
  void setUp(Process server) throws Exception {
    token = new String(post("/api/v1/auth/login", "{\"email\":\"rivera@tandem-demo.org\",\"password\":\"" + PASSWORD
        + "\",\"client\":\"app\"}", null, 200)).replaceAll("(?s).*\"token\":\"([^\"]+)\".*", "$1");
    ids.clear();
    long t0 = System.nanoTime();
    List<CompletableFuture<String>> invites = new ArrayList<>();
    Semaphore gate = new Semaphore(8);
    for (int i = 0; i < patients; i++) {
      gate.acquire();
      String body = "{\"email\":\"bench-" + i + "-" + System.nanoTime() + "@example.org\",\"name\":\"Bench Patient " + i + "\"}";
      invites.add(send("POST", "/api/v1/patients", body).whenComplete((r, t) -> gate.release()).thenApply(r -> {
        Matcher m = Pattern.compile("\"patient\":\\{\"id\":\"([^\"]+)\"").matcher(r.body());
        if (r.statusCode() != 201 || !m.find()) {
          throw new IllegalStateException("invite failed: " + r.statusCode() + " " + r.body());
        }
        return m.group(1);
      }));
    }
    for (CompletableFuture<String> f : invites) {
      ids.add(f.join());
    }
    enrolled = Instant.now().plusSeconds(1);
    Thread.sleep(1100);
    log(String.format("set-up: %d patients invited in %.1f s", patients, (System.nanoTime() - t0) / 1e9));
    serverPid = server.pid();
  }

  /** Stops the server; its store's data (hundreds of MB) goes unless --keep-data, its log stays. */
  void stop(Process server, Path dir) throws InterruptedException {
    server.destroy();
    server.waitFor();
    if (!keepData) {
      try (java.util.stream.Stream<Path> files = Files.walk(dir.resolve("data"))) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException | java.io.UncheckedIOException e) {
        log("could not remove " + dir.resolve("data") + ": " + e);
      }
    }
  }

  /** What a saturation phase measured: responses/s, and CPU per response of the server and of this load generator. */
  record Rate(double perSecond, double serverCores, double benchCores) {
    double serverMicrosEach() {
      return perSecond == 0 ? 0 : serverCores * 1e6 / perSecond;
    }
  }

  /**
   * Saturation: uploads per second (responses) with {@code perRequest} responses per request, from
   * {@code inFlight} threads that each keep one HTTP/1.1 connection and one request in flight
   * ({@link Conn}). The JDK's HttpClient used here before cost this machine ~0.5 cores at ~800
   * requests/s (0.7 ms of CPU per request, measured per thread from /proc), a quarter of the two
   * cores the server shares with it.
   */
  Rate uploads(int perRequest) throws Exception {
    int inFlight = perRequest == 1 ? concurrency : Math.max(1, concurrency / 4);
    LongAdder done = new LongAdder();
    LongAdder failed = new LongAdder();
    long warmEnd = System.nanoTime() + (perRequest == 1 ? warmupS : batchWarmupS) * 1_000_000_000L;
    long end = warmEnd + durationS * 1_000_000_000L;
    long[] atWarmEnd = new long[3];
    Thread marker = new Thread(() -> {
      try {
        Thread.sleep(Math.max(0, (warmEnd - System.nanoTime()) / 1_000_000));
        atWarmEnd[0] = done.sum();
        atWarmEnd[1] = cpuTicks(serverPid);
        atWarmEnd[2] = cpuTicks(ProcessHandle.current().pid());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    marker.start();
    List<Thread> workers = new ArrayList<>();
    for (int w = 0; w < inFlight; w++) {
      Random rnd = new Random(perRequest * 1000L + w);
      Thread t = new Thread(() -> {
        try (Conn conn = new Conn(port, token)) {
          while (System.nanoTime() < end) {
            String patient = ids.get(rnd.nextInt(ids.size()));
            StringBuilder body = new StringBuilder(perRequest == 1 ? "" : "{\"responses\":[");
            for (int i = 0; i < perRequest; i++) {
              body.append(i > 0 ? "," : "").append(rnd.nextInt(5) == 0 ? phq9(rnd) : daily(rnd, Instant.now()));
            }
            if (perRequest > 1) {
              body.append("]}");
            }
            Conn.Response r = conn.post("/api/v1/patients/" + patient + "/checkins", body.toString());
            if (r.status() == 201 || r.status() == 200) {
              done.add(perRequest == 1 ? 1 : accepted(r.body()));
            } else {
              failed.increment();
              if (failed.sum() < 3) {
                log("upload failed: " + r.status() + " " + r.body());
              }
            }
          }
        } catch (IOException e) {
          failed.increment();
          log("upload connection failed: " + e);
        }
      }, "upload-" + w);
      t.start();
      workers.add(t);
    }
    for (Thread t : workers) {
      t.join();
    }
    marker.join();
    long n = done.sum() - atWarmEnd[0];
    // Requests still in flight at the end are counted (closed loop, at most inFlight of them).
    double seconds = (System.nanoTime() - warmEnd) / 1e9;
    double serverCores = (cpuTicks(serverPid) - atWarmEnd[1]) / 100.0 / seconds;
    double benchCores = (cpuTicks(ProcessHandle.current().pid()) - atWarmEnd[2]) / 100.0 / seconds;
    Rate rate = new Rate(n / seconds, serverCores, benchCores);
    log(String.format("uploads, %d per request: %.0f responses/s (%d failed requests); server %.2f cores (%.0f us per response),"
        + " load generator %.2f cores", perRequest, rate.perSecond(), failed.sum(), serverCores, rate.serverMicrosEach(), benchCores));
    return rate;
  }

  /**
   * A minimal HTTP/1.1 keep-alive client on a blocking socket: one request at a time, responses
   * read by Content-Length (the server never sends chunked JSON answers). Enough for the
   * benchmark's POSTs at a fraction of a general client's CPU.
   */
  static final class Conn implements AutoCloseable {
    record Response(int status, String body) {}

    private final java.net.Socket socket;
    private final java.io.OutputStream out;
    private final java.io.InputStream in;
    private final byte[] head;
    private byte[] buf = new byte[16 * 1024];
    private int start;
    private int end;

    Conn(int port, String token) throws IOException {
      socket = new java.net.Socket(InetAddress.getLoopbackAddress(), port);
      socket.setTcpNoDelay(true);
      out = new java.io.BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
      in = socket.getInputStream();
      head = ("Host: 127.0.0.1:" + port + "\r\nAuthorization: Bearer " + token + "\r\nContent-Type: application/json\r\n")
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    Response post(String path, String body) throws IOException {
      byte[] b = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      out.write(("POST " + path + " HTTP/1.1\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.write(head);
      out.write(("Content-Length: " + b.length + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.write(b);
      out.flush();
      int headerEnd;
      while ((headerEnd = indexOfBlankLine()) < 0) {
        fill();
      }
      String headers = new String(buf, start, headerEnd - start, java.nio.charset.StandardCharsets.ISO_8859_1);
      start = headerEnd + 4;
      int status = Integer.parseInt(headers.substring(9, 12));
      int length = 0;
      for (String line : headers.split("\r\n")) {
        if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
          length = Integer.parseInt(line.substring(15).trim());
        } else if (line.regionMatches(true, 0, "transfer-encoding:", 0, 18)) {
          throw new IOException("chunked answers are not supported by this client: " + headers);
        }
      }
      while (end - start < length) {
        fill();
      }
      String text = new String(buf, start, length, java.nio.charset.StandardCharsets.UTF_8);
      start += length;
      return new Response(status, text);
    }

    private int indexOfBlankLine() {
      for (int i = start; i + 3 < end; i++) {
        if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
          return i;
        }
      }
      return -1;
    }

    private void fill() throws IOException {
      if (start > 0) {
        System.arraycopy(buf, start, buf, 0, end - start);
        end -= start;
        start = 0;
      }
      if (end == buf.length) {
        buf = Arrays.copyOf(buf, buf.length * 2);
      }
      int n = in.read(buf, end, buf.length - end);
      if (n < 0) {
        throw new IOException("connection closed by the server");
      }
      end += n;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  long history() throws Exception {
    Semaphore gate = new Semaphore(4);
    LongAdder stored = new LongAdder();
    Random rnd = new Random(7);
    Instant base = enrolled;
    List<CompletableFuture<?>> all = new ArrayList<>();
    for (String p : ids) {
      for (int off = 0; off < history; off += 200) {
        StringBuilder body = new StringBuilder("{\"responses\":[");
        int n = Math.min(200, history - off);
        for (int i = 0; i < n; i++) {
          body.append(i > 0 ? "," : "").append(daily(rnd, base.plusMillis(off + i)));
        }
        body.append("]}");
        gate.acquire();
        all.add(send("POST", "/api/v1/patients/" + p + "/checkins", body.toString()).whenComplete((r, t) -> {
          gate.release();
          if (t == null && r.statusCode() == 200) {
            stored.add(accepted(r.body()));
          } else {
            log("history upload failed: " + (t != null ? t : r.statusCode() + " " + r.body()));
          }
        }));
      }
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    return stored.sum();
  }

  /** The "accepted" count of a batch answer (rejected items are not counted as stored). */
  static long accepted(String body) {
    Matcher m = Pattern.compile("\"accepted\":(\\d+)").matcher(body);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  /** Waits (up to 120 s) until the process has used under 0.1 cores for 2 s in a row. */
  static void awaitIdle(long pid) throws Exception {
    long deadline = System.nanoTime() + 120_000_000_000L;
    long quietSince = -1;
    long prev = cpuTicks(pid);
    while (System.nanoTime() < deadline) {
      Thread.sleep(500);
      long now = cpuTicks(pid);
      boolean quiet = (now - prev) < 5; // ticks of 10 ms: under 0.1 cores over 0.5 s
      prev = now;
      if (!quiet) {
        quietSince = -1;
      } else if (quietSince < 0) {
        quietSince = System.nanoTime();
      } else if (System.nanoTime() - quietSince >= 2_000_000_000L) {
        return;
      }
    }
  }

  static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  double[] panel() throws Exception {
    int warm = 30;
    double[] ms = new double[panelRequests];
    for (int i = 0; i < warm + panelRequests; i++) {
      long t = System.nanoTime();
      HttpResponse<String> r = send("GET", "/api/v1/monitoring", null).join();
      if (r.statusCode() != 200) {
        throw new IllegalStateException("panel: " + r.statusCode() + " " + r.body());
      }
      if (i >= warm) {
        ms[i - warm] = (System.nanoTime() - t) / 1e6;
      }
    }
    Arrays.sort(ms);
    return new double[] {pct(ms, 50), pct(ms, 95), pct(ms, 99), ms[ms.length - 1]};
  }

  static double pct(double[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100 * sorted.length) - 1)];
  }

  String daily(Random rnd, Instant at) {
    return "{\"clientId\":\"b" + seq.incrementAndGet() + "\",\"instrument\":\"daily\",\"answeredAt\":\"" + at + "\",\"answers\":{\"mood\":"
        + rnd.nextInt(11) + ",\"anxiety\":" + rnd.nextInt(11) + ",\"sleep-hours\":" + (4 + rnd.nextInt(9)) + ",\"medication\":\"yes\","
        + "\"side-effects\":[]}}";
  }

  String phq9(Random rnd) {
    StringBuilder a = new StringBuilder();
    for (int i = 1; i <= 9; i++) {
      a.append(i > 1 ? "," : "").append("\"phq9-").append(i).append("\":").append(i == 9 ? 0 : rnd.nextInt(4));
    }
    return "{\"clientId\":\"b" + seq.incrementAndGet() + "\",\"instrument\":\"phq-9\",\"answeredAt\":\"" + Instant.now()
        + "\",\"answers\":{" + a + "}}";
  }

  CompletableFuture<HttpResponse<String>> send(String method, String path, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + token);
    if (body != null) {
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  byte[] post(String path, String body, String bearer, int expect) throws Exception {
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != expect) {
      throw new IllegalStateException(path + ": " + r.statusCode() + " " + new String(r.body()));
    }
    return r.body();
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

  /** The server java's first version line, e.g. {@code openjdk version "17.0.15" 2025-04-15}. */
  String serverJavaVersion() {
    try {
      Process p = new ProcessBuilder(javaBin, "-version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).strip();
      p.waitFor();
      return out.lines().findFirst().orElse(javaBin);
    } catch (IOException | InterruptedException e) {
      return javaBin;
    }
  }

  Process start(Path dir) throws IOException {
    port = freePort();
    base = "http://127.0.0.1:" + port;
    List<String> cmd = new ArrayList<>();
    cmd.add(javaBin);
    cmd.addAll(serverFlags);
    cmd.add("-jar");
    cmd.add(jar.toAbsolutePath().toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("TANDEM_") || k.equals("JAVA_TOOL_OPTIONS") || k.equals("JDK_JAVA_OPTIONS"));
    env.put("TANDEM_HTTP_PORT", Integer.toString(port));
    env.put("TANDEM_STORE_EMBEDDED_PORT", "0");
    env.put("TANDEM_STORE_DATA_DIR", dir.resolve("data").toString());
    env.put("TANDEM_CHECKINS_MAX_BATCH", "200");
    pb.redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile());
    Process p = pb.start();
    Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
    return p;
  }

  void awaitReady(Process p, Path dir) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException("server exited:\n" + Files.readString(dir.resolve("server.log")));
      }
      try {
        if (http.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(), HttpResponse.BodyHandlers.discarding())
            .statusCode() == 200) {
          return;
        }
      } catch (ConnectException e) {
        // not yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("server not ready in 120 s");
  }

  static void log(String s) {
    System.err.println("[checkins-bench] " + s);
  }
}

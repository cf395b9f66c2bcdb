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
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tandem visits benchmark against a real server child (fat jar, embedded store, demo clinic):
 * sequential and concurrent booking latency (every booking claims 5-minute slots for each
 * participant, writes the visit, confirms the claims and audits), contention rounds where many
 * requests race for one slot (exactly one must win each round), and Jitsi token minting.
 *
 * <pre>
 *   java bench/VisitsBench.java [--jar target/tandem.jar] [--bookings 300] [--workers 8]
 *                               [--rounds 30] [--racers 16] [--tokens 300]
 * </pre>
 * Results are printed, not committed. Load generator and server share the machine.
 */
public final class VisitsBench {
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  static final Pattern ID = Pattern.compile("\"id\":\"([A-Za-z0-9_-]+)\"");
  static String base;

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new java.util.HashMap<>(Map.of("--jar", "target/tandem.jar", "--bookings", "300", "--workers", "8",
        "--rounds", "30", "--racers", "16", "--tokens", "300"));
    for (int i = 0; i + 1 < args.length; i += 2) {
      o.put(args[i], args[i + 1]);
    }
    Path dir = Files.createTempDirectory("visits-bench");
    int port = freePort();
    base = "http://127.0.0.1:" + port;
    ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xms128m", "-Xmx512m",
        "-jar", Path.of(o.get("--jar")).toAbsolutePath().toString()).directory(dir.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("TANDEM_"));
    pb.environment().put("TANDEM_HTTP_PORT", Integer.toString(port));
    pb.environment().put("TANDEM_STORE_EMBEDDED_PORT", "0");
    pb.environment().put("TANDEM_STORE_DATA_DIR", dir.resolve("data").toString());
    pb.environment().put("TANDEM_VISITS_JITSI_APP_SECRET", "bench-secret-bench-secret-bench-secret");
    pb.environment().put("TANDEM_IDENTITY_LOGIN_THROTTLE_MAX_FAILURES_PER_ADDRESS", "100000");
    pb.redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile());
    long t0 = System.nanoTime();
    Process server = pb.start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::destroyForcibly));
    try {
      awaitReady(server, t0);
      System.out.printf(Locale.ROOT, "server ready in %.2f s%n", (System.nanoTime() - t0) / 1e9);
      run(o, server);
    } finally {
      server.destroy();
      server.waitFor();
    }
  }

  static void run(Map<String, String> o, Process server) throws Exception {
    String lee = login("lee");
    String leeId = find(get(lee, "/api/v1/me"), ID);
    List<String> patients = new ArrayList<>();
    Matcher m = Pattern.compile("\"id\":\"([A-Za-z0-9_-]+)\",\"email\":\"(ana|eve|david)@").matcher(get(lee, "/api/v1/patients"));
    while (m.find()) {
      patients.add(m.group(1));
    }
    // Jordan Lee has no working hours, so every future 5-minute mark is bookable; slots never repeat across phases.
    long slot0 = Instant.now().getEpochSecond() / 300 * 300 + 3 * 86400;
    AtomicInteger next = new AtomicInteger();

    int n = Integer.parseInt(o.get("--bookings"));
    List<Long> seq = new ArrayList<>();
    long t = System.nanoTime();
    for (int i = 0; i < n; i++) {
      long s = System.nanoTime();
      expect(201, book(lee, patients.get(i % patients.size()), leeId, slot0 + 600L * next.getAndIncrement()));
      seq.add(System.nanoTime() - s);
    }
    report("sequential booking", seq, (System.nanoTime() - t) / 1e9);

    int workers = Integer.parseInt(o.get("--workers"));
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(workers, Integer.parseInt(o.get("--racers"))));
    List<Long> conc = Collections.synchronizedList(new ArrayList<>());
    t = System.nanoTime();
    List<Future<?>> fs = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      fs.add(pool.submit(() -> {
        for (int i = 0; i < n / workers; i++) {
          long s = System.nanoTime();
          int k = next.getAndIncrement();
          expect(201, book(lee, patients.get(k % patients.size()), leeId, slot0 + 600L * k));
          conc.add(System.nanoTime() - s);
        }
        return null;
      }));
    }
    for (Future<?> f : fs) {
      f.get();
    }
    report(workers + " concurrent bookers", conc, (System.nanoTime() - t) / 1e9);

    int rounds = Integer.parseInt(o.get("--rounds"));
    int racers = Integer.parseInt(o.get("--racers"));
    List<Long> roundTimes = new ArrayList<>();
    int badRounds = 0;
    for (int r = 0; r < rounds; r++) {
      long slot = slot0 + 600L * next.getAndIncrement();
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Integer>> race = new ArrayList<>();
      for (int i = 0; i < racers; i++) {
        String p = patients.get(i % patients.size());
        race.add(pool.submit(() -> {
          go.await();
          return book(lee, p, leeId, slot).statusCode();
        }));
      }
      long s = System.nanoTime();
      go.countDown();
      int won = 0;
      for (Future<Integer> f : race) {
        int st = f.get();
        if (st == 201) {
          won++;
        } else if (st != 409) {
          throw new IllegalStateException("unexpected status " + st);
        }
      }
      roundTimes.add(System.nanoTime() - s);
      badRounds += won == 1 ? 0 : 1;
    }
    report(rounds + " rounds of " + racers + " racing for one slot (" + badRounds + " rounds without exactly one winner)",
        roundTimes, 0);
    pool.shutdown();

    // Ana's demo therapy session with Sam Okafor opens at once: mint his token repeatedly (each mint is audited).
    String okafor = login("okafor");
    String body = get(okafor, "/api/v1/visits");
    Matcher v = Pattern.compile("\"id\":\"([A-Za-z0-9_-]+)\",\"patientId\"").matcher(body);
    if (!v.find()) {
      throw new IllegalStateException("no demo visit for okafor: " + body);
    }
    String visitId = v.group(1);
    List<Long> tokens = new ArrayList<>();
    int tn = Integer.parseInt(o.get("--tokens"));
    t = System.nanoTime();
    for (int i = 0; i < tn; i++) {
      long s = System.nanoTime();
      expect(200, send(okafor, "POST", "/api/v1/visits/" + visitId + "/token", null));
      tokens.add(System.nanoTime() - s);
    }
    report("token minting (sequential)", tokens, (System.nanoTime() - t) / 1e9);
    String rss = Files.readAllLines(Path.of("/proc/" + server.pid() + "/status")).stream().filter(l -> l.startsWith("VmRSS"))
        .findFirst().orElse("VmRSS: ?");
    System.out.println("server " + rss.replaceAll("\\s+", " "));
  }

  static HttpResponse<String> book(String token, String patientId, String clinicianId, long epochSecond) throws Exception {
    String json = "{\"patientId\":\"" + patientId + "\",\"type\":\"intake\",\"start\":\"" + Instant.ofEpochSecond(epochSecond)
        + "\",\"durationMinutes\":5,\"clinicianIds\":[\"" + clinicianId + "\"]}";
    return send(token, "POST", "/api/v1/visits", json);
  }

  static void report(String what, List<Long> nanos, double seconds) {
    List<Long> s = new ArrayList<>(nanos);
    Collections.sort(s);
    String rate = seconds > 0 ? String.format(Locale.ROOT, ", %.0f/s", s.size() / seconds) : "";
    System.out.printf(Locale.ROOT, "%-70s n=%d p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms%s%n", what, s.size(),
        pct(s, 50), pct(s, 95), pct(s, 99), s.get(s.size() - 1) / 1e6, rate);
  }

  static double pct(List<Long> sorted, int p) {
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1)) / 1e6;
  }

  static String login(String key) throws Exception {
    HttpResponse<String> r = send(null, "POST", "/api/v1/auth/login", "{\"email\":\"" + key
        + "@tandem-demo.org\",\"password\":\"tandem-demo-2026\",\"client\":\"app\"}");
    expect(200, r);
    return find(r.body(), Pattern.compile("\"token\":\"([^\"]+)\""));
  }

  static String get(String token, String path) throws Exception {
    HttpResponse<String> r = send(token, "GET", path, null);
    expect(200, r);
    return r.body();
  }

  static HttpResponse<String> send(String token, String method, String path, String json) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
    if (json != null) {
      b.header("Content-Type", "application/json");
    }
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static void expect(int status, HttpResponse<String> r) {
    if (r.statusCode() != status) {
      throw new IllegalStateException("expected " + status + " from " + r.request().uri() + ", got " + r.statusCode() + ": " + r.body());
    }
  }

  static String find(String text, Pattern p) {
    Matcher m = p.matcher(text);
    if (!m.find()) {
      throw new IllegalStateException("not found in " + text);
    }
    return m.group(1);
  }

  static void awaitReady(Process p, long t0) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/health/ready")).timeout(Duration.ofSeconds(2)).build();
    while (System.nanoTime() - t0 < Duration.ofSeconds(90).toNanos()) {
      try {
        if (HTTP.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (ConnectException e) {
        // not listening yet
      } catch (IOException e) {
        // starting
      }
      if (!p.isAlive()) {
        throw new IllegalStateException("server exited with " + p.exitValue());
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("server not ready in 90 s");
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
}

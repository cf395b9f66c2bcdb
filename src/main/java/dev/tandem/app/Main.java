package dev.tandem.app;

import dev.tandem.config.ConfigException;
import dev.tandem.config.Settings;
import dev.tandem.config.TandemConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Command line: {@code tandem [--config FILE] [serve | audit-verify | create-admin EMAIL NAME]}.
 * Exit codes: 0 ok, 1 failure (or a broken audit chain), 2 bad configuration or usage.
 */
public final class Main {
  private Main() {
  }

  public static void main(String[] args) {
    long t0 = System.nanoTime();
    List<String> rest = new ArrayList<>();
    Path configFile = System.getenv("TANDEM_CONFIG") == null ? null : Path.of(System.getenv("TANDEM_CONFIG"));
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        configFile = Path.of(args[++i]);
      } else if (args[i].equals("--help") || args[i].equals("-h")) {
        usage();
        System.exit(0);
      } else {
        rest.add(args[i]);
      }
    }
    String command = rest.isEmpty() ? "serve" : rest.get(0);
    TandemConfig cfg;
    try {
      Settings settings = TandemConfig.loadSettings(configFile, System.getenv());
      cfg = TandemConfig.from(settings);
    } catch (ConfigException e) {
      System.err.println("tandem: config error: " + e.getMessage());
      System.exit(2);
      return;
    }
    switch (command) {
      case "serve" -> serve(cfg, t0);
      case "audit-verify" -> System.exit(Cli.auditVerify(cfg));
      case "rotate-keys" -> System.exit(Cli.rotateKeys(cfg));
      case "create-admin" -> {
        if (rest.size() != 3) {
          usage();
          System.exit(2);
        }
        System.exit(Cli.createAdmin(cfg, rest.get(1).toLowerCase(Locale.ROOT), rest.get(2)));
      }
      default -> {
        usage();
        System.exit(2);
      }
    }
  }

  private static void usage() {
    System.out.println("""
        usage: tandem [--config FILE] [command]
          serve                      start the server (default)
          audit-verify               check the audit log's hash chain; exit 1 if broken
          rotate-keys                add a master key version and re-wrap every data key under it
          create-admin EMAIL NAME    create an admin account and print its one-time setup link
        Settings: config/tandem.yaml, overridable by TANDEM_* environment variables.""");
  }

  private static void serve(TandemConfig cfg, long t0) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)))
        .withMetrics(new GuardedMetricsFactory(new MicrometerMetricsFactory(registry)))
        .build();
    MainVerticle app = new MainVerticle(cfg, Clock.systemUTC(), registry);
    vertx.deployVerticle(app).onSuccess(id -> {
      double secs = (System.nanoTime() - t0) / 1e9;
      Banner.print(cfg, app, secs);
    }).onFailure(t -> {
      Throwable root = t;
      while (!(root instanceof ConfigException) && root.getCause() != null) {
        root = root.getCause();
      }
      if (root instanceof ConfigException ce) {
        System.err.println("tandem: config error: " + ce.getMessage());
        vertx.close();
        Runtime.getRuntime().halt(2);
      }
      System.err.println("tandem: could not start: " + t.getMessage());
      org.slf4j.LoggerFactory.getLogger(Main.class).error("start failed", t);
      vertx.close();
      Runtime.getRuntime().halt(1);
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      CountDownLatch done = new CountDownLatch(1);
      vertx.close().onComplete(ar -> done.countDown());
      try {
        done.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "tandem-shutdown"));
  }
}

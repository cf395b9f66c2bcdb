package dev.tandem.app;

import dev.tandem.config.TandemConfig;
import java.util.Locale;

/** What a newcomer needs after start: where to go, where the data is, how to log in. */
final class Banner {
  private Banner() {
  }

  static void print(TandemConfig cfg, MainVerticle app, double seconds) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%nTandem is ready at %s  (profile %s, started in %.1f s)%n", app.baseUrl(),
        cfg.profile().name().toLowerCase(Locale.ROOT), seconds));
    if (app.store().embeddedPort() > 0) {
      sb.append(String.format("Embedded MongoDB store: %s/%s   (data in %s; mongosh, Compass or pymongo can connect)%n",
          app.store().embeddedConnectionString(), cfg.store().database(), cfg.store().dataDir().resolve("store").toAbsolutePath()));
    } else {
      sb.append("External MongoDB store: database ").append(cfg.store().database()).append('\n');
    }
    if (app.keys().isDevelopment()) {
      sb.append("Using a generated development key (").append(cfg.crypto().masterKeyFile())
          .append("); production needs TANDEM_CRYPTO_MASTER_KEY.\n");
    }
    if (cfg.demo().enabled()) {
      sb.append(String.format("%nDemo clinic: every account's password is  %s%n", cfg.demo().password().value()));
      for (DemoClinic.Account a : DemoClinic.accounts()) {
        sb.append(String.format("  %-11s %-26s %s%n", a.role().wire(), a.email(), a.name()));
      }
    }
    sb.append("\nHealth: ").append(app.baseUrl()).append("/health   Metrics: ").append(app.baseUrl())
        .append("/metrics   API: ").append(app.baseUrl()).append("/api/v1/openapi.yaml\n");
    System.out.println(sb);
    System.out.flush();
  }
}

package dev.tandem.config;

/** The demo clinic seeded on first start of a development instance. */
public record DemoConfig(boolean enabled, Secret password, boolean checkinHistory) {

  static DemoConfig from(Settings s) {
    boolean enabled = s.bool("demo.enabled");
    Secret password = s.secret("demo.password");
    if (enabled && password.value().length() < 12) {
      throw new ConfigException("demo.password", "must be at least 12 characters");
    }
    return new DemoConfig(enabled, password, s.bool("demo.checkin-history"));
  }
}

package dev.tandem.config;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The whole validated configuration, one immutable record per feature. */
public record TandemConfig(Profile profile, HttpConfig http, StoreConfig store, CryptoConfig crypto,
    IdentityConfig identity, DemoConfig demo, MessagingConfig messaging, EducationConfig education, VisitsConfig visits,
    CheckinsConfig checkins) {

  public static final String DEFAULTS_RESOURCE = "/config/tandem.yaml";

  /** Validates every setting; fails with a {@link ConfigException} naming the first bad key. */
  public static TandemConfig from(Settings s) {
    Profile profile = s.oneOf("profile", Profile.class);
    StoreConfig store = StoreConfig.from(s);
    TandemConfig c = new TandemConfig(profile, HttpConfig.from(s), store, CryptoConfig.from(s, store),
        IdentityConfig.from(s), DemoConfig.from(s), MessagingConfig.from(s),
        EducationConfig.from(s), VisitsConfig.from(s), CheckinsConfig.from(s));
    if (profile == Profile.PRODUCTION && c.demo.enabled()) {
      throw new ConfigException("demo.enabled", "must be false in the production profile (no demo data in production)");
    }
    return c;
  }

  /**
   * Reads the defaults (config/tandem.yaml in the working directory, else the copy in the jar),
   * an optional operator file, and the environment.
   */
  public static Settings loadSettings(Path operatorFile, Map<String, String> env) {
    Path local = Path.of("config", "tandem.yaml");
    try (InputStream in = Files.isRegularFile(local) ? Files.newInputStream(local)
        : TandemConfig.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new ConfigException("config", "no config/tandem.yaml found");
      }
      return Settings.load(in, operatorFile, env);
    } catch (java.io.IOException e) {
      throw new ConfigException("config", "cannot read config/tandem.yaml: " + e.getMessage());
    }
  }
}

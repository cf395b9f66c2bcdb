package dev.tandem.config;

import java.nio.file.Path;

/** Where data lives: the embedded MongoDB-protocol server or an external MongoDB. */
public record StoreConfig(Mode mode, Path dataDir, String database, String embeddedHost, int embeddedPort,
    boolean syncOnCommit, Secret connectionString) {

  public enum Mode { EMBEDDED, EXTERNAL }

  static StoreConfig from(Settings s) {
    Mode mode = s.oneOf("store.mode", Mode.class);
    Secret conn = s.secret("store.external.connection-string");
    if (mode == Mode.EXTERNAL && !conn.value().startsWith("mongodb")) {
      throw new ConfigException("store.external.connection-string",
          "must be a mongodb:// or mongodb+srv:// connection string when store.mode is external");
    }
    String db = s.nonEmpty("store.database");
    if (!db.matches("[A-Za-z0-9_-]{1,63}")) {
      throw new ConfigException("store.database", "must be 1-63 letters, digits, '_' or '-'");
    }
    return new StoreConfig(mode, Path.of(s.nonEmpty("store.data-dir")), db, s.nonEmpty("store.embedded.host"),
        s.integer("store.embedded.port", 0, 65535), s.bool("store.embedded.sync-on-commit"), conn);
  }
}

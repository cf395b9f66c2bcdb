package dev.tandem.config;

import java.nio.file.Path;

/** Where the master key comes from: an environment value, a file, or a generated development file. */
public record CryptoConfig(Secret masterKey, Path masterKeyFile) {

  static CryptoConfig from(Settings s, StoreConfig store) {
    String file = s.string("crypto.master-key-file");
    Path path = file.isEmpty() ? store.dataDir().resolve("keys").resolve("master.key") : Path.of(file);
    return new CryptoConfig(s.secret("crypto.master-key"), path);
  }
}

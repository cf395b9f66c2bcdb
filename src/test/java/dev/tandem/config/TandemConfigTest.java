package dev.tandem.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TandemConfigTest {

  private static Settings defaults(Map<String, String> env) {
    return TandemConfig.loadSettings(null, env);
  }

  @Test
  void theShippedDefaultsAreValidAndSafe() {
    TandemConfig c = TandemConfig.from(defaults(Map.of()));
    assertEquals(Profile.DEVELOPMENT, c.profile());
    assertEquals("127.0.0.1", c.http().host());
    assertEquals(8080, c.http().port());
    assertEquals(StoreConfig.Mode.EMBEDDED, c.store().mode());
    assertEquals("127.0.0.1", c.store().embeddedHost());
    assertEquals(Duration.ofMinutes(30), c.identity().idleTimeout());
    assertEquals(Duration.ofHours(12), c.identity().absoluteLifetime());
    assertEquals(19456, c.identity().argon2MemoryKib());
    assertFalse(c.http().tls());
  }

  @Test
  void everySettingIsOverriddenByTheEnvironmentVariableNamedAfterIt() {
    Settings s = defaults(Map.of());
    for (String key : s.keys()) {
      String env = Settings.envName(key);
      assertTrue(env.matches("TANDEM_[A-Z0-9_]+"), env);
      Settings overridden = defaults(Map.of(env, "sentinel-value"));
      assertEquals("sentinel-value", overridden.string(key), key);
    }
    assertEquals("TANDEM_HTTP_PORT", Settings.envName("http.port"));
    assertEquals("TANDEM_STORE_DATA_DIR", Settings.envName("store.data-dir"));
    TandemConfig c = TandemConfig.from(defaults(Map.of("TANDEM_HTTP_PORT", "9090", "TANDEM_STORE_DATA_DIR", "/srv/tandem")));
    assertEquals(9090, c.http().port());
    assertEquals(Path.of("/srv/tandem"), c.store().dataDir());
  }

  @Test
  void aBadValueNamesTheKeyAndTheProblemInOneLine() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> TandemConfig.from(defaults(Map.of("TANDEM_HTTP_PORT", "eighty"))));
    assertEquals("http.port", e.key());
    assertTrue(e.getMessage().startsWith("http.port: "), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
    assertEquals("identity.session.idle-timeout", assertThrows(ConfigException.class,
        () -> TandemConfig.from(defaults(Map.of("TANDEM_IDENTITY_SESSION_IDLE_TIMEOUT", "soon")))).key());
    assertEquals("store.mode", assertThrows(ConfigException.class,
        () -> TandemConfig.from(defaults(Map.of("TANDEM_STORE_MODE", "postgres")))).key());
    assertEquals("store.external.connection-string", assertThrows(ConfigException.class,
        () -> TandemConfig.from(defaults(Map.of("TANDEM_STORE_MODE", "external")))).key());
    assertEquals("http.tls.key-file", assertThrows(ConfigException.class,
        () -> TandemConfig.from(defaults(Map.of("TANDEM_HTTP_TLS_CERT_FILE", "/x.pem")))).key());
    assertEquals("identity.password.min-length", assertThrows(ConfigException.class,
        () -> TandemConfig.from(defaults(Map.of("TANDEM_IDENTITY_PASSWORD_MIN_LENGTH", "6")))).key());
  }

  @Test
  void theProductionProfileRefusesDemoData() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> TandemConfig.from(defaults(Map.of("TANDEM_PROFILE", "production"))));
    assertEquals("demo.enabled", e.key());
    TandemConfig ok = TandemConfig.from(defaults(Map.of("TANDEM_PROFILE", "production", "TANDEM_DEMO_ENABLED", "false")));
    assertEquals(Profile.PRODUCTION, ok.profile());
  }

  @Test
  void anOperatorFileMaySetOnlyKnownKeys() throws Exception {
    Path f = Files.createTempFile("tandem", ".yaml");
    Files.writeString(f, "http:\n  port: 9999\n");
    try (var in = new ByteArrayInputStream(Files.readAllBytes(Path.of("config/tandem.yaml")))) {
      assertEquals("9999", Settings.load(in, f, Map.of()).string("http.port"));
    }
    Files.writeString(f, "http:\n  prot: 9999\n");
    try (var in = new ByteArrayInputStream(Files.readAllBytes(Path.of("config/tandem.yaml")))) {
      assertEquals("http.prot", assertThrows(ConfigException.class, () -> Settings.load(in, f, Map.of())).key());
    }
    Files.writeString(f, "http: [unclosed\n");
    try (var in = new ByteArrayInputStream("a: 1\n".getBytes(StandardCharsets.UTF_8))) {
      assertEquals("config", assertThrows(ConfigException.class, () -> Settings.load(in, f, Map.of())).key());
    }
  }

  @Test
  void secretsAreRedactedWhenPrinted() {
    TandemConfig c = TandemConfig.from(defaults(Map.of("TANDEM_STORE_EXTERNAL_CONNECTION_STRING",
        "mongodb://user:hunter2@db:27017", "TANDEM_CRYPTO_MASTER_KEY", "c2VjcmV0")));
    assertFalse(c.toString().contains("hunter2"), c.toString());
    assertFalse(c.toString().contains("c2VjcmV0"), c.toString());
    assertTrue(c.toString().contains("redacted"));
  }
}

package dev.tandem.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import dev.tandem.testing.TestTandem;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The real launcher in a child JVM: configuration errors, production refusals, operator commands. */
@ExtendWith(VertxExtension.class)
class CommandLineIT {

  record Run(int exit, String out, String err) {
  }

  static Run tandem(Map<String, String> env, String... args) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new java.util.ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("TANDEM_"));
    pb.environment().putAll(env);
    Path out = Files.createTempFile("cli", ".out");
    Path err = Files.createTempFile("cli", ".err");
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("tandem did not exit; stdout: " + Files.readString(out));
    }
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
  }

  private static Map<String, String> isolated() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("TANDEM_STORE_DATA_DIR", Files.createTempDirectory("cli-data").toString());
    env.put("TANDEM_HTTP_PORT", "0");
    env.put("TANDEM_STORE_EMBEDDED_PORT", "0");
    return env;
  }

  @Test
  void aBadSettingStopsStartUpWithOneLineAndExitCode2() throws Exception {
    Map<String, String> env = isolated();
    env.put("TANDEM_HTTP_PORT", "eighty");
    Run r = tandem(env);
    assertEquals(2, r.exit(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().startsWith("tandem: config error: http.port: "), r.err());
  }

  @Test
  void productionRefusesDemoDataAndGeneratedKeys() throws Exception {
    Map<String, String> env = isolated();
    env.put("TANDEM_PROFILE", "production");
    Run demo = tandem(env);
    assertEquals(2, demo.exit());
    assertTrue(demo.err().contains("demo.enabled"), demo.err());

    env.put("TANDEM_DEMO_ENABLED", "false");
    Run noKey = tandem(env);
    assertEquals(2, noKey.exit(), noKey.err());
    assertTrue(noKey.err().contains("crypto.master-key"), noKey.err());

    // A development key generated earlier in this data directory is refused too.
    Path keyFile = Path.of(env.get("TANDEM_STORE_DATA_DIR"), "keys", "master.key");
    dev.tandem.crypto.KeyRing.fromFile(keyFile, true);
    Run devKey = tandem(env);
    assertEquals(2, devKey.exit(), devKey.err());
    assertTrue(devKey.err().contains("crypto.master-key-file: is a generated development key"), devKey.err());
  }

  @Test
  void auditVerifyReportsTheFirstBrokenEntryOfARunningServer(Vertx vertx) throws Exception {
    try (TestTandem t = TestTandem.start(vertx)) {
      Map<String, String> env = new HashMap<>();
      env.put("TANDEM_STORE_DATA_DIR", t.dataDir().toString());
      env.put("TANDEM_STORE_EMBEDDED_PORT", Integer.toString(t.app().store().embeddedPort()));
      Run ok = tandem(env, "audit-verify");
      assertEquals(0, ok.exit(), ok.out() + ok.err());
      assertTrue(ok.out().contains("audit chain intact"), ok.out());
      try (MongoClient c = MongoClients.create(t.mongoUri())) {
        c.getDatabase("tandem").getCollection("audit").updateOne(Filters.eq("_id", 4L), Updates.set("type", "nothing"));
      }
      Run broken = tandem(env, "audit-verify");
      assertEquals(1, broken.exit(), broken.out() + broken.err());
      assertTrue(broken.out().contains("BROKEN at entry 4"), broken.out());
    }
  }

  @Test
  void createAdminBootstrapsAnAccountWithASetupLink(Vertx vertx) throws Exception {
    Map<String, String> env = isolated();
    env.put("TANDEM_HTTP_PUBLIC_URL", "https://tandem.example.org");
    Run r = tandem(env, "create-admin", "Ops@Example.org", "Olive Ops");
    assertEquals(0, r.exit(), r.out() + r.err());
    assertTrue(r.out().contains("https://tandem.example.org/invite.html?token="), r.out());
    Run again = tandem(env, "create-admin", "ops@example.org", "Olive Ops");
    assertEquals(1, again.exit());
    assertTrue(again.err().contains("already exists"), again.err());
  }
}

package dev.tandem.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/java.sh, which chooses the java that bin/tandem and the benchmarks run the server on: the
 * newest Java 17+ among PATH, JAVA_HOME and the JVM root, or TANDEM_JAVA. Fake JDKs (a release file
 * and a bin/java script) stand in for real ones; the script is run by bash as the launchers source it.
 */
class JavaChoiceTest {
  @TempDir
  Path tmp;

  private record Result(int exit, String out, String err) {}

  /** A fake JDK home under {@code parent}: a release file with the version, and a bin/java that prints it. */
  private Path jdk(Path parent, String name, String version, boolean releaseFile) throws IOException {
    Path home = parent.resolve(name);
    Files.createDirectories(home.resolve("bin"));
    if (releaseFile) {
      Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"" + version + "\"\nOS_NAME=\"Linux\"\n");
    }
    Path java = home.resolve("bin/java");
    Files.writeString(java, "#!/bin/sh\necho 'openjdk version \"" + version + "\" 2026-01-01' >&2\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    return java;
  }

  /** A PATH with the tools the script uses (readlink, dirname, sed) and no java. */
  private String toolsWithoutJava() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("tools"));
    for (String tool : List.of("readlink", "dirname", "sed")) {
      Path link = dir.resolve(tool);
      if (!Files.exists(link)) {
        Path real = Files.exists(Path.of("/usr/bin", tool)) ? Path.of("/usr/bin", tool) : Path.of("/bin", tool);
        Files.createSymbolicLink(link, real);
      }
    }
    return dir.toString();
  }

  /** Runs {@code script} with bash in the project directory, its environment adjusted by {@code env}. */
  private static Result bash(String script, Consumer<Map<String, String>> env) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", script);
    env.accept(pb.environment());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    return new Result(p.exitValue(), out, err);
  }

  private Result choose(Map<String, String> env) throws Exception {
    return bash("source bin/java.sh && echo \"$TANDEM_JAVA|$TANDEM_JAVA_FEATURE|$TANDEM_JAVA_VERSION\"", e -> {
      e.keySet().removeIf(k -> k.equals("TANDEM_JAVA") || k.equals("JAVA_HOME") || k.equals("TANDEM_JVM_ROOT"));
      e.put("PATH", "/usr/bin:/bin");
      e.putAll(env);
    });
  }

  /** The script chose {@code expected} ("binary|feature|version") and succeeded. */
  private static void assertChosen(String expected, Result r) {
    assertEquals(0, r.exit(), r.err());
    assertEquals(expected, r.out());
  }

  /** The script refused with exit code 2 and said each of {@code words}. */
  private static void assertRefused(Result r, String... words) {
    assertEquals(2, r.exit());
    for (String w : words) {
      assertTrue(r.err().contains(w), r.err());
    }
  }

  @Test
  void takesTheNewestJavaOf17OrLaterFromPathJavaHomeAndTheJvmRoot() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("jvm"));
    jdk(root, "jdk-17", "17.0.15", true);
    Path newest = jdk(root, "temurin-25", "25.0.3", true);
    jdk(root, "jdk-21", "21.0.5", true);
    jdk(root, "jdk-8", "1.8.0_392", true);
    Path onPath = jdk(tmp.resolve("elsewhere"), "jdk-17", "17.0.2", true);
    Result r = choose(Map.of("TANDEM_JVM_ROOT", root.toString(), "PATH", onPath.getParent() + ":/usr/bin:/bin"));
    assertChosen(newest.toRealPath() + "|25|25.0.3", r);

    // A newer one in JAVA_HOME outside the root wins too.
    Path home = jdk(tmp.resolve("opt"), "jdk-26", "26-ea", true);
    r = choose(Map.of("TANDEM_JVM_ROOT", root.toString(), "JAVA_HOME", home.getParent().getParent().toString()));
    assertChosen(home.toRealPath() + "|26|26-ea", r);
  }

  @Test
  void asksTheJavaItsVersionWhenItsHomeHasNoReleaseFile() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("jvm"));
    jdk(root, "jdk-17", "17.0.15", true);
    Path bare = jdk(root, "jre-21", "21.0.5", false);
    Result r = choose(Map.of("TANDEM_JVM_ROOT", root.toString()));
    assertChosen(bare.toRealPath() + "|21|21.0.5", r);
  }

  @Test
  void tandemJavaOverridesTheChoice() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("jvm"));
    jdk(root, "temurin-25", "25.0.3", true);
    Path chosen = jdk(tmp.resolve("mine"), "jdk-17", "17.0.15", true);
    Result r = choose(Map.of("TANDEM_JVM_ROOT", root.toString(), "TANDEM_JAVA", chosen.toString()));
    assertChosen(chosen + "|17|17.0.15", r);
  }

  @Test
  void refusesJavaOlderThan17AndAMissingBinary() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("jvm"));
    Path old = jdk(root, "jdk-11", "11.0.20", true);
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    Result r = choose(Map.of("TANDEM_JVM_ROOT", root.toString(), "PATH", toolsWithoutJava()));
    assertRefused(r, "Tandem needs Java 17 or later", "11.0.20");
    assertEquals("", r.out());

    r = choose(Map.of("TANDEM_JAVA", old.toString()));
    assertRefused(r, "Tandem needs Java 17 or later");

    r = choose(Map.of("TANDEM_JAVA", tmp.resolve("no/such/java").toString()));
    assertRefused(r, "is not an executable java binary");

    r = choose(Map.of("TANDEM_JVM_ROOT", empty.toString(), "PATH", toolsWithoutJava()));
    assertRefused(r, "No java found");
  }

  @Test
  void theDefaultFlagsAddCompactHeadersOnlyFromJava25() throws Exception {
    for (var c : List.of(List.of("17.0.15", "false"), List.of("25.0.3", "true"))) {
      Path java = jdk(tmp.resolve("v" + c.get(0)), "jdk", c.get(0), true);
      Result r = bash("source bin/jvm-flags.sh && echo \"$TANDEM_DEFAULT_JVM_FLAGS\"", e -> e.put("TANDEM_JAVA", java.toString()));
      String flags = r.out();
      assertEquals(0, r.exit());
      assertTrue(flags.contains("-XX:+UseG1GC -Xms128m -Xmx2g"), flags);
      assertEquals(Boolean.parseBoolean(c.get(1)), flags.contains("-XX:+UseCompactObjectHeaders"), c.get(0) + ": " + flags);
    }
  }

  /** bin/jvm-flags.sh with TANDEM_HUGE_PAGES and a fake kernel setting file; stdout, stderr, exit code. */
  private Result flagsWith(String hugePages, String kernelSetting) throws Exception {
    Path setting = tmp.resolve("thp-enabled");
    Files.writeString(setting, kernelSetting + "\n");
    Path java = jdk(tmp.resolve("thp"), "jdk", "25.0.3", true);
    return bash("source bin/jvm-flags.sh && tandem_startup_cache /srv/tandem.jar"
        + " && echo \"$TANDEM_DEFAULT_JVM_FLAGS|${TANDEM_BENCH_CLIENT_JVM_FLAGS[*]}|$TANDEM_STARTUP_CACHE\"", e -> {
          e.put("TANDEM_JAVA", java.toString());
          e.put("TANDEM_THP_SETTING", setting.toString());
          if (hugePages == null) {
            e.remove("TANDEM_HUGE_PAGES");
          } else {
            e.put("TANDEM_HUGE_PAGES", hugePages);
          }
        });
  }

  @Test
  void hugePagesOnlyWhenAskedForAndTheKernelHasThem() throws Exception {
    String thp = "-XX:+UseTransparentHugePages";
    // Off by default: the server flags go without; the load generators take them where the kernel has them.
    Result r = flagsWith(null, "always [madvise] never");
    assertEquals(0, r.exit(), r.err());
    String[] f = r.out().split("\\|", -1);
    assertFalse(f[0].contains(thp), r.out());
    assertEquals(thp, f[1]);
    assertEquals("/srv/tandem-java25.aot", f[2]);

    // On: the server too, and a start-up cache of its own (a cache belongs to its flags).
    for (String mode : List.of("always [madvise] never", "[always] madvise never")) {
      r = flagsWith("on", mode);
      assertEquals(0, r.exit(), r.err());
      f = r.out().split("\\|", -1);
      assertTrue(f[0].endsWith(" " + thp), r.out());
      assertEquals("/srv/tandem-java25-thp.aot", f[2]);
    }

    // On, but the kernel has them off: runs without, and says so; nobody's load generator asks for them.
    r = flagsWith("on", "always madvise [never]");
    assertEquals(0, r.exit(), r.err());
    f = r.out().split("\\|", -1);
    assertFalse(f[0].contains(thp), r.out());
    assertEquals("", f[1]);
    assertTrue(r.err().contains("transparent huge pages are off"), r.err());

    // Anything but on / off is refused before a server starts.
    r = flagsWith("yes", "always [madvise] never");
    assertEquals(2, r.exit());
    assertTrue(r.err().contains("TANDEM_HUGE_PAGES is on or off, not 'yes'"), r.err());
  }
}

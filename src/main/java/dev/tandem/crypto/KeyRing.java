package dev.tandem.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * Versioned master keys. Each version derives (HKDF-SHA256) a key-encryption key; the newest
 * version wraps new data keys, older ones still unwrap. Keys come from a value such as
 * {@code TANDEM_CRYPTO_MASTER_KEY} ("base64" or "v2:base64,v1:base64") or from a key file
 * with one {@code vN:base64} line per version. In development a key file is generated on first
 * start with owner-only permissions and marked as a development key.
 */
public final class KeyRing {
  public static final String DEV_MARKER = "# tandem development key";
  private final TreeMap<Integer, byte[]> keks;
  private final boolean development;

  private KeyRing(TreeMap<Integer, byte[]> masters, boolean development) {
    this.keks = new TreeMap<>();
    masters.forEach((v, k) -> keks.put(v, hkdf(k, "tandem kek v" + v)));
    this.development = development;
  }

  /** Parses "base64" or "vN:base64[,vM:base64...]"; the message never repeats the value. */
  public static KeyRing fromValue(String value, String source) {
    return new KeyRing(parse(value.replace('\n', ',').split(","), source), false);
  }

  /** Reads the key file, generating it first when {@code generateIfMissing}. */
  public static KeyRing fromFile(Path file, boolean generateIfMissing) throws IOException {
    if (!Files.exists(file)) {
      if (!generateIfMissing) {
        throw new CryptoException("key file not found: " + file);
      }
      generate(file);
    }
    String text = Files.readString(file, StandardCharsets.UTF_8);
    boolean dev = text.startsWith(DEV_MARKER);
    String[] lines = text.lines().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toArray(String[]::new);
    return new KeyRing(parse(lines, file.toString()), dev);
  }

  /** True when the keys came from a generated development file (production refuses these). */
  public boolean isDevelopment() {
    return development;
  }

  public int currentVersion() {
    return keks.lastKey();
  }

  /** The key-encryption key of a version; fails when that version is not configured. */
  byte[] kek(int version) {
    byte[] k = keks.get(version);
    if (k == null) {
      throw new CryptoException("master key version " + version + " is not configured");
    }
    return k;
  }

  public boolean has(int version) {
    return keks.containsKey(version);
  }

  public Map<Integer, Boolean> versions() {
    Map<Integer, Boolean> m = new TreeMap<>();
    keks.keySet().forEach(v -> m.put(v, v == currentVersion()));
    return m;
  }

  private static void generate(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    String body = DEV_MARKER + " (generated; not for production)\nv1:" + Base64.getEncoder().encodeToString(key) + "\n";
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(tmp);
    }
    Files.writeString(tmp, body, StandardCharsets.UTF_8);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private static TreeMap<Integer, byte[]> parse(String[] entries, String source) {
    TreeMap<Integer, byte[]> out = new TreeMap<>();
    for (String raw : entries) {
      String e = raw.trim();
      if (e.isEmpty()) {
        continue;
      }
      int version = 1;
      String b64 = e;
      int colon = e.indexOf(':');
      if (colon > 0) {
        try {
          version = Integer.parseInt(e.substring(0, colon).replaceFirst("^v", ""));
        } catch (NumberFormatException nfe) {
          throw new CryptoException("master key in " + source + " has a bad version label");
        }
        b64 = e.substring(colon + 1).trim();
      }
      byte[] key;
      try {
        key = Base64.getDecoder().decode(b64);
      } catch (IllegalArgumentException iae) {
        throw new CryptoException("master key in " + source + " is not valid base64");
      }
      if (key.length != 32) {
        throw new CryptoException("master key in " + source + " must be 32 bytes (256 bits)");
      }
      if (version < 1 || out.put(version, key) != null) {
        throw new CryptoException("master key in " + source + " repeats or has an invalid version");
      }
    }
    if (out.isEmpty()) {
      throw new CryptoException("no master key in " + source);
    }
    return out;
  }

  static byte[] hkdf(byte[] ikm, String info) {
    HKDFBytesGenerator gen = new HKDFBytesGenerator(new SHA256Digest());
    gen.init(new HKDFParameters(ikm, null, info.getBytes(StandardCharsets.UTF_8)));
    byte[] out = new byte[32];
    gen.generateBytes(out, 0, out.length);
    return out;
  }
}

package dev.tandem.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Holds the current key ring and swaps it at run time, so the master key can be rotated
 * without a restart: new data keys are wrapped under the newest version at once, and a rewrap
 * pass moves existing data keys over. Keys from a file can be rotated by Tandem itself (it
 * appends a new version); keys from the environment are rotated by restarting with
 * "v2:new,v1:old" and then running the rewrap.
 */
public final class KeyManager {
  private final Path file;
  private volatile KeyRing ring;

  public KeyManager(KeyRing ring, Path fileOrNull) {
    this.ring = ring;
    this.file = fileOrNull;
  }

  public KeyRing ring() {
    return ring;
  }

  /**
   * The ring, re-read from the key file first when it lacks {@code version}: another process
   * (the rotate-keys command) may have added a version while this server runs.
   */
  public KeyRing ringWith(int version) {
    KeyRing r = ring;
    if (r.has(version) || file == null) {
      return r;
    }
    synchronized (this) {
      try {
        KeyRing reloaded = KeyRing.fromFile(file, false);
        if (reloaded.has(version)) {
          ring = reloaded;
        }
      } catch (IOException | CryptoException e) {
        // Keep the current ring; the caller reports the missing version.
      }
      return ring;
    }
  }

  public boolean canGenerate() {
    return file != null;
  }

  /**
   * Appends a new random master key version to the key file and switches to it. Blocking file
   * I/O: call from a worker. Fails when keys come from the environment.
   */
  public synchronized int addVersion() throws IOException {
    if (file == null) {
      throw new CryptoException("master keys come from the environment; restart with a new version added, then rewrap");
    }
    int next = ring.currentVersion() + 1;
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Files.writeString(file, "v" + next + ":" + Base64.getEncoder().encodeToString(key) + "\n", StandardCharsets.UTF_8,
        StandardOpenOption.APPEND, StandardOpenOption.SYNC);
    ring = KeyRing.fromFile(file, false);
    return ring.currentVersion();
  }
}

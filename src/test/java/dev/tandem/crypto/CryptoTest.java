package dev.tandem.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class CryptoTest {
  private static String key() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    return Base64.getEncoder().encodeToString(k);
  }

  @Test
  void argon2idHashesVerifyOnlyTheRightPasswordAndCarryTheirParameters() {
    PasswordHasher h = new PasswordHasher(19456, 2, 1);
    String hash = h.hash("violet ferry lantern");
    assertTrue(hash.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), hash);
    assertTrue(h.verify("violet ferry lantern", hash));
    assertFalse(h.verify("violet ferry lanterN", hash));
    assertNotEquals(hash, h.hash("violet ferry lantern"), "salted");
    assertFalse(h.verify("x", "$argon2id$garbage"));
    assertFalse(h.needsRehash(hash));
    assertTrue(new PasswordHasher(65536, 3, 1).needsRehash(hash));
    // A hash made with other parameters still verifies.
    assertTrue(new PasswordHasher(8192, 1, 1).verify("violet ferry lantern", hash));
  }

  @Test
  void argon2idMatchesTheRfc9106TestVector() {
    // RFC 9106 §5.3 uses secret and associated data; BC's generator with only password+salt is
    // checked instead against a known PHC string produced by the reference implementation
    // (argon2 CLI: echo -n password | argon2 somesalt -id -t 2 -k 65536 -p 1 -l 32).
    String reference = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
    assertTrue(new PasswordHasher(65536, 2, 1).verify("password", reference));
  }

  @Test
  void envelopeEncryptionRoundTripsAndDetectsTamperingAndMovedCiphertext() {
    Envelope env = new Envelope(KeyRing.fromValue(key(), "test"));
    byte[] wrapped = env.newWrappedDataKey("conv-1");
    byte[] dk = env.unwrap(wrapped, "conv-1");
    byte[] ct = env.encrypt(dk, "I have been feeling low".getBytes(StandardCharsets.UTF_8), "conv-1/msg-1");
    assertEquals("I have been feeling low", new String(env.decrypt(dk, ct, "conv-1/msg-1"), StandardCharsets.UTF_8));
    byte[] tampered = ct.clone();
    tampered[tampered.length - 5] ^= 1;
    assertThrows(CryptoException.class, () -> env.decrypt(dk, tampered, "conv-1/msg-1"));
    assertThrows(CryptoException.class, () -> env.decrypt(dk, ct, "conv-1/msg-2"), "bound to its record");
    assertThrows(CryptoException.class, () -> env.unwrap(wrapped, "conv-2"), "data key bound to its owner");
  }

  @Test
  void rotatingTheMasterKeyRewrapsDataKeysWithoutReencryptingData() {
    String v1 = key();
    String v2 = key();
    Envelope old = new Envelope(KeyRing.fromValue("v1:" + v1, "test"));
    byte[] wrapped = old.newWrappedDataKey("p-1");
    byte[] ct = old.encrypt(old.unwrap(wrapped, "p-1"), "note".getBytes(StandardCharsets.UTF_8), "p-1/n-1");

    Envelope both = new Envelope(KeyRing.fromValue("v2:" + v2 + ",v1:" + v1, "test"));
    byte[] rewrapped = both.rewrap(wrapped, "p-1");
    assertEquals(1, both.wrappedVersion(wrapped));
    assertEquals(2, both.wrappedVersion(rewrapped));
    Envelope onlyNew = new Envelope(KeyRing.fromValue("v2:" + v2, "test"));
    assertArrayEquals("note".getBytes(StandardCharsets.UTF_8), onlyNew.decrypt(onlyNew.unwrap(rewrapped, "p-1"), ct, "p-1/n-1"));
    assertThrows(CryptoException.class, () -> onlyNew.unwrap(wrapped, "p-1"));
  }

  @Test
  void badKeysAreRefusedWithoutEchoingThem() {
    CryptoException e = assertThrows(CryptoException.class, () -> KeyRing.fromValue("c2hvcnQ=", "env"));
    assertFalse(e.getMessage().contains("c2hvcnQ="));
    assertThrows(CryptoException.class, () -> KeyRing.fromValue("not base64 !!", "env"));
    assertThrows(CryptoException.class, () -> KeyRing.fromValue("", "env"));
  }

  @Test
  void theDevelopmentKeyFileIsGeneratedOwnerOnlyAndMarked() throws Exception {
    Path dir = Files.createTempDirectory("keys");
    Path file = dir.resolve("sub").resolve("master.key");
    assertThrows(CryptoException.class, () -> KeyRing.fromFile(file, false));
    KeyRing ring = KeyRing.fromFile(file, true);
    assertTrue(ring.isDevelopment());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    KeyRing again = KeyRing.fromFile(file, true);
    Envelope a = new Envelope(ring);
    byte[] w = a.newWrappedDataKey("x");
    assertArrayEquals(a.unwrap(w, "x"), new Envelope(again).unwrap(w, "x"), "same key on restart");
    Path prod = dir.resolve("prod.key");
    Files.writeString(prod, "v1:" + key() + "\n");
    assertFalse(KeyRing.fromFile(prod, false).isDevelopment());
  }

  @Test
  void tokensAreLongRandomAndStoredOnlyAsFingerprints() {
    String t = Tokens.random(32);
    assertEquals(43, t.length());
    assertNotEquals(t, Tokens.random(32));
    assertEquals(64, Tokens.fingerprint(t).length());
    assertEquals(Tokens.fingerprint(t), Tokens.fingerprint(t));
  }
}

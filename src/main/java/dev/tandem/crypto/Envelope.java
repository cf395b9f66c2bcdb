package dev.tandem.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESWrapEngine;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * Envelope encryption. Bulk data: JDK AES-256-GCM (AES-NI) with associated data binding the
 * ciphertext to its record. Data keys: 256-bit, wrapped with AES key wrap (RFC 3394, Bouncy
 * Castle) under the key ring's current KEK; the wrapped form carries its KEK version so the
 * master key can be rotated by re-wrapping data keys only.
 */
public final class Envelope {
  private static final int NONCE = 12;
  private static final int TAG_BITS = 128;
  private static final byte FORMAT = 1;
  private final KeyManager keys;
  private final SecureRandom random = new SecureRandom();

  public Envelope(KeyRing ring) {
    this(new KeyManager(ring, null));
  }

  public Envelope(KeyManager keys) {
    this.keys = keys;
  }

  public int currentVersion() {
    return keys.ring().currentVersion();
  }

  /** A fresh data key, returned wrapped: [version:int][RFC 3394 wrapped key]. */
  public byte[] newWrappedDataKey(String keyId) {
    byte[] dk = new byte[32];
    random.nextBytes(dk);
    return wrap(dk, keyId, keys.ring().currentVersion());
  }

  /** Unwraps with whichever version wrapped it and wraps again under the current version. */
  public byte[] rewrap(byte[] wrapped, String keyId) {
    return wrap(unwrap(wrapped, keyId), keyId, keys.ring().currentVersion());
  }

  public int wrappedVersion(byte[] wrapped) {
    return ByteBuffer.wrap(wrapped).getInt();
  }

  public byte[] unwrap(byte[] wrapped, String keyId) {
    if (wrapped == null || wrapped.length != 4 + 40) {
      throw new CryptoException("wrapped data key is malformed");
    }
    int version = ByteBuffer.wrap(wrapped).getInt();
    AESWrapEngine engine = new AESWrapEngine();
    engine.init(false, new KeyParameter(KeyRing.hkdf(keys.ringWith(version).kek(version), "tandem dk " + keyId)));
    try {
      return engine.unwrap(wrapped, 4, 40);
    } catch (InvalidCipherTextException e) {
      throw new CryptoException("data key failed integrity check (wrong key or tampered)");
    }
  }

  /** AES-256-GCM; {@code aad} should name the record (e.g. conversation id + message id). */
  public byte[] encrypt(byte[] dataKey, byte[] plaintext, String aad) {
    byte[] nonce = new byte[NONCE];
    random.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(dataKey, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
      byte[] ct = c.doFinal(plaintext);
      return ByteBuffer.allocate(1 + NONCE + ct.length).put(FORMAT).put(nonce).put(ct).array();
    } catch (GeneralSecurityException e) {
      throw new CryptoException("encryption failed: " + e.getClass().getSimpleName());
    }
  }

  /** Fails with {@link CryptoException} when the ciphertext, its record binding or the key is wrong. */
  public byte[] decrypt(byte[] dataKey, byte[] sealed, String aad) {
    if (sealed == null || sealed.length < 1 + NONCE + TAG_BITS / 8 || sealed[0] != FORMAT) {
      throw new CryptoException("ciphertext is malformed");
    }
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(dataKey, "AES"), new GCMParameterSpec(TAG_BITS, sealed, 1, NONCE));
      c.updateAAD(aad.getBytes(StandardCharsets.UTF_8));
      return c.doFinal(sealed, 1 + NONCE, sealed.length - 1 - NONCE);
    } catch (AEADBadTagException e) {
      throw new CryptoException("ciphertext failed authentication (tampered or moved)");
    } catch (GeneralSecurityException e) {
      throw new CryptoException("decryption failed: " + e.getClass().getSimpleName());
    }
  }

  private byte[] wrap(byte[] dk, String keyId, int version) {
    AESWrapEngine engine = new AESWrapEngine();
    engine.init(true, new KeyParameter(KeyRing.hkdf(keys.ring().kek(version), "tandem dk " + keyId)));
    byte[] w = engine.wrap(dk, 0, dk.length);
    return ByteBuffer.allocate(4 + w.length).putInt(version).put(w).array();
  }
}

package dev.tandem.crypto;

/** A key is missing or a ciphertext failed authentication. Never carries key material. */
public final class CryptoException extends RuntimeException {
  public CryptoException(String message) {
    super(message);
  }
}

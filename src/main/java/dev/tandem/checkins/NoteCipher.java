package dev.tandem.checkins;

import dev.tandem.crypto.CryptoException;
import dev.tandem.crypto.Envelope;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * Encrypts check-in free text (notes, acknowledgement notes, medication reasons) at rest, like
 * messages: one data key per patient, wrapped by the key ring; each ciphertext's associated data
 * names its record, so ciphertexts cannot be moved between records.
 */
final class NoteCipher {
  private final CheckinStore store;
  private final Envelope envelope;
  private final Map<String, byte[]> keys = new HashMap<>();

  NoteCipher(CheckinStore store, Envelope envelope) {
    this.store = store;
    this.envelope = envelope;
  }

  static String keyId(String patientId) {
    return "checkins:" + patientId;
  }

  /** The patient's key for reading: null when none was ever made (a read never creates one). */
  Future<byte[]> existingKey(String patientId) {
    byte[] cached = keys.get(patientId);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    return store.key(patientId).map(k -> {
      if (k == null) {
        return null;
      }
      byte[] dk = envelope.unwrap(Base64.getDecoder().decode(k.getString("wrapped")), keyId(patientId));
      keys.put(patientId, dk);
      return dk;
    });
  }

  /** The patient's key for writing, created on first use. */
  Future<byte[]> key(String patientId) {
    byte[] cached = keys.get(patientId);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    return store.key(patientId).compose(k -> k != null ? Future.succeededFuture(k)
        : store.putKeyIfAbsent(patientId, new JsonObject().put("wrapped", Base64.getEncoder()
            .encodeToString(envelope.newWrappedDataKey(keyId(patientId)))).put("version", envelope.currentVersion())))
        .map(k -> {
          byte[] dk = envelope.unwrap(Base64.getDecoder().decode(k.getString("wrapped")), keyId(patientId));
          keys.put(patientId, dk);
          return dk;
        });
  }

  static String seal(Envelope envelope, byte[] dk, String text, String recordId) {
    return Base64.getEncoder().encodeToString(envelope.encrypt(dk, text.getBytes(StandardCharsets.UTF_8), recordId));
  }

  String seal(byte[] dk, String text, String recordId) {
    return seal(envelope, dk, text, recordId);
  }

  /** The plaintext, or null when it fails authentication (tampered or moved). */
  String open(byte[] dk, String sealed, String recordId) {
    if (sealed == null || dk == null) {
      return null;
    }
    try {
      return new String(envelope.decrypt(dk, Base64.getDecoder().decode(sealed), recordId), StandardCharsets.UTF_8);
    } catch (CryptoException | IllegalArgumentException e) {
      return null;
    }
  }
}

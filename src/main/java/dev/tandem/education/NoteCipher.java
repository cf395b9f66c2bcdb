package dev.tandem.education;

import dev.tandem.crypto.CryptoException;
import dev.tandem.crypto.Envelope;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Encrypts assignment notes like messaging encrypts bodies: AES-256-GCM under a data key per
 * patient, the data key stored only wrapped by the versioned master key (so key rotation is a
 * rewrap), the associated data binding each ciphertext to its assignment.
 */
final class NoteCipher {
  private final EducationStore store;
  private final Envelope envelope;
  private final Map<String, byte[]> keys = new ConcurrentHashMap<>();

  NoteCipher(EducationStore store, Envelope envelope) {
    this.store = store;
    this.envelope = envelope;
  }

  static String keyId(String patientId) {
    return "education-" + patientId;
  }

  private Future<byte[]> key(String patientId, boolean create) {
    byte[] cached = keys.get(patientId);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    return store.wrappedKey(patientId).compose(w -> {
      if (w == null && !create) {
        return Future.succeededFuture((String) null);
      }
      return w != null ? Future.succeededFuture(w) : store.putKeyIfAbsent(patientId,
          Base64.getEncoder().encodeToString(envelope.newWrappedDataKey(keyId(patientId))), envelope.currentVersion());
    }).map(w -> {
      if (w == null) {
        return null;
      }
      byte[] dk = envelope.unwrap(Base64.getDecoder().decode(w), keyId(patientId));
      keys.put(patientId, dk);
      return dk;
    });
  }

  /** The note sealed for {@code a}'s record (null note: null). */
  Future<String> seal(Assignment a, String note) {
    if (note == null || note.isBlank()) {
      return Future.succeededFuture(null);
    }
    return key(a.patientId(), true).map(dk -> Base64.getEncoder()
        .encodeToString(envelope.encrypt(dk, note.getBytes(StandardCharsets.UTF_8), a.noteAad())));
  }

  /** The note in clear; a ciphertext that fails authentication (tampered, moved) reads as null, never garbage. */
  Future<String> open(Assignment a) {
    if (a.noteCt() == null) {
      return Future.succeededFuture(null);
    }
    return key(a.patientId(), false).map(dk -> {
      if (dk == null) {
        return null;
      }
      try {
        return new String(envelope.decrypt(dk, Base64.getDecoder().decode(a.noteCt()), a.noteAad()), StandardCharsets.UTF_8);
      } catch (CryptoException | IllegalArgumentException e) {
        return null;
      }
    });
  }
}

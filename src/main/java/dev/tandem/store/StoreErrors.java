package dev.tandem.store;

import com.mongodb.MongoException;
import dev.tandem.http.ApiException;

/** Translates driver failures once, at the store boundary. */
public final class StoreErrors {
  private StoreErrors() {
  }

  public static boolean isDuplicateKey(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof MongoException me && (me.getCode() == 11000 || me.getCode() == 11001)) {
        return true;
      }
      if (c.getMessage() != null && c.getMessage().contains("E11000")) {
        return true;
      }
    }
    return false;
  }

  /** Duplicate key becomes a 409 with the given message; anything else passes through. */
  public static Throwable conflictOnDuplicate(Throwable t, String code, String message) {
    return isDuplicateKey(t) ? ApiException.conflict(code, message) : t;
  }
}

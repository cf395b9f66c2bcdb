package dev.tandem.store;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;

/** Copies of JSON documents that share what they do not change. */
public final class JsonCopies {
  private JsonCopies() {
  }

  /**
   * A new top level with the same values (nested objects and arrays are shared, not copied):
   * for documents whose nested values are never changed in place once made, where
   * {@link JsonObject#copy()} would copy the whole tree on every use (cached summaries and signal
   * histories, once per check-in upload).
   */
  public static JsonObject shallow(JsonObject o) {
    return new JsonObject(new LinkedHashMap<>(o.getMap()));
  }
}

package dev.tandem.visits;

import io.vertx.core.json.JsonObject;
import java.util.function.Predicate;

/** Live events of the visits feature, for {@link dev.tandem.testing.LiveSocket#await}. */
final class Live {
  private Live() {
  }

  static Predicate<JsonObject> type(String type, String visitId) {
    return e -> type.equals(e.getString("type")) && visitId.equals(e.getString("visitId"));
  }
}

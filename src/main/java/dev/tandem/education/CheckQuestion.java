package dev.tandem.education;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** One question of a module's comprehension check, in one language. */
public record CheckQuestion(String id, String text, List<Option> options, String answer, String explanation) {

  public record Option(String id, String text) {
  }

  /** What a reader is shown before answering: no correct answer, no explanation. */
  JsonObject toPublicJson() {
    JsonArray opts = new JsonArray();
    options.forEach(o -> opts.add(new JsonObject().put("id", o.id()).put("text", o.text())));
    return new JsonObject().put("id", id).put("text", text).put("options", opts);
  }

  boolean hasOption(String optionId) {
    return options.stream().anyMatch(o -> o.id().equals(optionId));
  }
}

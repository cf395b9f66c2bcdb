package dev.tandem.checkins;

import dev.tandem.checkins.Instrument.Item;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Validates a response's answers against its instrument: every item's type, range and options,
 * no unknown items, required items present. Free text is split off so it can be encrypted and
 * never travels with the scored answers.
 */
final class Answers {
  private Answers() {
  }

  /** Why an item of a batch was refused; the message names the field and never echoes patient text. */
  static final class Rejected extends RuntimeException {
    Rejected(String reason) {
      super(reason, null, false, false);
    }
  }

  /** The answers without free text, and the free text by item id. */
  record Valid(JsonObject answers, Map<String, String> texts) {
  }

  static Valid validate(Instrument ins, Object raw) {
    if (!(raw instanceof JsonObject in)) {
      throw new Rejected("answers: must be an object of item id to answer");
    }
    for (String k : in.fieldNames()) {
      if (ins.item(k) == null) {
        throw new Rejected("answers: unknown item '" + (k.length() > 40 ? k.substring(0, 40) : k) + "' for " + ins.id());
      }
    }
    JsonObject out = new JsonObject();
    Map<String, String> texts = new LinkedHashMap<>();
    for (Item it : ins.items()) {
      Object v = in.getValue(it.id());
      if (v == null) {
        if (it.required()) {
          throw new Rejected("answers." + it.id() + ": is required");
        }
        continue;
      }
      String f = "answers." + it.id();
      switch (it.kind()) {
        case CHOICE -> {
          if (!(v instanceof Integer) || it.option(v) == null) {
            throw new Rejected(f + ": must be one of " + it.options().stream().map(o -> o.value().toString()).toList());
          }
          out.put(it.id(), v);
        }
        case SCALE -> {
          if (!(v instanceof Integer || v instanceof Long) || ((Number) v).doubleValue() < it.min() || ((Number) v).doubleValue() > it.max()) {
            throw new Rejected(f + ": must be a whole number from " + it.min().intValue() + " to " + it.max().intValue());
          }
          out.put(it.id(), ((Number) v).intValue());
        }
        case NUMBER -> {
          if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() < it.min() || n.doubleValue() > it.max()) {
            throw new Rejected(f + ": must be a number from " + it.min() + " to " + it.max());
          }
          double d = ((Number) v).doubleValue();
          out.put(it.id(), d == Math.rint(d) ? (Object) (int) d : (Object) d);
        }
        case SELECT -> {
          if (!(v instanceof String) || it.option(v) == null) {
            throw new Rejected(f + ": must be one of " + it.options().stream().map(o -> o.value().toString()).toList());
          }
          out.put(it.id(), v);
        }
        case SIDE_EFFECTS -> out.put(it.id(), sideEffects(it, f, v));
        case TEXT -> {
          if (!(v instanceof String s)) {
            throw new Rejected(f + ": must be a string");
          }
          if (s.length() > it.maxLength()) {
            throw new Rejected(f + ": must be at most " + it.maxLength() + " characters");
          }
          if (s.chars().anyMatch(ch -> ch < 0x20 && ch != '\n' && ch != '\t')) {
            throw new Rejected(f + ": contains control characters");
          }
          if (!s.isBlank()) {
            texts.put(it.id(), s.strip());
          }
        }
      }
    }
    return new Valid(out, texts);
  }

  private static JsonArray sideEffects(Item it, String f, Object v) {
    if (!(v instanceof JsonArray arr) || arr.size() > it.options().size()) {
      throw new Rejected(f + ": must be a list of {effect, severity}, each effect at most once");
    }
    Set<String> seen = new HashSet<>();
    JsonArray out = new JsonArray();
    for (Object o : arr) {
      if (!(o instanceof JsonObject e) || e.size() != 2 || !(e.getValue("effect") instanceof String effect)
          || !(e.getValue("severity") instanceof String severity)) {
        throw new Rejected(f + ": each entry must be {\"effect\": string, \"severity\": string}");
      }
      if (it.option(effect) == null) {
        throw new Rejected(f + ": unknown effect; use one of " + it.options().stream().map(x -> x.value().toString()).toList());
      }
      if (it.severities().stream().noneMatch(s -> s.value().equals(severity))) {
        throw new Rejected(f + ": severity must be one of " + it.severities().stream().map(x -> x.value().toString()).toList());
      }
      if (!seen.add(effect)) {
        throw new Rejected(f + ": effect '" + effect + "' is listed twice");
      }
      out.add(new JsonObject().put("effect", effect).put("severity", severity));
    }
    return out;
  }
}

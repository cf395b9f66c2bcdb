package dev.tandem.checkins;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * A check-in instrument as data: items with their answer options, the scoring rule, severity
 * bands, change thresholds, alert rules and LOINC codes. Loaded from YAML by {@link Instruments};
 * nothing in the code names a particular instrument.
 */
public record Instrument(String id, int version, Map<String, String> title, Map<String, String> preamble,
    int defaultCadenceDays, String panelLoinc, String totalLoinc, List<Item> items, boolean scored, List<Band> bands,
    ChangeRule change, List<AlertRule> alerts) {

  /** Item kinds: the answer types an upload is validated against. */
  public enum Kind {
    CHOICE, SCALE, NUMBER, SELECT, SIDE_EFFECTS, TEXT;

    static Kind fromWire(String s) {
      return valueOf(s.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
    }

    String wire() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  /** An answer option: {@code value} is an int for choice items (its score), a string otherwise. */
  public record Option(Object value, String code, Map<String, String> label) {
  }

  public record Item(String id, Kind kind, Map<String, String> text, String loinc, boolean required, List<Option> options,
      List<Option> severities, Double min, Double max, int maxLength) {

    Option option(Object value) {
      for (Option o : options) {
        if (o.value().equals(value)) {
          return o;
        }
      }
      return null;
    }
  }

  public record Band(int min, int max, String code, Map<String, String> label) {
  }

  /** Thresholds for meaningful change; null fields mean the rule does not apply. */
  public record ChangeRule(Integer reliablePoints, Integer responsePercent, Integer remissionBelow) {
  }

  /**
   * Raises a safety alert: an item answered above a value ({@code item}, {@code above}), or the
   * total rising by at least {@code rise} points since the previous response.
   */
  public record AlertRule(String item, Integer above, Integer rise, String severity) {
    String describe() {
      return item != null ? item + " above " + above : "rise of " + rise + " or more";
    }
  }

  public Item item(String itemId) {
    for (Item i : items) {
      if (i.id().equals(itemId)) {
        return i;
      }
    }
    return null;
  }

  public Band band(int total) {
    for (Band b : bands) {
      if (total >= b.min() && total <= b.max()) {
        return b;
      }
    }
    return null;
  }

  /** The definition a form needs (both languages, all options); no scoring internals beyond the bands. */
  public JsonObject toJson() {
    JsonArray its = new JsonArray();
    for (Item i : items) {
      JsonObject o = new JsonObject().put("id", i.id()).put("type", i.kind().wire()).put("text", new JsonObject(Map.copyOf(i.text())))
          .put("required", i.required());
      if (i.loinc() != null) {
        o.put("loinc", i.loinc());
      }
      if (!i.options().isEmpty()) {
        o.put("options", options(i.options()));
      }
      if (!i.severities().isEmpty()) {
        o.put("severities", options(i.severities()));
      }
      if (i.min() != null) {
        o.put("min", i.min()).put("max", i.max());
      }
      if (i.kind() == Kind.TEXT) {
        o.put("maxLength", i.maxLength());
      }
      its.add(o);
    }
    JsonArray bs = new JsonArray();
    bands.forEach(b -> bs.add(new JsonObject().put("min", b.min()).put("max", b.max()).put("code", b.code())
        .put("label", new JsonObject(Map.copyOf(b.label())))));
    return new JsonObject().put("id", id).put("version", version).put("title", new JsonObject(Map.copyOf(title)))
        .put("preamble", new JsonObject(Map.copyOf(preamble))).put("defaultCadenceDays", defaultCadenceDays)
        .put("loinc", panelLoinc == null ? null : new JsonObject().put("panel", panelLoinc).put("total", totalLoinc))
        .put("scored", scored).put("bands", bs).put("items", its);
  }

  private static JsonArray options(List<Option> opts) {
    JsonArray a = new JsonArray();
    opts.forEach(o -> a.add(new JsonObject().put("value", o.value()).put("code", o.code()).put("label", new JsonObject(Map.copyOf(o.label())))));
    return a;
  }
}

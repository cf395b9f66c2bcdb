package dev.tandem.education;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;

/**
 * When a scored check-in suggests a module, as data from the module's front matter:
 * an instrument, and either a total threshold or an item test ({@code below} / {@code atLeast}
 * for numbers, {@code anyOf} for choices). {@code times} of the last {@code ofLast} check-ins of
 * that instrument must match (1 of 1: the check-in alone decides).
 */
public record SuggestRule(String instrument, String item, Integer totalAtLeast, Double below, Double atLeast,
    List<String> anyOf, int times, int ofLast) {

  /** Whether this one scored check-in matches the rule's test (before counting repeats). */
  public boolean matches(JsonObject scored) {
    if (!instrument.equalsIgnoreCase(String.valueOf(scored.getValue("instrument")))) {
      return false;
    }
    if (item == null) {
      Object total = scored.getValue("total");
      return total instanceof Number n && totalAtLeast != null && n.doubleValue() >= totalAtLeast;
    }
    Object answers = scored.getValue("answers");
    if (!(answers instanceof JsonObject a)) {
      return false;
    }
    Object v = a.getValue(item);
    if (v instanceof Number n) {
      double d = n.doubleValue();
      return (below == null || d < below) && (atLeast == null || d >= atLeast) && (below != null || atLeast != null);
    }
    if (v instanceof String s && anyOf != null) {
      return anyOf.contains(s.toLowerCase(Locale.ROOT));
    }
    return false;
  }

  /** Whether the rule needs the patient's recent history (more than one check-in decides). */
  public boolean needsHistory() {
    return ofLast > 1;
  }

  /** A short, non-clinical description for the clinician ("GAD-7 total 10 or more"). */
  public String describe() {
    String inst = instrument.toUpperCase(Locale.ROOT);
    String test;
    if (item == null) {
      test = inst + " total " + totalAtLeast + " or more";
    } else if (anyOf != null) {
      test = inst + " " + item + " answered " + String.join(" or ", anyOf);
    } else if (below != null) {
      test = inst + " " + item + " below " + fmt(below);
    } else {
      test = inst + " " + item + " at least " + fmt(atLeast);
    }
    return ofLast > 1 ? test + " on " + times + " of the last " + ofLast + " check-ins" : test;
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}

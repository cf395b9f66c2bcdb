package dev.tandem.checkins;

import dev.tandem.checkins.Instrument.AlertRule;
import dev.tandem.checkins.Instrument.Band;
import dev.tandem.checkins.Instrument.ChangeRule;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** Scoring and change rules, driven entirely by the instrument's definition. Pure functions. */
public final class Scoring {
  private Scoring() {
  }

  /** Total and band; both null for an unscored instrument. */
  public record Score(Integer total, String band) {
  }

  /**
   * How a total compares with the patient's baseline (first score) and previous score. Reliable
   * change is "improved", "deteriorated" or "none" (null without a reference score). Lower is
   * better on every scored instrument we ship (symptom counts).
   */
  public record Change(Integer baseline, Integer previous, String reliableFromBaseline, String reliableFromPrevious,
      boolean response, boolean remission) {
    public JsonObject toJson() {
      return new JsonObject().put("baseline", baseline).put("previous", previous).put("reliableFromBaseline", reliableFromBaseline)
          .put("reliableFromPrevious", reliableFromPrevious).put("response", response).put("remission", remission);
    }

    public boolean deteriorated() {
      return "deteriorated".equals(reliableFromBaseline) || "deteriorated".equals(reliableFromPrevious);
    }
  }

  public static Score score(Instrument ins, JsonObject answers) {
    if (!ins.scored()) {
      return new Score(null, null);
    }
    int total = 0;
    for (Instrument.Item it : ins.items()) {
      Integer v = answers.getInteger(it.id());
      total += v == null ? 0 : v;
    }
    Band b = ins.band(total);
    return new Score(total, b == null ? null : b.code());
  }

  public static Change change(Instrument ins, int total, Integer baseline, Integer previous) {
    ChangeRule r = ins.change();
    boolean response = r.responsePercent() != null && baseline != null && baseline > 0
        && (long) (baseline - total) * 100 >= (long) r.responsePercent() * baseline;
    boolean remission = r.remissionBelow() != null && total < r.remissionBelow();
    return new Change(baseline, previous, reliable(r, total, baseline), reliable(r, total, previous), response, remission);
  }

  private static String reliable(ChangeRule r, int total, Integer reference) {
    if (reference == null || r.reliablePoints() == null) {
      return null;
    }
    int delta = total - reference;
    if (delta >= r.reliablePoints()) {
      return "deteriorated";
    }
    if (-delta >= r.reliablePoints()) {
      return "improved";
    }
    return "none";
  }

  /** The alert rules this response meets: an item above its threshold, or a rise since the previous total. */
  public static List<AlertRule> triggered(Instrument ins, JsonObject answers, Integer total, Integer previous) {
    List<AlertRule> out = new ArrayList<>();
    for (AlertRule a : ins.alerts()) {
      if (a.item() != null) {
        Object v = answers.getValue(a.item());
        if (v instanceof Number n && n.doubleValue() > a.above()) {
          out.add(a);
        }
      } else if (a.rise() != null && total != null && previous != null && total - previous >= a.rise()) {
        out.add(a);
      }
    }
    return out;
  }
}

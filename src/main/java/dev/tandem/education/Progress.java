package dev.tandem.education;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * How far a patient is with one assignment. Monotonic: a step once reached is never undone
 * ({@link #merge} keeps the earliest time of each step and the furthest position). Answers
 * and the helpful vote may be changed; the step they mark stays done.
 */
public record Progress(Instant openedAt, int position, Instant readToEndAt, Instant checkAnsweredAt,
    Map<String, String> answers, Integer checkCorrect, Integer checkTotal, Boolean helpful, Instant completedAt) {

  public static final Progress NONE = new Progress(null, 0, null, null, Map.of(), null, null, null, null);

  public Progress {
    answers = answers == null ? Map.of() : Map.copyOf(new TreeMap<>(answers));
  }

  public boolean completed() {
    return completedAt != null;
  }

  public Progress opened(Instant at) {
    return new Progress(openedAt != null ? openedAt : at, position, readToEndAt, checkAnsweredAt, answers, checkCorrect,
        checkTotal, helpful, completedAt).complete(at);
  }

  /** Position in percent of the text; only moves forward. */
  public Progress at(int percent, Instant at) {
    return new Progress(openedAt != null ? openedAt : at, Math.max(position, percent), readToEndAt, checkAnsweredAt, answers,
        checkCorrect, checkTotal, helpful, completedAt).complete(at);
  }

  public Progress readToEnd(Instant at) {
    return new Progress(openedAt != null ? openedAt : at, 100, readToEndAt != null ? readToEndAt : at, checkAnsweredAt,
        answers, checkCorrect, checkTotal, helpful, completedAt).complete(at);
  }

  public Progress answered(Map<String, String> given, int correct, int total, Instant at) {
    return new Progress(openedAt != null ? openedAt : at, position, readToEndAt, checkAnsweredAt != null ? checkAnsweredAt : at,
        given, correct, total, helpful, completedAt).complete(at);
  }

  public Progress voted(boolean yes, Instant at) {
    return new Progress(openedAt != null ? openedAt : at, position, readToEndAt, checkAnsweredAt, answers, checkCorrect,
        checkTotal, yes, completedAt).complete(at);
  }

  /** Done: read to the end and the check answered (how well does not matter: it is a learning aid). */
  private Progress complete(Instant at) {
    if (completedAt != null || readToEndAt == null || checkAnsweredAt == null) {
      return this;
    }
    return new Progress(openedAt, position, readToEndAt, checkAnsweredAt, answers, checkCorrect, checkTotal, helpful, at);
  }

  public String stage() {
    if (completedAt != null) {
      return "completed";
    }
    return openedAt != null ? "in-progress" : "not-started";
  }

  JsonObject toDoc() {
    JsonObject a = new JsonObject();
    answers.forEach(a::put);
    return new JsonObject().put("openedAt", t(openedAt)).put("position", position).put("readToEndAt", t(readToEndAt))
        .put("checkAnsweredAt", t(checkAnsweredAt)).put("answers", a).put("checkCorrect", checkCorrect)
        .put("checkTotal", checkTotal).put("helpful", helpful).put("completedAt", t(completedAt));
  }

  /** The API view: times as ISO-8601. */
  JsonObject toJson() {
    return toDoc().put("stage", stage());
  }

  static Progress fromDoc(JsonObject d) {
    if (d == null) {
      return NONE;
    }
    Map<String, String> answers = new TreeMap<>();
    JsonObject a = d.getJsonObject("answers", new JsonObject());
    a.fieldNames().forEach(k -> answers.put(k, a.getString(k)));
    return new Progress(i(d.getString("openedAt")), d.getInteger("position", 0), i(d.getString("readToEndAt")),
        i(d.getString("checkAnsweredAt")), answers, d.getInteger("checkCorrect"), d.getInteger("checkTotal"),
        d.getBoolean("helpful"), i(d.getString("completedAt")));
  }

  private static String t(Instant i) {
    return i == null ? null : dev.tandem.store.Times.format(i);
  }

  private static Instant i(String s) {
    return s == null ? null : Instant.parse(s);
  }
}

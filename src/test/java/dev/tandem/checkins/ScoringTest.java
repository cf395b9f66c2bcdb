package dev.tandem.checkins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Scoring, bands, change rules and alert rules of the shipped instruments, against hand-computed cases. */
class ScoringTest {
  static final Instruments ALL = Instruments.load(null);
  static final Instrument PHQ9 = ALL.get("phq-9");
  static final Instrument GAD7 = ALL.get("gad-7");

  /** Answers adding up to {@code total}, filled item by item (3, 3, ... then the rest), item 9 as given. */
  static JsonObject phq9(int total, int item9) {
    JsonObject a = new JsonObject();
    int left = total - item9;
    for (int i = 1; i <= 8; i++) {
      int v = Math.min(3, left);
      a.put("phq9-" + i, v);
      left -= v;
    }
    a.put("phq9-9", item9);
    assertEquals(0, left, "test total fits the items");
    return a;
  }

  static JsonObject gad7(int total) {
    JsonObject a = new JsonObject();
    int left = total;
    for (int i = 1; i <= 7; i++) {
      int v = Math.min(3, left);
      a.put("gad7-" + i, v);
      left -= v;
    }
    return a;
  }

  @ParameterizedTest(name = "PHQ-9 total {0} is {1}")
  @CsvSource({"0,minimal", "4,minimal", "5,mild", "9,mild", "10,moderate", "14,moderate", "15,moderately-severe",
      "19,moderately-severe", "20,severe", "27,severe"})
  void phq9TotalsFallInTheirBandAtEveryBoundary(int total, String band) {
    Scoring.Score s = Scoring.score(PHQ9, phq9(total, Math.max(0, total - 24)));
    assertEquals(total, s.total());
    assertEquals(band, s.band());
  }

  @ParameterizedTest(name = "GAD-7 total {0} is {1}")
  @CsvSource({"0,minimal", "4,minimal", "5,mild", "9,mild", "10,moderate", "14,moderate", "15,severe", "21,severe"})
  void gad7TotalsFallInTheirBandAtEveryBoundary(int total, String band) {
    Scoring.Score s = Scoring.score(GAD7, gad7(total));
    assertEquals(total, s.total());
    assertEquals(band, s.band());
  }

  @Test
  void aPhq9TotalIsTheSumOfItsNineAnswers() {
    JsonObject a = new JsonObject().put("phq9-1", 1).put("phq9-2", 2).put("phq9-3", 3).put("phq9-4", 0).put("phq9-5", 1)
        .put("phq9-6", 2).put("phq9-7", 0).put("phq9-8", 1).put("phq9-9", 0);
    assertEquals(10, Scoring.score(PHQ9, a).total()); // 1+2+3+0+1+2+0+1+0
    assertEquals("moderate", Scoring.score(PHQ9, a).band());
  }

  @ParameterizedTest(name = "PHQ-9 {1} after {0}: {2}")
  @CsvSource({"10,15,deteriorated", "10,14,none", "10,5,improved", "10,6,none", "0,5,deteriorated", "27,22,improved"})
  void phq9ReliableChangeIsFivePointsEitherWay(int previous, int total, String expected) {
    assertEquals(expected, Scoring.change(PHQ9, total, null, previous).reliableFromPrevious());
  }

  @ParameterizedTest(name = "GAD-7 {1} after {0}: {2}")
  @CsvSource({"10,14,deteriorated", "10,13,none", "10,6,improved", "10,7,none"})
  void gad7ReliableChangeIsFourPointsEitherWay(int previous, int total, String expected) {
    assertEquals(expected, Scoring.change(GAD7, total, null, previous).reliableFromPrevious());
  }

  @ParameterizedTest(name = "baseline {0}, now {1}: response {2}")
  @CsvSource({"20,10,true", "20,11,false", "21,10,true", "21,11,false", "9,4,true", "9,5,false", "0,0,false"})
  void responseIsADropOfAtLeastHalfFromBaseline(int baseline, int total, boolean response) {
    assertEquals(response, Scoring.change(PHQ9, total, baseline, null).response());
  }

  @ParameterizedTest(name = "total {0}: remission {1}")
  @CsvSource({"4,true", "5,false", "0,true"})
  void remissionIsATotalBelowFiveOnBothScales(int total, boolean remission) {
    assertEquals(remission, Scoring.change(PHQ9, total, 20, 20).remission());
    assertEquals(remission, Scoring.change(GAD7, total, 20, 20).remission());
  }

  @Test
  void withoutABaselineOrPreviousScoreThereIsNoChangeToReport() {
    Scoring.Change c = Scoring.change(PHQ9, 12, null, null);
    assertNull(c.reliableFromBaseline());
    assertNull(c.reliableFromPrevious());
    assertFalse(c.response());
    assertEquals("deteriorated", Scoring.change(PHQ9, 12, 7, null).reliableFromBaseline());
  }

  @Test
  void anyItem9AnswerAboveZeroRaisesAnUrgentAlert() {
    assertEquals(List.of(), Scoring.triggered(PHQ9, phq9(8, 0), 8, null));
    for (int v = 1; v <= 3; v++) {
      List<Instrument.AlertRule> hit = Scoring.triggered(PHQ9, phq9(8, v), 8, null);
      assertEquals(1, hit.size());
      assertEquals("phq9-9", hit.get(0).item());
      assertEquals("urgent", hit.get(0).severity());
    }
  }

  @Test
  void aRiseOfFivePointsSinceThePreviousPhq9RaisesAnAlertAndFourDoesNot() {
    assertEquals(1, Scoring.triggered(PHQ9, phq9(15, 0), 15, 10).size());
    assertEquals(5, Scoring.triggered(PHQ9, phq9(15, 0), 15, 10).get(0).rise());
    assertEquals(0, Scoring.triggered(PHQ9, phq9(14, 0), 14, 10).size());
    assertEquals(0, Scoring.triggered(PHQ9, phq9(15, 0), 15, null).size(), "no previous score, no rise");
    assertEquals(0, Scoring.triggered(GAD7, gad7(21), 21, 0).size(), "GAD-7 has no alert rules");
  }

  // ---- answer validation -------------------------------------------------------------------

  static JsonObject daily() {
    return new JsonObject().put("mood", 6).put("anxiety", 3).put("sleep-hours", 7.5).put("medication", "partly")
        .put("side-effects", new JsonArray().add(new JsonObject().put("effect", "nausea").put("severity", "mild")))
        .put("note", "felt ok");
  }

  @Test
  void aDailyCheckInIsValidatedAndItsNoteSplitOff() {
    Answers.Valid v = Answers.validate(ALL.get("daily"), daily());
    assertFalse(v.answers().containsKey("note"), "free text never travels with the answers");
    assertEquals("felt ok", v.texts().get("note"));
    assertEquals(7.5, v.answers().getDouble("sleep-hours"));
    assertNull(Scoring.score(ALL.get("daily"), v.answers()).total(), "the daily check-in has no total");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "mood above 10|mood|11", "mood not a whole number|mood|6.5", "mood as a string|mood|\"6\"",
      "sleep above 24|sleep-hours|25", "medication not an option|medication|\"maybe\"",
      "an operator object|medication|{\"$gt\": \"\"}", "side effect unknown|side-effects|[{\"effect\":\"itch\",\"severity\":\"mild\"}]",
      "side effect twice|side-effects|[{\"effect\":\"nausea\",\"severity\":\"mild\"},{\"effect\":\"nausea\",\"severity\":\"severe\"}]",
      "severity unknown|side-effects|[{\"effect\":\"nausea\",\"severity\":\"awful\"}]", "note not text|note|42"})
  void badDailyAnswersAreRejectedWithTheField(String why, String field, String json) {
    JsonObject a = daily();
    a.put(field, io.vertx.core.json.Json.decodeValue(json));
    Answers.Rejected r = assertThrows(Answers.Rejected.class, () -> Answers.validate(ALL.get("daily"), a), why);
    assertTrue(r.getMessage().startsWith("answers." + field), r.getMessage());
  }

  @Test
  void phq9AnswersMustBeOneOfTheOptionsAndAllPresent() {
    assertThrows(Answers.Rejected.class, () -> Answers.validate(PHQ9, phq9(8, 0).put("phq9-1", 4)));
    assertThrows(Answers.Rejected.class, () -> Answers.validate(PHQ9, phq9(8, 0).put("phq9-1", -1)));
    JsonObject missing = phq9(8, 0);
    missing.remove("phq9-9");
    assertTrue(assertThrows(Answers.Rejected.class, () -> Answers.validate(PHQ9, missing)).getMessage().contains("phq9-9"));
    assertThrows(Answers.Rejected.class, () -> Answers.validate(PHQ9, phq9(8, 0).put("phq9-10", 1)), "unknown item");
    assertThrows(Answers.Rejected.class, () -> Answers.validate(PHQ9, "not an object"));
  }
}

package dev.tandem.education;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped modules meet the content rules, and a broken module stops start-up naming its file. */
class EducationContentTest {
  static final Set<String> SHIPPED = Set.of("antidepressant-basics", "therapy-and-medication", "thought-records",
      "behavioral-activation", "sleep-habits", "calming-anxiety", "safety-plan", "video-visit-ready");
  private static final Map<String, EducationModule> MODULES = ContentLoader.load("content/education");

  @Test
  void everyRequiredModuleShipsInEnglishAndSpanish() {
    assertTrue(MODULES.keySet().containsAll(SHIPPED), MODULES.keySet().toString());
    for (EducationModule m : MODULES.values()) {
      assertEquals(Set.of("en", "es"), m.versions().keySet(), m.id());
    }
  }

  @Test
  void everyVersionIsBetween400And900WordsWithATwoOrThreeQuestionCheck() {
    for (EducationModule m : MODULES.values()) {
      for (ModuleVersion v : m.versions().values()) {
        String where = m.id() + "/" + v.language();
        assertTrue(v.words() >= 400 && v.words() <= 900, where + " has " + v.words() + " words");
        assertTrue(v.check().size() >= 2 && v.check().size() <= 3, where);
        for (CheckQuestion q : v.check()) {
          assertTrue(q.hasOption(q.answer()), where + " " + q.id());
          assertFalse(q.explanation().isBlank(), where);
        }
        assertFalse(v.html().contains("<script"), where);
      }
    }
  }

  @Test
  void theSafetyContentNamesTheCrisisLineAndNoModuleGivesDoses() {
    for (EducationModule m : MODULES.values()) {
      for (ModuleVersion v : m.versions().values()) {
        assertFalse(v.html().matches("(?s).*\\b\\d+\\s?mg\\b.*"), m.id() + "/" + v.language() + " mentions a dose");
      }
    }
    for (String lang : List.of("en", "es")) {
      String plan = MODULES.get("safety-plan").versions().get(lang).html();
      assertTrue(plan.contains("988") && plan.contains("911"), lang);
    }
    String es = MODULES.get("antidepressant-basics").versions().get("es").html();
    assertTrue(es.contains("oprima 2"), "the Spanish crisis line option is named");
  }

  @Test
  void suggestionRulesFollowTheCheckInContract() {
    assertEquals("gad-7", MODULES.get("calming-anxiety").suggest().get(0).instrument());
    assertEquals(10, MODULES.get("calming-anxiety").suggest().get(0).totalAtLeast());
    assertEquals("phq-9", MODULES.get("behavioral-activation").suggest().get(0).instrument());
    SuggestRule sleep = MODULES.get("sleep-habits").suggest().get(0);
    assertEquals("sleep-hours", sleep.item());
    assertEquals(3, sleep.times());
    assertEquals(7, sleep.ofLast());
    assertEquals(List.of("no", "partly"), MODULES.get("antidepressant-basics").suggest().get(0).anyOf());
  }

  @Test
  void theBreathingImageIsServedFromTheModuleFolder() {
    EducationModule m = MODULES.get("calming-anxiety");
    assertTrue(m.assets().containsKey("breathing.svg"));
    assertTrue(m.version("en").html().contains("/api/v1/education/modules/calming-anxiety/assets/breathing.svg"));
  }

  private static final String GOOD = """
      ---
      id: demo
      title: Demo
      summary: A demo.
      minutes: 1
      tags: [demo]
      version: 1
      check:
        - id: q1
          question: One?
          options: [{id: a, text: A}, {id: b, text: B}]
          answer: a
          explanation: Because.
        - id: q2
          question: Two?
          options: [{id: a, text: A}, {id: b, text: B}]
          answer: b
          explanation: Because.
      ---
      Some text.
      """;

  private static ConfigException broken(Path dir, String enText) throws IOException {
    Path m = Files.createDirectories(dir.resolve("demo"));
    Files.writeString(m.resolve("en.md"), enText);
    return assertThrows(ConfigException.class, () -> ContentLoader.loadFrom(dir));
  }

  @Test
  void aValidModuleLoads(@TempDir Path dir) throws IOException {
    Path m = Files.createDirectories(dir.resolve("demo"));
    Files.writeString(m.resolve("en.md"), GOOD);
    assertEquals(Set.of("demo"), ContentLoader.loadFrom(dir).keySet());
  }

  @Test
  void aCheckAnswerThatIsNotAnOptionStopsStartUpNamingTheFile(@TempDir Path dir) throws IOException {
    ConfigException e = broken(dir, GOOD.replace("answer: b", "answer: z"));
    assertTrue(e.getMessage().contains("demo/en.md") || e.getMessage().contains("demo\\en.md"), e.getMessage());
    assertTrue(e.getMessage().contains("answer 'z'"), e.getMessage());
  }

  @Test
  void aMissingFieldStopsStartUp(@TempDir Path dir) throws IOException {
    assertTrue(broken(dir, GOOD.replace("title: Demo\n", "")).getMessage().contains("title"));
    assertTrue(broken(dir, GOOD.replace("id: demo\n", "id: other\n")).getMessage().contains("folder name"));
  }

  @Test
  void aTranslationWithDifferentAnswersStopsStartUp(@TempDir Path dir) throws IOException {
    Path m = Files.createDirectories(dir.resolve("demo"));
    Files.writeString(m.resolve("en.md"), GOOD);
    Files.writeString(m.resolve("es.md"), GOOD.replace("answer: b", "answer: a"));
    ConfigException e = assertThrows(ConfigException.class, () -> ContentLoader.loadFrom(dir));
    assertTrue(e.getMessage().contains("es.md") && e.getMessage().contains("q2"), e.getMessage());
  }

  @Test
  void aModuleWithoutTheReadersLanguageFallsBackToEnglishWithANotice(@TempDir Path dir) throws IOException {
    Path m = Files.createDirectories(dir.resolve("demo"));
    Files.writeString(m.resolve("en.md"), GOOD);
    EducationModule demo = ContentLoader.loadFrom(dir).get("demo");
    var es = Library.reader(demo, "es");
    assertEquals("en", es.getString("language"));
    assertEquals("es", es.getString("requestedLanguage"));
    assertEquals(Boolean.TRUE, es.getBoolean("fallback"));
    assertEquals("Demo", es.getString("title"));
    assertEquals(Boolean.FALSE, Library.reader(demo, "en").getBoolean("fallback"));
    assertEquals("es", Library.language("es-MX"));
    assertEquals("en", Library.language(null));
  }

  @Test
  void aModuleWithoutEnglishStopsStartUp(@TempDir Path dir) throws IOException {
    Path m = Files.createDirectories(dir.resolve("demo"));
    Files.writeString(m.resolve("es.md"), GOOD);
    assertTrue(assertThrows(ConfigException.class, () -> ContentLoader.loadFrom(dir)).getMessage().contains("en.md"));
  }
}

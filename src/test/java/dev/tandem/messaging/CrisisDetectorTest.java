package dev.tandem.messaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CrisisDetectorTest {
  private final CrisisDetector shipped = CrisisDetector.from("");

  @Test
  void findsEnglishAndSpanishPhrasesWhateverTheCaseAccentsPunctuationAndContractions() {
    for (String text : List.of("I want to end my life.", "i WANT to END my   life!!!", "I don't want to be here anymore",
        "I do not want to be here anymore", "I   can't go on", "I cannot go on", "Ya no puedo más, quiero quitarme la vida.",
        "QUIERO QUITARME LA VIDA", "suicide", "thinking about suicide, honestly", "(kill myself)", "I’m going to kill myself")) {
      assertTrue(shipped.matches(text), text);
    }
  }

  @Test
  void matchesWholeWordsOnly() {
    for (String text : List.of("backend my lifecycle", "the suicidesquad movie", "I want to die-cast a model?", "",
        "   ", "!!!", "see you tomorrow at 10", "kmsx")) {
      boolean expected = text.equals("I want to die-cast a model?"); // "want to die" then "cast": whole words, flagged
      assertEquals(expected, shipped.matches(text), text);
    }
  }

  @Test
  void normalisesInOnePassLikeTheDocumentedRules() {
    // ² is a number (\p{N}) and stays, like a letter.
    assertEquals("dont panic cest la vie²", CrisisDetector.normalize("  Don't PANIC — c'est là vie², "));
    assertEquals("quiero quitarme la vida", CrisisDetector.normalize("¡Quiero quitarme la VIDA!"));
    assertEquals("im cant wont", CrisisDetector.normalize("I am cannot will not"));
    assertEquals("", CrisisDetector.normalize("¿¡...!?"));
  }

  @Test
  void aConfiguredListReplacesTheShippedOne() {
    CrisisDetector custom = new CrisisDetector(List.of("Red Flag", "  "));
    assertTrue(custom.matches("this is a red-flag moment"));
    assertFalse(custom.matches("I want to end my life"));
  }
}

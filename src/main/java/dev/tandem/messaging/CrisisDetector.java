package dev.tandem.messaging;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Finds crisis language in a message. Phrases and text are normalised the same way (lower
 * case, accents and punctuation removed, apostrophes dropped, spaces collapsed), and a phrase
 * matches on word boundaries, so "I want to end my life." and "quiero quitarme la vida" match
 * while "backend my lifecycle" does not. Deliberately sensitive: a false alarm costs a
 * clinician a minute; a miss can cost a life.
 */
final class CrisisDetector {
  private final List<String> phrases;

  CrisisDetector(List<String> phrases) {
    this.phrases = phrases.stream().map(CrisisDetector::normalize).filter(p -> !p.isBlank()).map(p -> " " + p + " ").toList();
  }

  /** The configured list (comma-separated) or, when empty, the shipped English and Spanish lists. */
  static CrisisDetector from(String configured) {
    if (configured != null && !configured.isBlank()) {
      return new CrisisDetector(List.of(configured.split(",")));
    }
    try (InputStream in = CrisisDetector.class.getResourceAsStream("/messaging/crisis-phrases.txt")) {
      if (in == null) {
        throw new IllegalStateException("messaging/crisis-phrases.txt is missing from the build");
      }
      List<String> out = new ArrayList<>();
      new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::trim)
          .filter(l -> !l.isEmpty() && !l.startsWith("#")).forEach(out::add);
      return new CrisisDetector(out);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the crisis phrase list", e);
    }
  }

  boolean matches(String text) {
    String t = " " + normalize(text) + " ";
    for (String p : phrases) {
      if (t.contains(p)) {
        return true;
      }
    }
    return false;
  }

  static String normalize(String s) {
    String n = Normalizer.normalize(s, Normalizer.Form.NFD).replaceAll("\\p{M}+", "").toLowerCase(Locale.ROOT);
    n = n.replaceAll("['’`]", "");
    n = " " + n.replaceAll("[^\\p{L}\\p{N}]+", " ").trim() + " ";
    // "do not", "cannot" and "don't" must all match the same phrase.
    n = n.replace(" do not ", " dont ").replace(" can not ", " cant ").replace(" cannot ", " cant ")
        .replace(" will not ", " wont ").replace(" does not ", " doesnt ").replace(" i am ", " im ");
    return n.trim();
  }
}

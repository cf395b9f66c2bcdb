package dev.tandem.config;

import java.time.Duration;

/** Education modules: where the content lives, note size, and when a dismissed suggestion may return. */
public record EducationConfig(String contentDir, int noteMaxChars, Duration resuggestAfter) {

  static EducationConfig from(Settings s) {
    return new EducationConfig(s.nonEmpty("education.content-dir"), s.integer("education.note-max-chars", 1, 10_000),
        s.duration("education.resuggest-after", Duration.ofHours(1), Duration.ofDays(365)));
  }
}

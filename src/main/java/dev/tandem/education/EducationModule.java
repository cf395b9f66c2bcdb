package dev.tandem.education;

import java.util.List;
import java.util.Map;

/**
 * A module with its language versions (English always present), the check-in rules that
 * suggest it, and the images it may show (file name → bytes).
 */
public record EducationModule(String id, Map<String, ModuleVersion> versions, List<SuggestRule> suggest,
    Map<String, Asset> assets) {

  public static final String DEFAULT_LANGUAGE = "en";

  public record Asset(String mime, byte[] bytes) {
  }

  /** The version in {@code language}, else English. */
  public ModuleVersion version(String language) {
    ModuleVersion v = versions.get(language);
    return v != null ? v : versions.get(DEFAULT_LANGUAGE);
  }

  public ModuleVersion english() {
    return versions.get(DEFAULT_LANGUAGE);
  }
}

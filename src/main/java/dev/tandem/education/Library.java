package dev.tandem.education;

import dev.tandem.http.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;

/** The rendered modules, loaded once at start-up, and their JSON views in a reader's language. */
public final class Library {
  private final Map<String, EducationModule> modules;

  public Library(Map<String, EducationModule> modules) {
    this.modules = Map.copyOf(modules);
  }

  public Collection<EducationModule> all() {
    return modules.values().stream().sorted((a, b) -> a.id().compareTo(b.id())).toList();
  }

  public EducationModule get(String id) {
    return id == null ? null : modules.get(id);
  }

  /** 404 for an unknown module. */
  public EducationModule require(String id) {
    EducationModule m = get(id);
    if (m == null) {
      throw ApiException.notFound("module");
    }
    return m;
  }

  /** "es-MX" → "es"; null or odd values → English. */
  public static String language(String preferred) {
    if (preferred == null || preferred.length() < 2) {
      return EducationModule.DEFAULT_LANGUAGE;
    }
    return preferred.substring(0, 2).toLowerCase(Locale.ROOT);
  }

  /**
   * The summary of a module for lists: the version in {@code lang} or English, with
   * {@code fallback} true when the reader asked for a language the module does not have.
   */
  static JsonObject summary(EducationModule m, String lang) {
    ModuleVersion v = m.version(lang);
    return new JsonObject().put("id", m.id()).put("title", v.title()).put("summary", v.summary()).put("minutes", v.minutes())
        .put("tags", new JsonArray(v.tags())).put("language", v.language()).put("requestedLanguage", lang)
        .put("fallback", !v.language().equals(lang)).put("languages", new JsonArray(m.versions().keySet().stream().sorted().toList()));
  }

  /** The full module to read: sanitized HTML and the check without its answers. */
  static JsonObject reader(EducationModule m, String lang) {
    ModuleVersion v = m.version(lang);
    JsonArray check = new JsonArray();
    v.check().forEach(q -> check.add(q.toPublicJson()));
    return summary(m, lang).put("version", v.version()).put("html", v.html()).put("words", v.words()).put("check", check);
  }
}

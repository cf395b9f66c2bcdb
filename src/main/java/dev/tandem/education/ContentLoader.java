package dev.tandem.education;

import dev.tandem.config.ConfigException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * Reads, renders and validates every module at start-up: {@code <dir>/<module-id>/<lang>.md}
 * (YAML front matter between "---" lines, then Markdown) plus images beside them. Anything
 * wrong stops start-up with one line naming the file, so a broken module never reaches a
 * patient. Blocking file I/O: call from a worker.
 */
public final class ContentLoader {
  static final String KEY = "education.content-dir";
  private static final Pattern MODULE_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
  private static final Pattern LANG_FILE = Pattern.compile("([a-z]{2})\\.md");
  private static final Pattern ITEM_ID = Pattern.compile("[A-Za-z0-9_-]{1,40}");
  private static final int MAX_ASSET_BYTES = 2 * 1024 * 1024;

  private ContentLoader() {
  }

  /**
   * The content folder: {@code dir} on disk when it exists (relative to the working directory,
   * like http.web-root), else the copy packed into the jar under /content/education.
   */
  public static Map<String, EducationModule> load(String dir) {
    Path disk = Path.of(dir);
    if (Files.isDirectory(disk)) {
      return loadFrom(disk);
    }
    URL packed = ContentLoader.class.getResource("/content/education");
    if (packed == null) {
      throw new ConfigException(KEY, "no content folder at '" + dir + "' and none packed in the jar");
    }
    try {
      URI uri = packed.toURI();
      if ("jar".equals(uri.getScheme())) {
        FileSystem fs;
        try {
          fs = FileSystems.newFileSystem(uri, Map.of());
        } catch (FileSystemAlreadyExistsException e) {
          fs = FileSystems.getFileSystem(uri);
        }
        return loadFrom(fs.provider().getPath(uri));
      }
      return loadFrom(Path.of(uri));
    } catch (IOException | URISyntaxException e) {
      throw new ConfigException(KEY, "cannot read the packed content: " + e.getMessage());
    }
  }

  /** Every module under {@code root}, by id, in id order. */
  public static Map<String, EducationModule> loadFrom(Path root) {
    Map<String, EducationModule> modules = new TreeMap<>();
    try (Stream<Path> dirs = Files.list(root)) {
      for (Path d : dirs.sorted().toList()) {
        if (Files.isDirectory(d)) {
          EducationModule m = module(d);
          modules.put(m.id(), m);
        }
      }
    } catch (IOException e) {
      throw new ConfigException(KEY, "cannot read " + root + ": " + e.getMessage());
    }
    if (modules.isEmpty()) {
      throw new ConfigException(KEY, "no modules in " + root);
    }
    return modules;
  }

  private static EducationModule module(Path dir) throws IOException {
    String id = dir.getFileName().toString().replace("/", "");
    if (!MODULE_ID.matcher(id).matches()) {
      throw fail(dir, "folder name must be a module id (lower-case letters, digits, '-')");
    }
    Map<String, EducationModule.Asset> assets = new TreeMap<>();
    Map<String, Path> sources = new TreeMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        String name = f.getFileName().toString().replace("/", "");
        var lang = LANG_FILE.matcher(name);
        if (lang.matches()) {
          sources.put(lang.group(1), f);
        } else if (MarkdownRenderer.ASSET_NAME.matcher(name).matches()) {
          if (Files.size(f) > MAX_ASSET_BYTES) {
            throw fail(f, "images must be at most " + MAX_ASSET_BYTES + " bytes");
          }
          assets.put(name, new EducationModule.Asset(mime(name), Files.readAllBytes(f)));
        }
      }
    }
    if (!sources.containsKey(EducationModule.DEFAULT_LANGUAGE)) {
      throw fail(dir, "every module needs an English version (en.md)");
    }
    Map<String, ModuleVersion> versions = new LinkedHashMap<>();
    List<SuggestRule> suggest = List.of();
    ModuleVersion en = null;
    for (String lang : sources.keySet().stream().sorted((a, b) -> a.equals("en") ? -1 : b.equals("en") ? 1 : a.compareTo(b)).toList()) {
      Path f = sources.get(lang);
      String text = Files.readString(f, StandardCharsets.UTF_8).replace("\r\n", "\n");
      if (!text.startsWith("---\n")) {
        throw fail(f, "must start with front matter between '---' lines");
      }
      int end = text.indexOf("\n---\n", 4);
      if (end < 0) {
        throw fail(f, "front matter is not closed by a '---' line");
      }
      Map<String, Object> fm;
      try {
        Object parsed = new Yaml(new SafeConstructor(new LoaderOptions())).load(text.substring(4, end));
        if (!(parsed instanceof Map<?, ?> map)) {
          throw fail(f, "front matter must be a YAML mapping");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> cast = (Map<String, Object>) map;
        fm = cast;
      } catch (YAMLException e) {
        throw fail(f, "front matter is not valid YAML (" + e.getMessage().lines().findFirst().orElse("") + ")");
      }
      String body = text.substring(end + 5);
      ModuleVersion v = version(f, id, lang, fm, body, assets.keySet());
      if (en == null) {
        en = v;
        suggest = rules(f, fm.get("suggest"));
      } else {
        sameCheck(f, en, v);
        if (fm.containsKey("suggest")) {
          throw fail(f, "suggest rules belong in en.md only (they apply to every language)");
        }
      }
      versions.put(lang, v);
    }
    return new EducationModule(id, Map.copyOf(versions), suggest, Map.copyOf(assets));
  }

  private static ModuleVersion version(Path f, String id, String lang, Map<String, Object> fm, String body,
      Set<String> assets) {
    Set<String> known = Set.of("id", "title", "summary", "minutes", "tags", "version", "check", "suggest");
    for (String k : fm.keySet()) {
      if (!known.contains(k)) {
        throw fail(f, "unknown front matter field '" + k + "'");
      }
    }
    if (!id.equals(fm.get("id"))) {
      throw fail(f, "id must be '" + id + "' (the folder name)");
    }
    String title = text(f, fm, "title", 120);
    String summary = text(f, fm, "summary", 400);
    int minutes = number(f, fm.get("minutes"), "minutes", 1, 60);
    int version = number(f, fm.get("version"), "version", 1, 10_000);
    List<String> tags = new ArrayList<>();
    if (!(fm.get("tags") instanceof List<?> tl) || tl.isEmpty()) {
      throw fail(f, "tags must be a non-empty list");
    }
    for (Object t : tl) {
      if (!(t instanceof String s) || !MODULE_ID.matcher(s).matches()) {
        throw fail(f, "tags must be lower-case words");
      }
      tags.add(s);
    }
    if (body.isBlank()) {
      throw fail(f, "has no text after the front matter");
    }
    String html = MarkdownRenderer.render(id, body, assets);
    return new ModuleVersion(lang, title, summary, minutes, List.copyOf(tags), version, html, words(html), check(f, fm.get("check")));
  }

  private static List<CheckQuestion> check(Path f, Object raw) {
    if (!(raw instanceof List<?> list) || list.size() < 2 || list.size() > 3) {
      throw fail(f, "check must be a list of 2 or 3 questions");
    }
    List<CheckQuestion> qs = new ArrayList<>();
    Set<String> ids = new TreeSet<>();
    for (Object o : list) {
      if (!(o instanceof Map<?, ?> q)) {
        throw fail(f, "each check question must be a mapping");
      }
      String qid = itemId(f, q.get("id"), "check question id");
      if (!ids.add(qid)) {
        throw fail(f, "check question id '" + qid + "' is used twice");
      }
      String question = string(f, q.get("question"), "check " + qid + " question", 300);
      if (!(q.get("options") instanceof List<?> ol) || ol.size() < 2 || ol.size() > 5) {
        throw fail(f, "check " + qid + " needs 2 to 5 options");
      }
      List<CheckQuestion.Option> options = new ArrayList<>();
      for (Object oo : ol) {
        if (!(oo instanceof Map<?, ?> om)) {
          throw fail(f, "check " + qid + " options must be mappings with id and text");
        }
        String oid = itemId(f, om.get("id"), "check " + qid + " option id");
        if (options.stream().anyMatch(x -> x.id().equals(oid))) {
          throw fail(f, "check " + qid + " option id '" + oid + "' is used twice");
        }
        options.add(new CheckQuestion.Option(oid, string(f, om.get("text"), "check " + qid + " option " + oid, 300)));
      }
      String answer = itemId(f, q.get("answer"), "check " + qid + " answer");
      CheckQuestion cq = new CheckQuestion(qid, question, List.copyOf(options), answer,
          string(f, q.get("explanation"), "check " + qid + " explanation", 600));
      if (!cq.hasOption(answer)) {
        throw fail(f, "check " + qid + " answer '" + answer + "' is not one of its options");
      }
      qs.add(cq);
    }
    return List.copyOf(qs);
  }

  /** A translation must ask the same questions with the same correct answers, so progress is language-free. */
  private static void sameCheck(Path f, ModuleVersion en, ModuleVersion other) {
    if (en.check().size() != other.check().size()) {
      throw fail(f, "check must have the same questions as en.md");
    }
    for (int i = 0; i < en.check().size(); i++) {
      CheckQuestion a = en.check().get(i);
      CheckQuestion b = other.check().get(i);
      if (!a.id().equals(b.id()) || !a.answer().equals(b.answer())
          || !a.options().stream().map(CheckQuestion.Option::id).toList().equals(b.options().stream().map(CheckQuestion.Option::id).toList())) {
        throw fail(f, "check question '" + b.id() + "' must match en.md (same ids, options and answer)");
      }
    }
  }

  private static List<SuggestRule> rules(Path f, Object raw) {
    if (raw == null) {
      return List.of();
    }
    if (!(raw instanceof List<?> list)) {
      throw fail(f, "suggest must be a list of rules");
    }
    List<SuggestRule> rules = new ArrayList<>();
    Set<String> known = Set.of("instrument", "item", "total-at-least", "below", "at-least", "any-of", "times", "of-last");
    for (Object o : list) {
      if (!(o instanceof Map<?, ?> r)) {
        throw fail(f, "each suggest rule must be a mapping");
      }
      for (Object k : r.keySet()) {
        if (!known.contains(String.valueOf(k))) {
          throw fail(f, "suggest rule has unknown field '" + k + "'");
        }
      }
      String instrument = itemId(f, r.get("instrument"), "suggest instrument").toLowerCase(Locale.ROOT);
      String item = r.get("item") == null ? null : itemId(f, r.get("item"), "suggest item");
      Integer total = r.get("total-at-least") == null ? null : number(f, r.get("total-at-least"), "suggest total-at-least", 0, 1000);
      Double below = decimal(f, r.get("below"), "suggest below");
      Double atLeast = decimal(f, r.get("at-least"), "suggest at-least");
      List<String> anyOf = null;
      if (r.get("any-of") != null) {
        if (!(r.get("any-of") instanceof List<?> al) || al.isEmpty()) {
          throw fail(f, "suggest any-of must be a non-empty list");
        }
        if (al.stream().anyMatch(x -> !(x instanceof String))) {
          // YAML reads a bare no / yes as a boolean: the check-in answers are the strings "no" and "yes".
          throw fail(f, "suggest any-of values must be quoted text, e.g. [\"no\", \"partly\"]");
        }
        anyOf = al.stream().map(x -> ((String) x).toLowerCase(Locale.ROOT)).toList();
      }
      int times = r.get("times") == null ? 1 : number(f, r.get("times"), "suggest times", 1, 30);
      int ofLast = r.get("of-last") == null ? times : number(f, r.get("of-last"), "suggest of-last", 1, 30);
      boolean totalRule = item == null && total != null && below == null && atLeast == null && anyOf == null;
      boolean itemRule = item != null && total == null && ((below != null || atLeast != null) ^ (anyOf != null));
      if (!totalRule && !itemRule) {
        throw fail(f, "a suggest rule needs total-at-least, or an item with below/at-least or any-of");
      }
      if (times > ofLast) {
        throw fail(f, "suggest times must not exceed of-last");
      }
      rules.add(new SuggestRule(instrument, item, total, below, atLeast, anyOf, times, ofLast));
    }
    return List.copyOf(rules);
  }

  /** Words a reader sees: the rendered text without tags. */
  static int words(String html) {
    String text = html.replaceAll("<[^>]+>", " ").replaceAll("&[a-z#0-9]+;", " ").trim();
    return text.isEmpty() ? 0 : (int) Stream.of(text.split("\\s+")).filter(w -> w.chars().anyMatch(Character::isLetterOrDigit)).count();
  }

  private static String text(Path f, Map<String, Object> fm, String field, int max) {
    return string(f, fm.get(field), field, max);
  }

  private static String string(Path f, Object v, String what, int max) {
    if (!(v instanceof String s) || s.isBlank()) {
      throw fail(f, what + " is missing or not text");
    }
    if (s.length() > max) {
      throw fail(f, what + " must be at most " + max + " characters");
    }
    return s.trim();
  }

  private static String itemId(Path f, Object v, String what) {
    if (!(v instanceof String s) || !ITEM_ID.matcher(s).matches()) {
      throw fail(f, what + " is missing or not a short id");
    }
    return s;
  }

  private static int number(Path f, Object v, String what, int min, int max) {
    if (!(v instanceof Integer n) || n < min || n > max) {
      throw fail(f, what + " must be a whole number from " + min + " to " + max);
    }
    return n;
  }

  private static Double decimal(Path f, Object v, String what) {
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n)) {
      throw fail(f, what + " must be a number");
    }
    return n.doubleValue();
  }

  private static String mime(String name) {
    String ext = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
    return switch (ext) {
      case "png" -> "image/png";
      case "jpg", "jpeg" -> "image/jpeg";
      case "gif" -> "image/gif";
      case "webp" -> "image/webp";
      default -> "image/svg+xml";
    };
  }

  private static ConfigException fail(Path file, String problem) {
    return new ConfigException(KEY, file + ": " + problem);
  }
}

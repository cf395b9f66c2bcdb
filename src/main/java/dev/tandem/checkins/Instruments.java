package dev.tandem.checkins;

import dev.tandem.checkins.Instrument.AlertRule;
import dev.tandem.checkins.Instrument.Band;
import dev.tandem.checkins.Instrument.ChangeRule;
import dev.tandem.checkins.Instrument.Item;
import dev.tandem.checkins.Instrument.Kind;
import dev.tandem.checkins.Instrument.Option;
import dev.tandem.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The instruments Tandem knows: the shipped definitions (classpath
 * {@code checkins/instruments/index.txt}) plus any {@code *.yaml} in an operator directory.
 * Every definition is validated at start-up; a bad one stops the server with a message naming the
 * file and the problem, so a typo never reaches a patient.
 */
public final class Instruments {
  static final List<String> LANGUAGES = List.of("en", "es");
  private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,39}");
  private static final Pattern LOINC = Pattern.compile("[0-9]{1,7}-[0-9]");
  private final Map<String, Instrument> byId;

  private Instruments(Map<String, Instrument> byId) {
    this.byId = byId;
  }

  /** Loads the shipped definitions and those in {@code extraDir} (null or empty: none). */
  public static Instruments load(String extraDir) {
    Map<String, Instrument> all = new LinkedHashMap<>();
    for (String file : shippedFiles()) {
      try (InputStream in = Instruments.class.getResourceAsStream("/checkins/instruments/" + file)) {
        if (in == null) {
          throw new ConfigException("checkins instrument " + file, "is listed in index.txt but missing");
        }
        add(all, file, new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    if (extraDir != null && !extraDir.isBlank()) {
      Path dir = Path.of(extraDir);
      if (!Files.isDirectory(dir)) {
        throw new ConfigException("checkins.instruments-dir", "is not a directory: " + extraDir);
      }
      try (Stream<Path> files = Files.list(dir)) {
        for (Path p : files.filter(f -> f.getFileName().toString().endsWith(".yaml")).sorted().toList()) {
          add(all, p.toString(), Files.readString(p));
        }
      } catch (IOException e) {
        throw new ConfigException("checkins.instruments-dir", "cannot be read: " + e.getMessage());
      }
    }
    return new Instruments(all);
  }

  /** Parses one definition (tests use this for bad ones). Fails with ConfigException naming {@code file}. */
  public static Instrument parse(String file, String yaml) {
    try {
      Object root = new Yaml(new SafeConstructor(new LoaderOptions())).load(yaml);
      if (!(root instanceof Map<?, ?> m)) {
        throw new IllegalArgumentException("the file must hold a YAML mapping");
      }
      return instrument(m);
    } catch (IllegalArgumentException | ClassCastException | org.yaml.snakeyaml.error.YAMLException e) {
      throw new ConfigException("checkins instrument " + file, e.getMessage() == null ? e.toString() : e.getMessage());
    }
  }

  private static void add(Map<String, Instrument> all, String file, String yaml) {
    Instrument i = parse(file, yaml);
    if (all.containsKey(i.id())) {
      throw new ConfigException("checkins instrument " + file, "id '" + i.id() + "' is defined twice");
    }
    all.put(i.id(), i);
  }

  private static List<String> shippedFiles() {
    try (InputStream in = Instruments.class.getResourceAsStream("/checkins/instruments/index.txt")) {
      if (in == null) {
        throw new ConfigException("checkins instruments", "checkins/instruments/index.txt is missing from the build");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip)
          .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Instrument get(String id) {
    return id == null ? null : byId.get(id);
  }

  public Collection<Instrument> all() {
    return byId.values();
  }

  // ---- parsing and validation -------------------------------------------------------------

  private static Instrument instrument(Map<?, ?> m) {
    String id = str(m, "id", true);
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException("id must be lower-case letters, digits and '-' (got '" + id + "')");
    }
    int version = integer(m, "version", 1);
    Map<String, String> title = texts(m.get("title"), "title");
    Map<String, String> preamble = m.get("preamble") == null ? Map.of() : texts(m.get("preamble"), "preamble");
    int cadence = integer(m, "defaultCadenceDays", 1);
    if (cadence < 1 || cadence > 365) {
      throw new IllegalArgumentException("defaultCadenceDays must be 1-365");
    }
    String panel = null;
    String total = null;
    if (m.get("loinc") != null) {
      Map<?, ?> l = map(m.get("loinc"), "loinc");
      panel = loinc(l.get("panel"), "loinc.panel");
      total = loinc(l.get("total"), "loinc.total");
    }
    List<Item> items = new ArrayList<>();
    Set<String> itemIds = new HashSet<>();
    for (Object o : list(m.get("items"), "items")) {
      Item it = item(map(o, "items[]"));
      if (!itemIds.add(it.id())) {
        throw new IllegalArgumentException("item id '" + it.id() + "' is used twice");
      }
      items.add(it);
    }
    if (items.isEmpty()) {
      throw new IllegalArgumentException("items must not be empty");
    }
    Map<?, ?> scoring = map(m.get("scoring"), "scoring");
    String kind = str(scoring, "kind", true);
    boolean scored;
    List<Band> bands = new ArrayList<>();
    ChangeRule change = new ChangeRule(null, null, null);
    if ("sum".equals(kind)) {
      scored = true;
      int max = 0;
      for (Item it : items) {
        if (it.kind() != Kind.CHOICE) {
          throw new IllegalArgumentException("scoring 'sum' needs every item to be a choice (item " + it.id() + ")");
        }
        max += it.options().stream().mapToInt(o -> (Integer) o.value()).max().orElse(0);
      }
      for (Object o : list(scoring.get("bands"), "scoring.bands")) {
        Map<?, ?> b = map(o, "scoring.bands[]");
        bands.add(new Band(integer(b, "min", null), integer(b, "max", null), str(b, "code", true), labels(b, "scoring.bands[]")));
      }
      int expect = 0;
      for (Band b : bands) {
        if (b.min() != expect || b.max() < b.min()) {
          throw new IllegalArgumentException("scoring.bands must cover 0.." + max + " without gaps or overlaps (band " + b.code() + ")");
        }
        expect = b.max() + 1;
      }
      if (expect != max + 1) {
        throw new IllegalArgumentException("scoring.bands must end at the highest possible total, " + max);
      }
      if (scoring.get("change") != null) {
        Map<?, ?> c = map(scoring.get("change"), "scoring.change");
        change = new ChangeRule(integer(c, "reliablePoints", 0), integer(c, "responsePercent", 0), integer(c, "remissionBelow", 0));
      }
    } else if ("none".equals(kind)) {
      scored = false;
    } else {
      throw new IllegalArgumentException("scoring.kind must be 'sum' or 'none' (got '" + kind + "')");
    }
    List<AlertRule> alerts = new ArrayList<>();
    for (Object o : m.get("alerts") == null ? List.of() : list(m.get("alerts"), "alerts")) {
      Map<?, ?> a = map(o, "alerts[]");
      String severity = a.get("severity") == null ? "high" : str(a, "severity", true);
      if (!Set.of("urgent", "high").contains(severity)) {
        throw new IllegalArgumentException("alerts[].severity must be urgent or high");
      }
      if (a.get("item") != null) {
        String item = str(a, "item", true);
        Item it = items.stream().filter(x -> x.id().equals(item)).findFirst().orElse(null);
        if (it == null || it.kind() != Kind.CHOICE && it.kind() != Kind.SCALE) {
          throw new IllegalArgumentException("alert rule names item '" + item + "', which is not a choice or scale item here");
        }
        alerts.add(new AlertRule(item, integer(a, "above", null), null, severity));
      } else if (a.get("rise") != null) {
        if (!scored) {
          throw new IllegalArgumentException("a 'rise' alert rule needs a scored instrument");
        }
        int rise = integer(a, "rise", null);
        if (rise < 1) {
          throw new IllegalArgumentException("alerts[].rise must be at least 1");
        }
        alerts.add(new AlertRule(null, null, rise, severity));
      } else {
        throw new IllegalArgumentException("an alert rule needs 'item' and 'above', or 'rise'");
      }
    }
    return new Instrument(id, version, title, preamble, cadence, panel, total, List.copyOf(items), scored, List.copyOf(bands),
        change, List.copyOf(alerts));
  }

  private static Item item(Map<?, ?> m) {
    String id = str(m, "id", true);
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException("item id must be lower-case letters, digits and '-' (got '" + id + "')");
    }
    Kind kind;
    try {
      kind = Kind.fromWire(str(m, "type", true));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("item " + id + ": type must be choice, scale, number, select, side-effects or text");
    }
    boolean required = m.get("required") == null || Boolean.TRUE.equals(m.get("required"));
    List<Option> options = new ArrayList<>();
    List<Option> severities = new ArrayList<>();
    Double min = null;
    Double max = null;
    int maxLength = 0;
    switch (kind) {
      case CHOICE, SELECT, SIDE_EFFECTS -> {
        Set<Object> seen = new HashSet<>();
        for (Object o : list(m.get("options"), "item " + id + ".options")) {
          Map<?, ?> om = map(o, "item " + id + ".options[]");
          Object v = om.get("value");
          if (kind == Kind.CHOICE ? !(v instanceof Integer) : !(v instanceof String)) {
            throw new IllegalArgumentException("item " + id + ": option values must be " + (kind == Kind.CHOICE ? "whole numbers" : "strings"));
          }
          if (!seen.add(v)) {
            throw new IllegalArgumentException("item " + id + ": option value " + v + " is used twice");
          }
          String code = om.get("code") == null ? null : loinc2(om.get("code"), "item " + id + ".options[].code");
          options.add(new Option(v, code, labels(om, "item " + id + ".options[]")));
        }
        if (options.isEmpty()) {
          throw new IllegalArgumentException("item " + id + ": options must not be empty");
        }
        if (kind == Kind.SIDE_EFFECTS) {
          for (Object o : list(m.get("severities"), "item " + id + ".severities")) {
            Map<?, ?> sm = map(o, "item " + id + ".severities[]");
            severities.add(new Option(str(sm, "value", true), null, labels(sm, "item " + id + ".severities[]")));
          }
        }
      }
      case SCALE, NUMBER -> {
        min = number(m, "min", id);
        max = number(m, "max", id);
        if (max <= min) {
          throw new IllegalArgumentException("item " + id + ": max must be greater than min");
        }
      }
      case TEXT -> {
        maxLength = integer(m, "maxLength", 1000);
        if (maxLength < 1 || maxLength > 20_000) {
          throw new IllegalArgumentException("item " + id + ": maxLength must be 1-20000");
        }
      }
    }
    String loinc = m.get("loinc") == null ? null : loinc(m.get("loinc"), "item " + id + ".loinc");
    return new Item(id, kind, labels(m, "item " + id), loinc, required, List.copyOf(options), List.copyOf(severities), min, max,
        maxLength);
  }

  private static Map<String, String> labels(Map<?, ?> m, String where) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String lang : LANGUAGES) {
      Object v = m.get(lang);
      if (!(v instanceof String s) || s.isBlank()) {
        throw new IllegalArgumentException(where + ": needs wording in '" + lang + "'");
      }
      out.put(lang, s);
    }
    return Map.copyOf(out);
  }

  private static Map<String, String> texts(Object o, String where) {
    return labels(map(o, where), where);
  }

  private static String loinc(Object o, String where) {
    if (!(o instanceof String s) || !LOINC.matcher(s).matches()) {
      throw new IllegalArgumentException(where + " must be a LOINC code such as 44261-6 (a quoted string)");
    }
    return s;
  }

  /** LOINC answer codes (LA6568-5) as well as term codes. */
  private static String loinc2(Object o, String where) {
    if (!(o instanceof String s) || !s.matches("(LA)?[0-9]{1,7}-[0-9]")) {
      throw new IllegalArgumentException(where + " must be a LOINC code such as LA6568-5");
    }
    return s;
  }

  private static Map<?, ?> map(Object o, String where) {
    if (!(o instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException(where + " must be a mapping");
    }
    return m;
  }

  private static List<?> list(Object o, String where) {
    if (!(o instanceof List<?> l)) {
      throw new IllegalArgumentException(where + " must be a list");
    }
    return l;
  }

  private static String str(Map<?, ?> m, String key, boolean required) {
    Object v = m.get(key);
    if (v == null && !required) {
      return null;
    }
    if (!(v instanceof String s) || s.isBlank()) {
      throw new IllegalArgumentException(key + " must be a non-empty string");
    }
    return s;
  }

  private static int integer(Map<?, ?> m, String key, Integer dflt) {
    Object v = m.get(key);
    if (v == null && dflt != null) {
      return dflt;
    }
    if (!(v instanceof Integer i)) {
      throw new IllegalArgumentException(key + " must be a whole number");
    }
    return i;
  }

  private static double number(Map<?, ?> m, String key, String item) {
    Object v = m.get(key);
    if (!(v instanceof Number n)) {
      throw new IllegalArgumentException("item " + item + ": " + key + " must be a number");
    }
    return n.doubleValue();
  }
}

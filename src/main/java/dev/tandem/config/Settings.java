package dev.tandem.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Flat view of the configuration: the keys of {@code config/tandem.yaml} (dotted, e.g.
 * {@code store.data-dir}) with environment overrides applied. Every key the defaults file
 * declares can be overridden by {@code TANDEM_} + the key upper-cased with dots and dashes
 * turned into underscores. Typed getters throw {@link ConfigException} naming the key.
 */
public final class Settings {
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
  private final Map<String, String> values;

  private Settings(Map<String, String> values) {
    this.values = Collections.unmodifiableMap(values);
  }

  /**
   * Loads the defaults (the shipped tandem.yaml), then an optional operator file that may
   * only set keys the defaults declare, then environment overrides.
   */
  public static Settings load(InputStream defaults, Path overrideFile, Map<String, String> env) {
    Map<String, String> flat = new LinkedHashMap<>();
    flatten("", parseYaml(defaults, "defaults"), flat);
    if (overrideFile != null) {
      if (!Files.isRegularFile(overrideFile)) {
        throw new ConfigException("config", "file not found: " + overrideFile);
      }
      Map<String, String> extra = new LinkedHashMap<>();
      try (InputStream in = Files.newInputStream(overrideFile)) {
        flatten("", parseYaml(in, overrideFile.toString()), extra);
      } catch (IOException e) {
        throw new ConfigException("config", "cannot read " + overrideFile + ": " + e.getMessage());
      }
      for (var e : extra.entrySet()) {
        if (!flat.containsKey(e.getKey())) {
          throw new ConfigException(e.getKey(), "unknown setting (not in config/tandem.yaml)");
        }
        flat.put(e.getKey(), e.getValue());
      }
    }
    for (String key : List.copyOf(flat.keySet())) {
      String v = env.get(envName(key));
      if (v != null) {
        flat.put(key, v);
      }
    }
    return new Settings(flat);
  }

  public static Settings of(Map<String, String> values) {
    return new Settings(new LinkedHashMap<>(values));
  }

  /** Returns a copy with some keys replaced (tests use this to set ports and paths). */
  public Settings with(Map<String, String> overrides) {
    Map<String, String> copy = new LinkedHashMap<>(values);
    for (var e : overrides.entrySet()) {
      if (!copy.containsKey(e.getKey())) {
        throw new ConfigException(e.getKey(), "unknown setting (not in config/tandem.yaml)");
      }
      copy.put(e.getKey(), e.getValue());
    }
    return new Settings(copy);
  }

  public static String envName(String key) {
    return "TANDEM_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  public Set<String> keys() {
    return values.keySet();
  }

  public String string(String key) {
    String v = raw(key);
    return v == null ? "" : v.trim();
  }

  public String nonEmpty(String key) {
    String v = string(key);
    if (v.isEmpty()) {
      throw new ConfigException(key, "must not be empty");
    }
    return v;
  }

  public Secret secret(String key) {
    String v = raw(key);
    return new Secret(v == null ? "" : v.trim());
  }

  public int integer(String key, int min, int max) {
    String v = string(key);
    try {
      int n = Integer.parseInt(v);
      if (n < min || n > max) {
        throw new ConfigException(key, "must be between " + min + " and " + max + " (got " + n + ")");
      }
      return n;
    } catch (NumberFormatException e) {
      throw new ConfigException(key, "must be a whole number between " + min + " and " + max + " (got '" + v + "')");
    }
  }

  public boolean bool(String key) {
    String v = string(key).toLowerCase(Locale.ROOT);
    return switch (v) {
      case "true", "yes", "on", "1" -> true;
      case "false", "no", "off", "0" -> false;
      default -> throw new ConfigException(key, "must be true or false (got '" + v + "')");
    };
  }

  /** Durations are written like {@code 500ms}, {@code 30s}, {@code 30m}, {@code 12h}, {@code 7d}. */
  public Duration duration(String key, Duration min, Duration max) {
    String v = string(key);
    Matcher m = DURATION.matcher(v);
    if (!m.matches()) {
      throw new ConfigException(key, "must be a duration like 30s, 30m, 12h or 7d (got '" + v + "')");
    }
    long n = Long.parseLong(m.group(1));
    Duration d = switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      throw new ConfigException(key, "must be between " + min + " and " + max + " (got " + v + ")");
    }
    return d;
  }

  public <E extends Enum<E>> E oneOf(String key, Class<E> type) {
    String v = string(key);
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(v.replace('-', '_'))) {
        return e;
      }
    }
    StringBuilder allowed = new StringBuilder();
    for (E e : type.getEnumConstants()) {
      allowed.append(allowed.length() == 0 ? "" : ", ").append(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }
    throw new ConfigException(key, "must be one of " + allowed + " (got '" + v + "')");
  }

  private String raw(String key) {
    if (!values.containsKey(key)) {
      throw new ConfigException(key, "unknown setting (not in config/tandem.yaml)");
    }
    return values.get(key);
  }

  private static Object parseYaml(InputStream in, String name) {
    try (Reader r = new java.io.InputStreamReader(in, StandardCharsets.UTF_8)) {
      Object root = new Yaml(new SafeConstructor(new LoaderOptions())).load(r);
      return root == null ? Map.of() : root;
    } catch (IOException | RuntimeException e) {
      throw new ConfigException("config", "cannot parse " + name + " as YAML: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  @SuppressWarnings("unchecked")
  private static void flatten(String prefix, Object node, Map<String, String> out) {
    if (node instanceof Map<?, ?> map) {
      for (var e : ((Map<Object, Object>) map).entrySet()) {
        String key = prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "." + e.getKey();
        flatten(key, e.getValue(), out);
      }
    } else if (node instanceof List<?> list) {
      StringBuilder sb = new StringBuilder();
      for (Object o : list) {
        sb.append(sb.length() == 0 ? "" : ",").append(o);
      }
      out.put(prefix, sb.toString());
    } else {
      out.put(prefix, node == null ? "" : String.valueOf(node));
    }
  }
}

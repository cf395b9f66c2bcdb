package dev.tandem.config;

/** A setting is missing or invalid. The message names the key and what is wrong, in one line. */
public final class ConfigException extends RuntimeException {
  private final String key;

  public ConfigException(String key, String problem) {
    super(key + ": " + problem);
    this.key = key;
  }

  public String key() {
    return key;
  }
}

package dev.tandem.config;

/** A secret value from configuration. Its {@code toString()} never shows the value. */
public record Secret(String value) {
  public boolean isSet() {
    return value != null && !value.isEmpty();
  }

  @Override
  public String toString() {
    return isSet() ? "Secret[redacted]" : "Secret[unset]";
  }
}

package dev.tandem.identity;

import dev.tandem.http.ApiException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * NIST 800-63B style: long enough, not a known common password, not the account's own email;
 * no composition rules (they push people to predictable patterns).
 */
public final class PasswordPolicy {
  static final int MAX_LENGTH = 256;
  private final int minLength;
  private final Set<String> common;

  public PasswordPolicy(int minLength, Set<String> common) {
    this.minLength = minLength;
    this.common = common;
  }

  /** Loads the shipped list {@code identity/common-passwords.txt}. */
  public static PasswordPolicy withShippedList(int minLength) {
    Set<String> words = new HashSet<>();
    try (InputStream in = PasswordPolicy.class.getResourceAsStream("/identity/common-passwords.txt")) {
      if (in == null) {
        throw new IllegalStateException("identity/common-passwords.txt is missing from the build");
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line; (line = r.readLine()) != null; ) {
        String w = line.trim();
        if (!w.isEmpty() && !w.startsWith("#")) {
          words.add(w.toLowerCase(Locale.ROOT));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the common password list", e);
    }
    return new PasswordPolicy(minLength, Set.copyOf(words));
  }

  /** Fails with 400 weak_password and a message a person can act on. */
  public void check(String password, String email) {
    if (password.codePointCount(0, password.length()) < minLength) {
      throw weak("Use at least " + minLength + " characters. A few unrelated words make a strong, memorable password.");
    }
    if (password.length() > MAX_LENGTH) {
      throw weak("Use at most " + MAX_LENGTH + " characters.");
    }
    String lower = password.toLowerCase(Locale.ROOT);
    if (common.contains(lower) || common.contains(lower.replaceAll("[^a-z0-9]", ""))) {
      throw weak("This password is too common and easy to guess. Choose another.");
    }
    if (lower.chars().distinct().count() < 4) {
      throw weak("This password repeats too few characters. Choose another.");
    }
    if (email != null) {
      String local = email.toLowerCase(Locale.ROOT).split("@", 2)[0];
      if (lower.equals(email.toLowerCase(Locale.ROOT)) || (local.length() >= 4 && lower.contains(local))) {
        throw weak("Do not use your email address in your password.");
      }
    }
  }

  private static ApiException weak(String message) {
    return new ApiException(400, "weak_password", message);
  }
}

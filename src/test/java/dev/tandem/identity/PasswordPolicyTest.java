package dev.tandem.identity;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tandem.http.ApiException;
import org.junit.jupiter.api.Test;

class PasswordPolicyTest {
  private final PasswordPolicy policy = PasswordPolicy.withShippedList(12);

  private String refusal(String password, String email) {
    ApiException e = assertThrows(ApiException.class, () -> policy.check(password, email), password);
    assertEquals(400, e.status());
    assertEquals("weak_password", e.code());
    return e.getMessage();
  }

  @Test
  void shortAndCommonPasswordsAreRefused() {
    refusal("elevenchars", null);
    refusal("password1234", null);
    refusal("Password1234", null);
    refusal("qwertyuiop123", null);
    refusal("123456789012", null);
    refusal("aaaaaaaaaaaaaaaa", null);
  }

  @Test
  void theAccountsOwnEmailIsRefused() {
    refusal("margaret.h.1985", "margaret.h@example.org");
  }

  @Test
  void longUnusualPassphrasesPass() {
    assertDoesNotThrow(() -> policy.check("violet ferry lantern bramble", "ana@example.org"));
    assertDoesNotThrow(() -> policy.check("tandem-demo-2026", "rivera@tandem-demo.org"));
    assertDoesNotThrow(() -> policy.check("Ünïcödé pässwörd ✓", null));
  }
}

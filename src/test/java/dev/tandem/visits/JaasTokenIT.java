package dev.tandem.visits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.interfaces.DecodedJWT;
import dev.tandem.config.ConfigException;
import dev.tandem.config.TandemConfig;
import dev.tandem.testing.MutableClock;
import dev.tandem.testing.TestTandem;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * 8x8 JaaS tokens: RS256 with the API key id in {@code kid}, iss "chat", aud "jitsi", sub = the
 * tenant (AppID), signed with a PEM private key file in either PKCS#8 or PKCS#1 form. A key pair
 * is generated per test; the token is verified with the public key by Auth0 java-jwt.
 */
@ExtendWith(VertxExtension.class)
class JaasTokenIT {
  static final String TENANT = "vpaas-magic-cookie-1fc542a3e4414a44b2611668195e2bfe";
  static final String KID = TENANT + "/4f4910";

  @Test
  void jaasTokensAreRs256WithKidAndTheJaasClaimsFromAPkcs8Key(Vertx vertx) throws Exception {
    KeyPair pair = rsa();
    Path key = Files.createTempFile("jaas", ".pk8.pem");
    Files.writeString(key, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
    checkJaas(vertx, key, (RSAPublicKey) pair.getPublic());
  }

  @Test
  void aPkcs1RsaPrivateKeyFileWorksToo(Vertx vertx) throws Exception {
    KeyPair pair = rsa();
    byte[] pkcs1 = PrivateKeyInfo.getInstance(pair.getPrivate().getEncoded()).parsePrivateKey().toASN1Primitive().getEncoded();
    Path key = Files.createTempFile("jaas", ".rsa.pem");
    Files.writeString(key, pem("RSA PRIVATE KEY", pkcs1));
    checkJaas(vertx, key, (RSAPublicKey) pair.getPublic());
  }

  @Test
  void jaasWithoutAKeyIdOrWithAnUnreadableKeyStopsStartUpNamingTheSetting() throws Exception {
    Path key = Files.createTempFile("jaas", ".pem");
    Files.writeString(key, pem("PRIVATE KEY", rsa().getPrivate().getEncoded()));
    ConfigException noKid = assertThrows(ConfigException.class, () -> TandemConfig.from(TandemConfig.loadSettings(null, Map.of())
        .with(Map.of("visits.jitsi.token-format", "jaas", "visits.jitsi.private-key-file", key.toString()))));
    assertEquals("visits.jitsi.key-id", noKid.key());
    ConfigException shortSecret = assertThrows(ConfigException.class, () -> TandemConfig.from(TandemConfig.loadSettings(null, Map.of())
        .with(Map.of("visits.jitsi.app-secret", "too-short"))));
    assertEquals("visits.jitsi.app-secret", shortSecret.key());
    Path garbage = Files.createTempFile("jaas", ".pem");
    Files.writeString(garbage, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
    ConfigException bad = assertThrows(ConfigException.class, () -> new JitsiTokens(TandemConfig.from(TandemConfig.loadSettings(null,
        Map.of()).with(Map.of("visits.jitsi.token-format", "jaas", "visits.jitsi.private-key-file", garbage.toString(),
        "visits.jitsi.key-id", KID))).visits()));
    assertEquals("visits.jitsi.private-key-file", bad.key());
    assertTrue(!bad.getMessage().contains("bm90IGEga2V5"), "the key material is not echoed");
  }

  private static void checkJaas(Vertx vertx, Path key, RSAPublicKey publicKey) throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-12-02T15:00:00Z"));
    try (TestTandem tandem = TestTandem.start(vertx, Map.of("identity.password.argon2-memory-kib", "1024",
        "identity.password.argon2-iterations", "1", "visits.jitsi.token-format", "jaas", "visits.jitsi.app-id", TENANT,
        "visits.jitsi.key-id", KID, "visits.jitsi.private-key-file", key.toString(), "visits.jitsi.domain", "8x8.vc"),
        Files.createTempDirectory("jaas"), clock)) {
      Member rivera = Member.login(tandem, "rivera");
      Member ben = Member.login(tandem, "ben");
      Instant start = Instant.parse("2026-12-02T15:10:00Z");
      String id = rivera.book(ben.id(), "medication-review", start.toString(), 30).expect(201).json().getJsonObject("visit").getString("id");
      JsonObject t = rivera.http().post("/api/v1/visits/" + id + "/token", null).expect(200).json();
      JWTVerifier v = ((JWTVerifier.BaseVerification) JWT.require(Algorithm.RSA256(publicKey, null)).withIssuer("chat")
          .withAudience("jitsi").withSubject(TENANT)).build(Clock.fixed(clock.instant(), ZoneOffset.UTC));
      DecodedJWT jwt = v.verify(t.getString("token"));
      assertEquals("RS256", jwt.getAlgorithm());
      assertEquals("JWT", jwt.getType());
      assertEquals(KID, jwt.getKeyId());
      assertEquals(t.getString("room"), jwt.getClaim("room").asString());
      assertTrue(jwt.getClaim("room").asString().matches("[a-z0-9-]+"));
      assertEquals(start.plus(Duration.ofMinutes(60)), jwt.getExpiresAtAsInstant());
      assertEquals(clock.instant().minusSeconds(45), jwt.getNotBeforeAsInstant());
      @SuppressWarnings("unchecked")
      Map<String, Object> user = (Map<String, Object>) jwt.getClaim("context").asMap().get("user");
      assertEquals("true", user.get("moderator"));
      assertEquals(rivera.id(), user.get("id"));
      assertEquals("Dr. Maya Rivera", user.get("name"));
      // A different key pair does not verify it.
      assertThrows(SignatureVerificationException.class, () -> JWT.require(Algorithm.RSA256((RSAPublicKey) rsa().getPublic(), null))
          .build().verify(t.getString("token")));
    }
  }

  private static KeyPair rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der) + "\n-----END " + type
        + "-----\n";
  }
}

package dev.tandem.visits;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.tandem.config.ConfigException;
import dev.tandem.config.VisitsConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Mints Jitsi JWTs with Nimbus JOSE+JWT (a maintained JOSE library; signing by hand is where
 * token bugs live), in the two formats Jitsi checks:
 * <ul>
 * <li>Prosody token auth: HS256 with the shared app secret; iss = app id, aud = configured
 * (default app id), sub = the Jitsi domain.</li>
 * <li>8x8 JaaS: RS256 with the key id in {@code kid}; iss "chat", aud "jitsi", sub = tenant (the
 * AppID).</li>
 * </ul>
 * Both: header typ JWT, room = bare lower-case room name, nbf back-dated (Jitsi allows no clock
 * skew), exp = visit end + grace, context.user with moderator "true" only for clinicians.
 */
public final class JitsiTokens {
  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
  private final VisitsConfig cfg;
  private final JWSSigner signer;
  private final JWSAlgorithm alg;

  /** A participant as Jitsi shows them. */
  public record Person(String id, String name, String email, String avatar, boolean moderator) {
  }

  public JitsiTokens(VisitsConfig cfg) {
    this.cfg = cfg;
    try {
      if (cfg.tokenFormat() == VisitsConfig.TokenFormat.JAAS) {
        this.alg = JWSAlgorithm.RS256;
        this.signer = cfg.privateKeyFile() == null ? null : new RSASSASigner(readPrivateKey(cfg));
      } else {
        this.alg = JWSAlgorithm.HS256;
        this.signer = cfg.appSecret().isSet() ? new MACSigner(cfg.appSecret().value().getBytes(StandardCharsets.UTF_8)) : null;
      }
    } catch (JOSEException e) {
      throw new ConfigException("visits.jitsi.app-secret", "cannot sign with it: " + e.getMessage());
    }
  }

  public boolean configured() {
    return signer != null;
  }

  /** A new unguessable room name: "tandem-" + 128 random bits in lower-case base32. */
  public static String newRoom() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return "tandem-" + base32(b);
  }

  /** Signs a token for {@code who} in {@code room}, valid from now (back-dated) until {@code expires}. */
  public String mint(String room, Person who, Instant now, Instant expires) {
    Map<String, Object> user = new LinkedHashMap<>();
    user.put("id", who.id());
    user.put("name", who.name());
    user.put("avatar", who.avatar() == null ? "" : who.avatar());
    user.put("email", who.email() == null ? "" : who.email());
    user.put("moderator", who.moderator() ? "true" : "false");
    Map<String, Object> context = new LinkedHashMap<>();
    context.put("user", user);
    boolean jaas = cfg.tokenFormat() == VisitsConfig.TokenFormat.JAAS;
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .issuer(jaas ? "chat" : cfg.appId())
        .audience(cfg.audience())
        .subject(jaas ? cfg.appId() : cfg.jitsiDomain())
        .claim("room", room.toLowerCase(Locale.ROOT))
        .notBeforeTime(Date.from(now.minus(cfg.nbfBackdate())))
        .issueTime(Date.from(now.minus(cfg.nbfBackdate())))
        .expirationTime(Date.from(expires))
        .claim("context", context)
        .build();
    JWSHeader.Builder h = new JWSHeader.Builder(alg).type(JOSEObjectType.JWT);
    if (jaas) {
      h.keyID(cfg.keyId());
    }
    SignedJWT jwt = new SignedJWT(h.build(), claims);
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("Jitsi token signing failed", e);
    }
    return jwt.serialize();
  }

  private static String base32(byte[] data) {
    String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    StringBuilder sb = new StringBuilder();
    int buffer = 0;
    int bits = 0;
    for (byte b : data) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        sb.append(alphabet.charAt((buffer >> (bits - 5)) & 31));
        bits -= 5;
      }
    }
    if (bits > 0) {
      sb.append(alphabet.charAt((buffer << (5 - bits)) & 31));
    }
    return sb.toString();
  }

  /** Reads a PKCS#8 ("BEGIN PRIVATE KEY") or PKCS#1 ("BEGIN RSA PRIVATE KEY") PEM RSA key with the JDK. */
  static PrivateKey readPrivateKey(VisitsConfig cfg) {
    try {
      String pem = Files.readString(cfg.privateKeyFile(), StandardCharsets.US_ASCII);
      boolean pkcs1 = pem.contains("BEGIN RSA PRIVATE KEY");
      String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
      byte[] der = Base64.getDecoder().decode(b64);
      if (pkcs1) {
        der = pkcs1ToPkcs8(der);
      }
      return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (IOException | IllegalArgumentException | java.security.GeneralSecurityException e) {
      throw new ConfigException("visits.jitsi.private-key-file", "is not a readable PEM RSA private key");
    }
  }

  /** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo (version 0, rsaEncryption, NULL params). */
  private static byte[] pkcs1ToPkcs8(byte[] pkcs1) {
    byte[] algId = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    byte[] version = {0x02, 0x01, 0x00};
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(version);
    body.writeBytes(algId);
    body.writeBytes(tlv(0x04, pkcs1));
    return tlv(0x30, body.toByteArray());
  }

  private static byte[] tlv(int tag, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int len = value.length;
    if (len < 0x80) {
      out.write(len);
    } else if (len < 0x100) {
      out.write(0x81);
      out.write(len);
    } else if (len < 0x10000) {
      out.write(0x82);
      out.write(len >> 8);
      out.write(len);
    } else {
      out.write(0x83);
      out.write(len >> 16);
      out.write(len >> 8);
      out.write(len);
    }
    out.writeBytes(value);
    return out.toByteArray();
  }
}

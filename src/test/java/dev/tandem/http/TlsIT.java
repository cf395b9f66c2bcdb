package dev.tandem.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.testing.TestTandem;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** With a certificate and key configured, Tandem speaks only HTTPS and adds HSTS. */
@ExtendWith(VertxExtension.class)
class TlsIT {

  @Test
  void aConfiguredCertificateTurnsOnHttpsHstsAndSecureCookies(Vertx vertx) throws Exception {
    Path dir = Files.createTempDirectory("tls");
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key.toString(),
        "-out", cert.toString()).redirectErrorStream(true).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, new String(p.getInputStream().readAllBytes()));

    try (TestTandem t = TestTandem.start(vertx, Map.of("http.tls.cert-file", cert.toString(),
        "http.tls.key-file", key.toString()))) {
      assertTrue(t.baseUrl().startsWith("https://"), t.baseUrl());
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      try (var in = Files.newInputStream(cert)) {
        trust.setCertificateEntry("tandem", (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in));
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, tmf.getTrustManagers(), null);
      HttpClient client = HttpClient.newBuilder().sslContext(ssl).build();

      HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create(t.baseUrl() + "/health/live")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, health.statusCode());
      assertTrue(health.headers().firstValue("Strict-Transport-Security").orElse("").contains("max-age="));

      HttpResponse<String> login = client.send(HttpRequest.newBuilder(URI.create(t.baseUrl() + "/api/v1/auth/login"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
              "{\"email\":\"ana@tandem-demo.org\",\"password\":\"" + TestTandem.DEMO_PASSWORD + "\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, login.statusCode(), login.body());
      assertTrue(login.headers().firstValue("Set-Cookie").orElse("").toLowerCase().contains("secure"));

      HttpClient plain = HttpClient.newHttpClient();
      assertThrows(java.io.IOException.class, () -> plain.send(HttpRequest.newBuilder(
          URI.create(t.baseUrl().replace("https://", "http://") + "/health/live")).build(), HttpResponse.BodyHandlers.ofString()));
    }
  }
}

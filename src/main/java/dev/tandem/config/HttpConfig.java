package dev.tandem.config;

/** HTTP listener settings. */
public record HttpConfig(String host, int port, String publicUrl, int bodyLimitBytes, String webRoot,
    String tlsCertFile, String tlsKeyFile) {

  public boolean tls() {
    return !tlsCertFile.isEmpty();
  }

  static HttpConfig from(Settings s) {
    String cert = s.string("http.tls.cert-file");
    String key = s.string("http.tls.key-file");
    if (cert.isEmpty() != key.isEmpty()) {
      throw new ConfigException(cert.isEmpty() ? "http.tls.cert-file" : "http.tls.key-file",
          "set both http.tls.cert-file and http.tls.key-file, or neither");
    }
    String publicUrl = s.string("http.public-url");
    if (!publicUrl.isEmpty() && !publicUrl.matches("https?://[^\\s]+")) {
      throw new ConfigException("http.public-url", "must be an http:// or https:// address (got '" + publicUrl + "')");
    }
    return new HttpConfig(s.nonEmpty("http.host"), s.integer("http.port", 0, 65535),
        publicUrl.replaceAll("/+$", ""), s.integer("http.body-limit-bytes", 1024, 64 * 1024 * 1024),
        s.nonEmpty("http.web-root"), cert, key);
  }
}
